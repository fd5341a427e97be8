"""Named benchmark profiles: how much to run."""

from __future__ import annotations

import os
from dataclasses import dataclass

from ..errors import ToolkitError

QUICK_BENCHMARKS: tuple[str, ...] = (
    "chaos", "deltablue", "fannkuch", "float", "go", "hexiom", "nbody", "nqueens",
    "raytrace", "richards", "spectral_norm", "unpack_sequence", "generators", "deepcopy", "json_dumps",
)


@dataclass(frozen=True)
class Profile:
    name: str
    pyperformance_benchmarks: tuple[str, ...] | None
    """None means pyperformance's default suite."""
    pyperf_mode: tuple[str, ...]
    rounds: int
    scaling_threads: tuple[int, ...]
    scaling_scale: int
    scaling_repeats: int
    callgrind_repeats: int


def _cores() -> int:
    return os.cpu_count() or 1


PROFILES: dict[str, Profile] = {
    "quick": Profile("quick", QUICK_BENCHMARKS, ("--fast",), 1, (1, _cores()), 100, 5, 1),
    "full": Profile("full", None, (), 2, (1, _cores(), 2 * _cores()), 500, 7, 2),
}


def get_profile(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        raise ToolkitError(f"unknown profile {name!r}; valid profiles: {', '.join(PROFILES)}") from None
