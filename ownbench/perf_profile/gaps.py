"""Where one variant spends a larger share of its samples than another: the symbols of the gap, ranked."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..variants import ownership_labels
from .perf import Profile


@dataclass(frozen=True)
class Gap:
    """One symbol's shares of two runs' samples: `other` (say owner) against `base` (say stock)."""

    symbol: str
    other_share: float
    base_share: float
    other_samples: int
    base_samples: int

    @property
    def difference(self) -> float:
        """Share of `other`'s samples minus share of `base`'s: positive where `other` spends more of its time."""
        return self.other_share - self.base_share


@dataclass(frozen=True)
class Beyond:
    """The symbols on which `other` spends a larger share of its samples than `base`, largest difference first."""

    gaps: tuple[Gap, ...]

    @property
    def total(self) -> float:
        """The whole gap: the sum of the positive differences (what of `other`'s profile `base`'s does not have)."""
        return sum(g.difference for g in self.gaps)

    def share_of_gap(self, gap: Gap) -> float:
        return gap.difference / self.total if self.total else 0.0


def beyond(other: Profile, base: Profile) -> Beyond:
    """Each run's samples normalised to its own total, compared symbol by symbol; only those ahead in `other`."""
    gaps = [Gap(name, other.share(name), base.share(name), other.counts.get(name, 0), base.counts.get(name, 0))
            for name in set(other.counts) | set(base.counts)]
    ahead = [g for g in gaps if g.difference > 0]
    return Beyond(tuple(sorted(ahead, key=lambda g: (-g.difference, g.symbol))))


def comparisons(labels: Iterable[str]) -> list[tuple[str, str]]:
    """The (other, base) pairs to rank among the variants that ran: each ownership variant against stock, ft
    against stock, each ownership variant against ft."""
    present = list(labels)
    owners = ownership_labels(present)
    pairs = [*((o, "stock") for o in owners), ("ft", "stock"), *((o, "ft") for o in owners)]
    return [(other, base) for other, base in pairs if other in present and base in present]
