"""Ownership benchmarks (bench/ownership/*.py): steal round trip, take from a detached owner, local scaling,
contended workloads."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .. import paths
from ..build import Installed
from ..console import note, step
from ..process import EnvChanges, environment
from ..results import read_json, write_json
from ..variants import file_name
from .interleave import rotated
from .profiles import OwnershipSizes, Profile
from .raw_records import build_key_of, claim_dir

SCRIPT_DIR = paths.BENCH_DIR / "ownership"
TIMEOUT_S = 300

ARGUMENTS: dict[str, Callable[[OwnershipSizes], list[str]]] = {
    "steal_roundtrip": lambda s: ["--handoffs", str(s.handoffs), "--seconds", str(s.handoff_seconds)],
    "take_detached": lambda s: ["--reps", str(s.takes)],
    "local_scaling": lambda s: ["--threads", ",".join(map(str, s.local_threads)),
                                "--iterations", str(s.local_iterations)],
    "contended": lambda s: ["--threads", str(os.cpu_count() or 1), "--repeats", str(s.contended_repeats),
                            "--scale", str(s.contended_scale)],
}
"""Script name (bench/ownership/<name>.py) -> its command-line arguments for a profile's sizes."""


def raw_dir(out_dir: Path, variant: str) -> Path:
    """Where a variant's raw ownership records go (one directory per variant, see raw_records)."""
    return out_dir / "raw" / "ownership" / file_name(variant)


def raw_file(out_dir: Path, variant: str, script: str, round_no: int) -> Path:
    return raw_dir(out_dir, variant) / f"{script}.r{round_no}.json"


def run_script(python: Path, name: str, sizes: OwnershipSizes, log: Path,
               env: EnvChanges | None = None) -> dict[str, Any] | None:
    """The script's JSON, run with `env`'s changes to the environment, or None if it failed or hung (its stderr goes
    to `log`)."""
    command = [str(python), "-s", str(SCRIPT_DIR / f"{name}.py"), *ARGUMENTS[name](sizes)]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S, check=False,
                                env=environment(env))
        outcome, stdout, stderr = f"exit {result.returncode}", result.stdout, result.stderr
    except subprocess.TimeoutExpired as exc:
        outcome, stdout, stderr = f"no result after {TIMEOUT_S} s", "", str(exc.stderr or "")
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a") as out:
        out.write(f"$ {' '.join(command)}\n{stderr}# {outcome}\n")
    return dict(json.loads(stdout)) if outcome == "exit 0" else None


def run_ownership(installed: list[Installed], profile: Profile, out_dir: Path) -> list[str]:
    """Run every (round, script, variant) not yet stored, variants interleaved; return what failed."""
    sizes = profile.ownership
    step(f"Ownership benchmarks: {sizes.rounds} rounds of {', '.join(ARGUMENTS)}")
    failures = []
    for inst in installed:
        claim_dir(raw_dir(out_dir, inst.variant.label), build_key_of(inst.manifest))
    for round_no in range(sizes.rounds):
        for index, name in enumerate(ARGUMENTS):
            for inst in rotated(installed, round_no + index):
                label = inst.variant.label
                target = raw_file(out_dir, label, name, round_no)
                if target.is_file():
                    continue
                note(f"round {round_no + 1}/{sizes.rounds}: {name} on {label}")
                data = run_script(inst.python, name, sizes, out_dir / "logs" / "ownership.log",
                                  inst.variant.environment())
                if data is None:
                    failures.append(f"{name} on {label} (round {round_no + 1})")
                    note(f"[red]{failures[-1]} failed[/] (see {out_dir / 'logs' / 'ownership.log'})")
                    continue
                write_json(target, {"variant": label, "round": round_no,
                                    "build_key": build_key_of(inst.manifest), **data})
    return failures


def load_ownership(out_dir: Path) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Script name -> variant -> the stored runs (one per round)."""
    found: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for path in sorted((out_dir / "raw" / "ownership").glob("*/*.r*.json")):
        data = read_json(path)
        found.setdefault(data["benchmark"], {}).setdefault(data["variant"], []).append(data)
    return found


def latency_summary(samples: list[int]) -> dict[str, float]:
    """Count, median and 99th percentile (ns) of latency samples pooled over rounds."""
    return {
        "n": len(samples),
        "median_ns": statistics.median(samples),
        "p99_ns": statistics.quantiles(samples, n=100, method="inclusive")[98],
    }


def pooled_samples(runs: list[dict[str, Any]], mode: str | None = None) -> list[int]:
    """Every run's latency samples together (of `mode`, for take_detached)."""
    return [s for r in runs for s in (r["modes"][mode] if mode else r)["samples_ns"]]


def pooled_latency(runs: list[dict[str, Any]], mode: str | None = None) -> dict[str, float]:
    """Latency summary of every run's samples together (of `mode`, for take_detached)."""
    return latency_summary(pooled_samples(runs, mode))


def local_rates(runs: list[dict[str, Any]]) -> dict[int, float]:
    """Thread count -> median over rounds of mutations per second."""
    by_threads: dict[int, list[float]] = {}
    for r in runs:
        for threads, entry in r["threads"].items():
            by_threads.setdefault(int(threads), []).append(entry["mutations_per_s"])
    return {t: statistics.median(v) for t, v in sorted(by_threads.items())}


def stats_by_case(runs: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Ownership counters per case (mode or thread count; "" for a whole run), summed over the runs.

    The *_max counters keep their maximum instead."""
    totals: dict[str, dict[str, int]] = {}
    for r in runs:
        per_thread_count = r.get("threads") if isinstance(r.get("threads"), dict) else None
        cases = r.get("modes") or r.get("cases") or per_thread_count or {"": r}
        for case, entry in cases.items():
            for key, value in (entry.get("ownership_stats") or {}).items():
                sums = totals.setdefault(case, {})
                sums[key] = max(sums.get(key, 0), value) if key.endswith("_max") else sums.get(key, 0) + value
    return totals


def contended_round_ratios(base: list[dict[str, Any]], other: list[dict[str, Any]],
                           measure: str = "seconds") -> dict[str, list[float]]:
    """Case -> per round that both ran, other's median `measure` (a per-repeat list of each case) / base's. The
    variants of a round run one after the other, and the machine's slow spells last longer than that: the contended
    times of ft and owner were slow or fast together in 3-variant sequences of about 20 s (2026-12-05, s21 note), so
    a round's ratio cancels them. Cases that a run did not measure `measure` in (older runs) are left out."""
    base_rounds = {r["round"]: r["cases"] for r in base}
    ratios: dict[str, list[float]] = {}
    for r in sorted(other, key=lambda run: run["round"]):
        for case, entry in r["cases"].items():
            base_entry = base_rounds.get(r["round"], {}).get(case, {})
            if measure in entry and measure in base_entry:
                ratios.setdefault(case, []).append(
                    statistics.median(entry[measure]) / statistics.median(base_entry[measure]))
    return ratios


def contended_round_medians(runs: list[dict[str, Any]], measure: str = "seconds") -> dict[str, list[float]]:
    """Case -> the median `measure` of each round's repeats. A round is one process, and the unit of the report's
    intervals: the repeats of one process share its threads' placement, and their times go together (bimodal by
    process, not by repeat). Cases that a run did not measure `measure` in (older runs) are left out."""
    by_case: dict[str, list[float]] = {}
    for r in runs:
        for case, entry in r["cases"].items():
            if measure in entry:
                by_case.setdefault(case, []).append(statistics.median(entry[measure]))
    return by_case


def contended_switches_per_op(runs: list[dict[str, Any]]) -> dict[str, tuple[float, float]]:
    """Case -> (voluntary, involuntary) context switches per operation, the median over rounds of each round's
    median repeat; only cases whose runs counted them."""
    voluntary = contended_round_medians(runs, "voluntary_switches")
    involuntary = contended_round_medians(runs, "involuntary_switches")
    ops = {case: entry["ops"] for r in runs for case, entry in r["cases"].items()}
    return {case: (statistics.median(voluntary[case]) / ops[case], statistics.median(involuntary[case]) / ops[case])
            for case in voluntary if case in involuntary}

