"""Profile the workloads of bench/profile/ on each variant, resumably, into <results>/profile/."""

from __future__ import annotations

import ast
import json
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TypeVar

from .. import machine, paths
from ..arch import native_arch
from ..bench.raw_records import build_key_of
from ..build import Installed
from ..console import console, note, step
from ..errors import ToolkitError
from ..markdown import ordered
from ..pipeline import installed_variants, record_run
from ..results import write_text
from ..variants import Variant, valid_spellings
from ..versions import Release
from . import perf, switches
from .summary import Run, RunInfo, SwitchRun, profile_markdown

WORKLOAD_DIR = paths.BENCH_DIR / "profile"
WORKLOADS = ("mut", "rd", "pool", "pingpong")
THREADED = ("pool", "pingpong")
"""Workloads whose threads wait for each other: their context switches are recorded too (switches.EVENTS)."""
HEADER = "# ownbench-profile: "
"""First line of a report file: the run's RunInfo as JSON; perf's report follows."""


def select_workloads(spec: str) -> list[str]:
    """The workloads a comma-separated list names (every one when empty); an unknown name is an error."""
    names = [n.strip() for n in spec.split(",") if n.strip()] or list(WORKLOADS)
    unknown = [n for n in names if n not in WORKLOADS]
    if unknown:
        raise ToolkitError(f"unknown workload {unknown[0]!r}; valid workloads: {', '.join(WORKLOADS)}")
    return list(dict.fromkeys(names))


def describe_workload(workload: str) -> str:
    """The docstring of the workload's script, on one line."""
    script = WORKLOAD_DIR / f"{workload}.py"
    return " ".join((ast.get_docstring(ast.parse(script.read_text())) or "").split())


def report_file(out_dir: Path, variant: Variant, workload: str) -> Path:
    return out_dir / "profile" / f"{variant.file_name}-{workload}.txt"


def switches_file(out_dir: Path, variant: Variant, workload: str) -> Path:
    return out_dir / "profile" / "switches" / f"{variant.file_name}-{workload}.tsv"


def read_stamped(path: Path) -> tuple[RunInfo, str] | None:
    """The RunInfo on a file's first line and the text after it; None for a file without the toolkit's first line."""
    first, _, text = path.read_text().partition("\n")
    if not first.startswith(HEADER):
        return None
    return RunInfo(**json.loads(first.removeprefix(HEADER))), text


def read_run(path: Path) -> Run | None:
    """The run a report file holds; None for a file without the toolkit's first line."""
    stamped = read_stamped(path)
    return None if stamped is None else Run(stamped[0], perf.parse_report(stamped[1]))


def read_switch_run(path: Path) -> SwitchRun | None:
    """The context switches a switches file holds; None for a file without the toolkit's first line."""
    stamped = read_stamped(path)
    return None if stamped is None else SwitchRun(stamped[0], switches.parse_counts(stamped[1]))


def turns_done(stdout: str, title: str) -> int:
    """The turns a workload reports on its last line of output ({"turns": N})."""
    try:
        return int(json.loads(stdout.strip().splitlines()[-1])["turns"])
    except (IndexError, KeyError, TypeError, ValueError):
        raise ToolkitError(f"{title} printed no turn count: {stdout[-500:]!r}") from None


def record_one(perf_path: str, inst: Installed, workload: str, seconds: float, target: Path, title: str,
               events: Sequence[str], keep: Callable[[str, Path], str]) -> None:
    """perf record `events` while one workload runs for `seconds` on one variant, then write to `target` the run's
    RunInfo and what keep(perf, perf.data) makes of the recording (perf.data itself is deleted)."""
    command = [str(inst.python), "-s", str(WORKLOAD_DIR / f"{workload}.py"), "--seconds", f"{seconds:g}"]
    with tempfile.TemporaryDirectory(prefix="ownbench-perf-") as tmp, console.status(f"perf record: {title}"):
        data = Path(tmp) / "perf.data"
        stdout = perf.record(perf_path, data, command, inst.variant.environment(), title, events)
        text = keep(perf_path, data)
    info = RunInfo(inst.variant.label, workload, build_key_of(inst.manifest), seconds, turns_done(stdout, title),
                   time.strftime("%Y-%m-%d"))
    write_text(target, HEADER + json.dumps(asdict(info)) + "\n" + text)


def report_with_symbols(perf_path: str, data: Path) -> str:
    """perf's report of `data`; a report without symbols is an error, not a file."""
    text = perf.report(perf_path, data)
    perf.parse_report(text)
    return text


def switch_counts(perf_path: str, data: Path) -> str:
    return switches.format_counts(switches.read_switches(perf_path, data))


def profile_one(perf_path: str, inst: Installed, workload: str, seconds: float, target: Path) -> None:
    """perf record one workload on one variant, then keep perf's report (not perf.data) in `target`."""
    record_one(perf_path, inst, workload, seconds, target, f"{workload} on {inst.variant.label}", perf.SAMPLING,
               report_with_symbols)


def record_switches_one(perf_path: str, inst: Installed, workload: str, seconds: float, target: Path) -> None:
    """Record every context switch of a workload run for `seconds` on one variant; keep the switches counted by
    kind and site (not perf.data) in `target`."""
    record_one(perf_path, inst, workload, seconds, target,
               f"context switches of {workload} on {inst.variant.label}", switches.EVENTS, switch_counts)


def is_done(target: Path, inst: Installed, seconds: float) -> bool:
    """Whether `target` holds a run of this build for as many seconds; says why a file there is run again."""
    if not target.is_file():
        return False
    stamped = read_stamped(target)
    if stamped is not None and stamped[0].build_key == build_key_of(inst.manifest) and stamped[0].seconds == seconds:
        return True
    note(f"[yellow]{target} was made by another build or with other --seconds: profiling again[/]")
    return False


Recorded = TypeVar("Recorded", Run, SwitchRun)


def by_workload(runs: list[Recorded]) -> dict[str, dict[str, Recorded]]:
    """Runs by workload, then by variant label, each in the toolkit's order."""
    found: dict[str, dict[str, Recorded]] = {}
    for workload in ordered(list({r.info.workload for r in runs}), list(WORKLOADS)):
        of_workload = {r.info.variant: r for r in runs if r.info.workload == workload}
        found[workload] = {v: of_workload[v] for v in ordered(list(of_workload), valid_spellings())}
    return found


def load_runs(out_dir: Path) -> dict[str, dict[str, Run]]:
    """Every run under out_dir/profile/, by workload and variant."""
    return by_workload([r for p in sorted((out_dir / "profile").glob("*.txt")) if (r := read_run(p)) is not None])


def load_switch_runs(out_dir: Path) -> dict[str, dict[str, SwitchRun]]:
    """Every context-switch count under out_dir/profile/switches/, by workload and variant."""
    return by_workload([r for p in sorted((out_dir / "profile" / "switches").glob("*.tsv"))
                        if (r := read_switch_run(p)) is not None])


def profile_variants(variants: list[Variant], release: Release, workloads: list[str], seconds: float,
                     out_dir: Path, label: str, pgo: bool = False) -> Path:
    """Profile each workload on each variant (its PGO+LTO build if `pgo`) not profiled yet with that build; write
    profile.md, return its path."""
    if seconds <= 0:
        raise ToolkitError(f"--seconds must be positive, not {seconds:g}")
    perf_path = perf.find_perf()
    installed = installed_variants(variants, release, native_arch(), pgo=pgo)
    if not (out_dir / "run.json").is_file():
        record_run(out_dir, label, "profile", installed)
    step(f"Profiling {', '.join(workloads)} on {', '.join(v.label for v in variants)} ({seconds:g} s each)")
    jobs = [(w, inst, False) for w in workloads for inst in installed]
    jobs += [(w, inst, True) for w in workloads if w in THREADED for inst in installed]
    for done, (workload, inst, counting) in enumerate(jobs, 1):
        what = f"{workload} on {inst.variant.label}" + (", context switches" if counting else "")
        target = (switches_file if counting else report_file)(out_dir, inst.variant, workload)
        if is_done(target, inst, seconds):
            note(f"[{done}/{len(jobs)}] {what}: already recorded")
            continue
        note(f"[{done}/{len(jobs)}] {what}")
        (record_switches_one if counting else profile_one)(perf_path, inst, workload, seconds, target)
    cpu = machine.describe()
    summary = out_dir / "profile" / "profile.md"
    runs = load_runs(out_dir)
    write_text(summary, profile_markdown(runs, f"{cpu['cpu']}, {cpu['cores']} cores",
                                         {w: describe_workload(w) for w in runs}, load_switch_runs(out_dir)))
    return summary
