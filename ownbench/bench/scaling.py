"""Thread scaling with CPython's Tools/ftscalingbench, wrapped to produce JSON."""

from __future__ import annotations

import json
import re
import statistics
import subprocess
from pathlib import Path
from typing import Any

from .. import paths
from ..build import Installed
from ..console import note, step
from ..errors import ToolkitError
from ..process import EnvChanges, environment
from ..ratios import Ratio, bootstrap_quotient
from ..results import read_json, write_json
from ..variants import label_of_file
from .interleave import rotated
from .profiles import Profile
from .raw_records import build_key_of, is_current

LINE = re.compile(r"^(?P<name>\w+)\s+(?P<ms>[0-9.]+) ms$")

WARM_SCRIPT = paths.BENCH_DIR / "scaling" / "warm_runs.py"
"""Runs ftscalingbench's harness with every case timed more than once in one process."""

MOVES = ("requests", "share_requests", "taken_detached")
"""Ownership counters that count an object moved to, or shared with, another thread."""


def script_path(installed: Installed) -> Path:
    """ftscalingbench.py from the variant's own source tree."""
    return installed.prefix.parent / "src" / "Tools" / "ftscalingbench" / "ftscalingbench.py"


def parse_timings(output: str) -> dict[str, float]:
    """Benchmark name -> milliseconds from ftscalingbench's --*-only text output."""
    found = {m["name"]: float(m["ms"]) for m in map(LINE.match, output.splitlines()) if m}
    if not found:
        raise ToolkitError(f"no timings in ftscalingbench output:\n{output}")
    return found


def run_script(command: list[str], env: EnvChanges) -> str:
    """The standard output of `command`, run with `env`'s changes to the environment; an error names the command."""
    result = subprocess.run(command, capture_output=True, text=True, check=False, env=environment(env))
    if result.returncode != 0:
        raise ToolkitError(f"{' '.join(command)} failed:\n{result.stderr}")
    return result.stdout


def time_threads(python: Path, script: Path, threads: int, scale: int, env: EnvChanges) -> dict[str, float]:
    """Milliseconds for `threads` threads each running every benchmark's work once, with `env`'s changes to the
    environment."""
    command = [str(python), str(script), "--parallel-only", "--threads", str(threads), "--scale", str(scale)]
    return parse_timings(run_script(command, env))


def time_warm_runs(python: Path, script: Path, threads: int, scale: int, runs: int,
                   env: EnvChanges) -> dict[str, dict[str, Any]]:
    """Per case: `runs` times (ms) of `threads` threads each running its work, in one process, the first one cold,
    and the ownership counters moved by the first run and by the others (bench/scaling/warm_runs.py)."""
    command = [str(python), str(WARM_SCRIPT), "--script", str(script), "--threads", str(threads),
               "--scale", str(scale), "--runs", str(runs)]
    output = run_script(command, env)
    try:
        return dict(json.loads(output)["cases"])
    except (ValueError, KeyError) as error:
        raise ToolkitError(f"{' '.join(command)} printed no cases ({error}):\n{output}") from None


def moves(stats: dict[str, int]) -> int:
    """Objects moved to or shared with another thread, by the counters of one or more runs."""
    return sum(stats.get(k, 0) for k in MOVES)


def speedups(timings: dict[str, dict[str, list[float]]]) -> dict[str, dict[str, float]]:
    """Per benchmark and thread count: threads * median(t1) / median(tN)."""
    result: dict[str, dict[str, float]] = {}
    for name, by_threads in timings.items():
        base = statistics.median(by_threads["1"])
        result[name] = {t: int(t) * base / statistics.median(v) for t, v in by_threads.items()}
    return result


MIN_REPEATS = 3
"""Fewest repeats of each thread count for which a speedup ratio gets an interval."""


def speedup_ratios(base: dict[str, dict[str, list[float]]], other: dict[str, dict[str, list[float]]],
                   threads: str) -> dict[str, Ratio]:
    """Per benchmark both ran: other's speedup at `threads` over base's, median(t1) * median(base tN) / (median(tN)
    * median(base t1)), with a bootstrap interval over the repeats (each repeat is a process of its own); only
    benchmarks with MIN_REPEATS repeats of every thread count on both sides."""
    found = {}
    for name in sorted(set(base) & set(other)):
        lists = [base[name].get("1", []), base[name].get(threads, []), other[name].get("1", []),
                 other[name].get(threads, [])]
        if min(map(len, lists)) >= MIN_REPEATS:
            base_one, base_many, other_one, other_many = lists
            found[name] = bootstrap_quotient([other_one, base_many], [other_many, base_one], resamples=500)
    return found


def rates(timings: dict[str, dict[str, list[float]]]) -> dict[str, dict[str, float]]:
    """Per benchmark and thread count: runs of the whole work per second, all threads together (threads / tN)."""
    return {name: {t: int(t) * 1000.0 / statistics.median(v) for t, v in by_threads.items()}
            for name, by_threads in timings.items()}


def hash_seed(repeat: int) -> str:
    """PYTHONHASHSEED of every process of a repeat (0-based), the same for every variant and thread count. One
    process's ftscalingbench times depend on its string hashes: setattr_non_interned took 335-583 ms at one thread
    on ft with random seeds and 336-353 ms with seed 0 or 1 (2026-12-05, s17 note), so with a random seed per
    process a variant's median moved with the seeds it drew. Pairing the seeds compares variants on the same ones
    and still varies them across repeats."""
    return str(repeat + 1)


def run_scaling(installed: list[Installed], profile: Profile, out_dir: Path) -> None:
    """Repeat every thread count for every variant, interleaved, every repeat with its own hash seed; one JSON per
    variant. With the profile's warm runs, each repeat also runs ftscalingbench's harness timing every case that
    many times in one process: "warm" holds the median of the later runs of each process (the first one is cold), and
    the objects moved between threads per run, first and warm."""
    step(f"Scaling (ftscalingbench) at {', '.join(map(str, profile.scaling_threads))} threads")
    targets = {i.variant.label: out_dir / "scaling" / f"{i.variant.file_name}.json" for i in installed}
    pending = [i for i in installed if not is_current(targets[i.variant.label], build_key_of(i.manifest))]
    if not pending:
        note("scaling: already measured")
        return
    collected: dict[str, dict[str, dict[str, list[float]]]] = {i.variant.label: {} for i in pending}
    warm: dict[str, dict[str, dict[str, list[float]]]] = {i.variant.label: {} for i in pending}
    moved: dict[str, dict[str, dict[str, dict[str, list[float]]]]] = {i.variant.label: {} for i in pending}
    for repeat in range(profile.scaling_repeats):
        for threads in profile.scaling_threads:
            for inst in rotated(pending, repeat):
                label = inst.variant.label
                note(f"repeat {repeat + 1}/{profile.scaling_repeats}: {label} at {threads} thread(s)")
                env = {**inst.variant.environment(), "PYTHONHASHSEED": hash_seed(repeat)}
                timings = time_threads(inst.python, script_path(inst), threads, profile.scaling_scale, env)
                for name, ms in timings.items():
                    collected[label].setdefault(name, {}).setdefault(str(threads), []).append(ms)
                if profile.scaling_warm_runs:
                    cases = time_warm_runs(inst.python, script_path(inst), threads, profile.scaling_scale,
                                           profile.scaling_warm_runs, env)
                    for name, case in cases.items():
                        warm[label].setdefault(name, {}).setdefault(str(threads), []).append(
                            statistics.median(case["ms"][1:]))
                        if case["first_stats"]:
                            per_run = moved[label].setdefault(name, {}).setdefault(str(threads), {})
                            per_run.setdefault("first", []).append(moves(case["first_stats"]))
                            per_run.setdefault("warm", []).append(
                                moves(case["warm_stats"]) / (len(case["ms"]) - 1))
    for inst in pending:
        label = inst.variant.label
        data: dict[str, Any] = {
            "variant": label,
            "build_key": build_key_of(inst.manifest),
            "threads": list(profile.scaling_threads),
            "scale": profile.scaling_scale,
            "repeats": profile.scaling_repeats,
            "hash_seeds": [hash_seed(r) for r in range(profile.scaling_repeats)],
            "timings_ms": collected[label],
        }
        data["speedup"] = speedups(data["timings_ms"])
        if profile.scaling_warm_runs:
            data["warm"] = {"runs": profile.scaling_warm_runs, "timings_ms": warm[label],
                            "speedup": speedups(warm[label]), "moves": moved[label]}
        write_json(targets[label], data)


def load_scaling(out_dir: Path) -> dict[str, dict[str, Any]]:
    """Variant label -> its scaling results (scaling/<variant file name>.json)."""
    return {label_of_file(p.stem): read_json(p) for p in sorted((out_dir / "scaling").glob("*.json"))}
