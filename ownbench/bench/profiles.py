"""Named benchmark profiles: how much to run."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

from ..errors import ToolkitError

QUICK_BENCHMARKS: tuple[str, ...] = (
    "chaos", "deltablue", "fannkuch", "float", "go", "hexiom", "nbody", "nqueens",
    "raytrace", "richards", "spectral_norm", "unpack_sequence", "generators", "deepcopy", "json_dumps",
    "asyncio_tcp", "asyncio_tcp_ssl", "coroutines", "xml_etree",
)
"""pyperformance names (`-b`); xml_etree is one of them that times four benchmarks: xml_etree_parse,
xml_etree_iterparse, xml_etree_generate and xml_etree_process, reported one by one."""


PARTS: tuple[str, ...] = ("pyperformance", "single_thread", "scaling", "ownership", "legacy", "callgrind")
"""The parts of a benchmark run, in the order they run."""


@dataclass(frozen=True)
class OwnershipSizes:
    """How much of the ownership benchmarks (bench/ownership/) to run."""

    rounds: int
    handoffs: int
    handoff_seconds: float
    """Time limit of one steal round trip run (GIL builds hand over only every switch interval)."""
    takes: int
    local_threads: tuple[int, ...]
    local_iterations: int
    contended_scale: float
    """Multiplies the operation counts of bench/ownership/contended.py."""
    contended_repeats: int


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
    ownership: OwnershipSizes
    single_thread_mode: tuple[str, ...] = ()
    """pyperf options of the single-thread microbenchmarks (bench/single_thread/), in each round."""
    scaling_warm_runs: int = 0
    """Runs of each ftscalingbench case in one process of bench/scaling/warm_runs.py (the first cold), per repeat
    and thread count; 0 runs none."""
    legacy_rounds: int = 3
    """Interleaved rounds of bench/ownership/legacy_mix.py."""
    legacy_seconds: float = 1.0
    """Length of each of legacy_mix's phases (3 phases, 3 repeats each)."""
    parts: tuple[str, ...] = PARTS
    """What the profile runs (of PARTS)."""


def _cores() -> int:
    return os.cpu_count() or 1


def _one_to_twice_cores() -> tuple[int, ...]:
    return (*range(1, _cores() + 1), 2 * _cores())


WARM_RUNS = 3
"""Runs of each ftscalingbench case in one process when the profiles time warm runs: one cold, two warm. The first
run of the first case took 103-115 ms where the later ones took 64-75 ms, on ft and owner alike (PGO builds, 2
threads, scale 1000, 2026-12-05, s21 note); ftscalingbench itself times only that first run."""

QUICK_OWNERSHIP = OwnershipSizes(10, 20_000, 3.0, 200, _one_to_twice_cores(), 3_000_000, 5.0, 5)
"""The quick profile's ownership benchmarks; the ownership profile runs them in more rounds."""

PROFILES: dict[str, Profile] = {
    # 8 rounds: on the 2-core reference VM 3 rounds gave owner / ft ±1.7 % in 30 minutes
    # (results/2026-12-03-s6-x86_64-quick), so about ±1 % needs 8 (80 minutes). Local scaling: 3 M iterations
    # (about 0.6 s a thread); 0.5 M gave 0.1 s runs whose one-thread rate was bimodal (22-35 M/s) on both builds.
    # ftscalingbench at scale 1000 (about 70 ms a case) and contended.py at scale 5 (0.13-0.9 s a case): at
    # 100 and 0.5 (7-90 ms) one late vCPU wake-up decided a case, and the 2-thread times of ftscalingbench
    # were bimodal on every build (ft's object_cfunction 7.8-14.6 ms, results/2026-12-04-s14-x86_64-quick).
    # 10 ownership rounds (about 11 s a round and variant): contended.py's times are bimodal by process (read_mostly
    # 0.16 or 0.35 s on ft and owner alike, results/2026-12-05-s16-x86_64-ownership), and with 3 rounds the PGO
    # run's owner landed in the slow mode 3 times (results/2026-12-05-s16-pgo-x86_64-quick, read_mostly 2.12).
    "quick": Profile("quick", QUICK_BENCHMARKS, ("--fast",), 8, (1, _cores()), 1000, 5, 1,
                     QUICK_OWNERSHIP, ("--processes", "4", "--values", "3"), scaling_warm_runs=WARM_RUNS),
    # What issue 10's targets are measured on: the ownership benchmarks at quick's sizes in 20 rounds (about 4
    # minutes a variant) and ftscalingbench at quick's scale in 20 repeats (about 2 minutes a variant).
    # contended.py's times are bimodal by process, not by repeat (queue_pingpong 0.13 or 0.18 s on both builds,
    # results/2026-12-04-s15-x86_64-quick), and one ftscalingbench case fell below 0.95 x ft's speedup in each of
    # two runs, a different one each time (results/2026-12-04-s15-x86_64-quick, 2026-12-05-s16-pgo-x86_64-quick):
    # the report's intervals are over rounds and repeats (one process each), and narrower with more.
    # pyperformance's concurrent_imap is one of issue 10's contended cases (a process pool and a thread pool, each
    # fed 1,000 tasks in chunks of 10): about 20 s a variant and round with --fast.
    "ownership": Profile("ownership", ("concurrent_imap",), ("--fast",), 10, (1, _cores()), 1000, 20, 0,
                         replace(QUICK_OWNERSHIP, rounds=20), parts=("pyperformance", "scaling", "ownership"),
                         scaling_warm_runs=WARM_RUNS),
    # Instruction counts and simulated I1 misses only: deterministic, so a busy or noisy machine does not change them.
    "callgrind": Profile("callgrind", (), (), 0, (), 0, 0, 1, QUICK_OWNERSHIP, parts=("callgrind",)),
    "full": Profile("full", None, (), 2, (1, _cores(), 2 * _cores()), 2000, 7, 2,
                    OwnershipSizes(5, 200_000, 20.0, 2_000, _one_to_twice_cores(), 10_000_000, 10.0, 7),
                    legacy_rounds=5, legacy_seconds=3.0, scaling_warm_runs=WARM_RUNS),
}


def get_profile(name: str, rounds: int = 0) -> Profile:
    """The named profile; `rounds` > 0 overrides its number of interleaved pyperformance rounds."""
    try:
        profile = PROFILES[name]
    except KeyError:
        raise ToolkitError(f"unknown profile {name!r}; valid profiles: {', '.join(PROFILES)}") from None
    if rounds < 0:
        raise ToolkitError(f"--rounds must be positive, not {rounds}")
    if rounds and "pyperformance" not in profile.parts:
        raise ToolkitError(f"--rounds sets pyperformance rounds, which profile {name!r} does not run")
    return replace(profile, rounds=rounds) if rounds else profile
