"""Time ratios between two variants' pyperf suites: the geometric mean and its bootstrap confidence interval."""

from __future__ import annotations

import math
import random
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pyperf

RESAMPLES = 2000
CONFIDENCE = 0.95


@dataclass(frozen=True)
class Ratio:
    """A time ratio (other / base, < 1 is faster) with its 95 % confidence interval."""

    value: float
    low: float
    high: float

    @property
    def measurable(self) -> bool:
        return not (self.low <= 1.0 <= self.high)

    def words(self) -> str:
        """What the ratio means, in words; an interval that spans 1.00 is no measurable difference."""
        if not self.measurable:
            return "no measurable difference"
        if self.value < 1:
            return f"{1 / self.value:.3f}x faster"
        return f"{self.value:.3f}x slower"

    def cell(self) -> str:
        return f"{self.value:.3f} [{self.low:.3f}, {self.high:.3f}]"

    def to_json(self) -> dict[str, float]:
        return {"ratio": self.value, "ci_low": self.low, "ci_high": self.high}

    @classmethod
    def from_json(cls, data: dict[str, float]) -> Ratio:
        """The ratio `to_json` wrote (summary.json)."""
        return cls(data["ratio"], data["ci_low"], data["ci_high"])


def run_values(bench: pyperf.Benchmark) -> list[float]:
    """Every timed value of a benchmark, over all its runs (and so over all rounds)."""
    return [v for run in bench.get_runs() for v in run.values]


def common_benchmarks(base: pyperf.BenchmarkSuite, other: pyperf.BenchmarkSuite) -> list[str]:
    return sorted(set(base.get_benchmark_names()) & set(other.get_benchmark_names()))


def bootstrap_geomean(pairs: list[tuple[list[float], list[float]]], center: Callable[[list[float]], float]
                      = statistics.fmean, resamples: int = RESAMPLES, seed: int = 0) -> Ratio:
    """Geometric mean over (base values, other values) pairs of center(other) / center(base), with a percentile
    bootstrap interval: each resample draws every pair's values with replacement (seeded, so reports repeat)."""
    value = statistics.geometric_mean(center(b) / center(a) for a, b in pairs)
    rng = random.Random(seed)
    draws = []
    for _ in range(resamples):
        logs = [math.log(center(rng.choices(b, k=len(b))) / center(rng.choices(a, k=len(a)))) for a, b in pairs]
        draws.append(math.exp(statistics.fmean(logs)))
    return percentile_interval(value, draws)


def bootstrap_geomean_of_medians(samples: list[list[float]], resamples: int = RESAMPLES, seed: int = 0) -> Ratio:
    """Geometric mean over the lists of each one's median (each a list of ratios), with a percentile bootstrap
    interval that draws every list with replacement (seeded, so reports repeat)."""
    value = statistics.geometric_mean(statistics.median(s) for s in samples)
    rng = random.Random(seed)
    draws = [math.exp(statistics.fmean(math.log(statistics.median(rng.choices(s, k=len(s)))) for s in samples))
             for _ in range(resamples)]
    return percentile_interval(value, draws)


def percentile_interval(value: float, draws: list[float]) -> Ratio:
    """`value` with the central CONFIDENCE interval of its bootstrap `draws`."""
    ordered = sorted(draws)
    tail = (1 - CONFIDENCE) / 2
    return Ratio(value, ordered[int(tail * (len(ordered) - 1))], ordered[int((1 - tail) * (len(ordered) - 1))])


def bootstrap_quotient(numerators: Sequence[Sequence[float]], denominators: Sequence[Sequence[float]],
                       center: Callable[[Sequence[float]], float] = statistics.median, resamples: int = RESAMPLES,
                       seed: int = 0) -> Ratio:
    """The product of center(n) over `numerators` divided by that over `denominators`, with a percentile bootstrap
    interval that draws every sample list with replacement on its own (the lists are independent measurements)."""
    def quotient(draw: Callable[[Sequence[float]], Sequence[float]]) -> float:
        return math.prod(center(draw(n)) for n in numerators) / math.prod(center(draw(d)) for d in denominators)

    rng = random.Random(seed)
    value = quotient(lambda samples: samples)
    return percentile_interval(value, [quotient(lambda s: rng.choices(s, k=len(s))) for _ in range(resamples)])


def geomean_ratio(base: pyperf.BenchmarkSuite, other: pyperf.BenchmarkSuite, resamples: int = RESAMPLES,
                  seed: int = 0) -> Ratio | None:
    """Geometric mean over the common benchmarks of mean(other) / mean(base), with its bootstrap interval."""
    names = common_benchmarks(base, other)
    if not names:
        return None
    pairs = [(run_values(base.get_benchmark(n)), run_values(other.get_benchmark(n))) for n in names]
    return bootstrap_geomean(pairs, resamples=resamples, seed=seed)


MEDIAN_Z = 2.241
"""Two-sided normal quantile of a 97.5 % interval: two such intervals hold together with at least 95 %."""


def median_bounds(samples: Sequence[float]) -> tuple[float, float] | None:
    """Distribution-free 97.5 % interval of the median: the order statistics of (1-based) ranks
    floor(n/2 - z * sqrt(n) / 2) and ceil(1 + n/2 + z * sqrt(n) / 2); None when n is too small for one."""
    ordered = sorted(samples)
    n = len(ordered)
    half = MEDIAN_Z * math.sqrt(n) / 2
    low_rank = math.floor(n / 2 - half)
    if low_rank < 1:
        return None
    return ordered[low_rank - 1], ordered[min(n - 1, math.ceil(n / 2 + half))]


def median_ratio(base: Sequence[float], other: Sequence[float]) -> Ratio:
    """median(other) / median(base), bounded by the two medians' intervals (95 % together, by Bonferroni);
    the interval is [0, inf] (no measurable difference) when a side has too few samples for one."""
    value = statistics.median(other) / statistics.median(base)
    base_bounds, other_bounds = median_bounds(base), median_bounds(other)
    if base_bounds is None or other_bounds is None:
        return Ratio(value, 0.0, math.inf)
    (base_low, base_high), (other_low, other_high) = base_bounds, other_bounds
    return Ratio(value, other_low / base_high, other_high / base_low)


def benchmark_ratios(base: pyperf.BenchmarkSuite, other: pyperf.BenchmarkSuite) -> dict[str, Ratio]:
    """Per benchmark: mean(other) / mean(base) with a bootstrap interval of its own."""
    found = {}
    for name in common_benchmarks(base, other):
        one = pyperf.BenchmarkSuite([base.get_benchmark(name)])
        two = pyperf.BenchmarkSuite([other.get_benchmark(name)])
        ratio = geomean_ratio(one, two, resamples=500)
        if ratio is not None:
            found[name] = ratio
    return found
