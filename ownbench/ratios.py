"""Time ratios between two variants' pyperf suites: the geometric mean and its bootstrap confidence interval."""

from __future__ import annotations

import math
import random
import statistics
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


def run_values(bench: pyperf.Benchmark) -> list[float]:
    """Every timed value of a benchmark, over all its runs (and so over all rounds)."""
    return [v for run in bench.get_runs() for v in run.values]


def common_benchmarks(base: pyperf.BenchmarkSuite, other: pyperf.BenchmarkSuite) -> list[str]:
    return sorted(set(base.get_benchmark_names()) & set(other.get_benchmark_names()))


def geomean_ratio(base: pyperf.BenchmarkSuite, other: pyperf.BenchmarkSuite, resamples: int = RESAMPLES,
                  seed: int = 0) -> Ratio | None:
    """Geometric mean over the common benchmarks of mean(other) / mean(base), with a percentile bootstrap
    interval: each resample draws every benchmark's values with replacement (seeded, so reports repeat)."""
    names = common_benchmarks(base, other)
    if not names:
        return None
    pairs = [(run_values(base.get_benchmark(n)), run_values(other.get_benchmark(n))) for n in names]
    value = statistics.geometric_mean(statistics.fmean(b) / statistics.fmean(a) for a, b in pairs)
    rng = random.Random(seed)
    draws = []
    for _ in range(resamples):
        logs = [math.log(statistics.fmean(rng.choices(b, k=len(b))) / statistics.fmean(rng.choices(a, k=len(a))))
                for a, b in pairs]
        draws.append(math.exp(statistics.fmean(logs)))
    draws.sort()
    tail = (1 - CONFIDENCE) / 2
    return Ratio(value, draws[int(tail * (resamples - 1))], draws[int((1 - tail) * (resamples - 1))])


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
