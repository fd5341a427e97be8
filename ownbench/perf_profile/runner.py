"""Profile the workloads of bench/profile/ on each variant, resumably, into <results>/profile/."""

from __future__ import annotations

import json
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

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
from . import perf
from .summary import Run, RunInfo, profile_markdown

WORKLOAD_DIR = paths.BENCH_DIR / "profile"
WORKLOADS = ("mut", "rd")
HEADER = "# ownbench-profile: "
"""First line of a report file: the run's RunInfo as JSON; perf's report follows."""


def select_workloads(spec: str) -> list[str]:
    """The workloads a comma-separated list names (every one when empty); an unknown name is an error."""
    names = [n.strip() for n in spec.split(",") if n.strip()] or list(WORKLOADS)
    unknown = [n for n in names if n not in WORKLOADS]
    if unknown:
        raise ToolkitError(f"unknown workload {unknown[0]!r}; valid workloads: {', '.join(WORKLOADS)}")
    return list(dict.fromkeys(names))


def report_file(out_dir: Path, variant: Variant, workload: str) -> Path:
    return out_dir / "profile" / f"{variant.file_name}-{workload}.txt"


def read_run(path: Path) -> Run | None:
    """The run a report file holds; None for a file without the toolkit's first line."""
    first, _, text = path.read_text().partition("\n")
    if not first.startswith(HEADER):
        return None
    return Run(RunInfo(**json.loads(first.removeprefix(HEADER))), perf.parse_report(text))


def turns_done(stdout: str, title: str) -> int:
    """The turns a workload reports on its last line of output ({"turns": N})."""
    try:
        return int(json.loads(stdout.strip().splitlines()[-1])["turns"])
    except (IndexError, KeyError, TypeError, ValueError):
        raise ToolkitError(f"{title} printed no turn count: {stdout[-500:]!r}") from None


def profile_one(perf_path: str, inst: Installed, workload: str, seconds: float, target: Path) -> None:
    """perf record one workload on one variant, then keep perf's report (not perf.data) in `target`."""
    title = f"{workload} on {inst.variant.label}"
    command = [str(inst.python), "-s", str(WORKLOAD_DIR / f"{workload}.py"), "--seconds", f"{seconds:g}"]
    with tempfile.TemporaryDirectory(prefix="ownbench-perf-") as tmp, console.status(f"perf record: {title}"):
        data = Path(tmp) / "perf.data"
        stdout = perf.record(perf_path, data, command, inst.variant.environment(), title)
        text = perf.report(perf_path, data)
    info = RunInfo(inst.variant.label, workload, build_key_of(inst.manifest), seconds, turns_done(stdout, title),
                   time.strftime("%Y-%m-%d"))
    perf.parse_report(text)  # a report without symbols is an error, not a file
    write_text(target, HEADER + json.dumps(asdict(info)) + "\n" + text)


def is_done(target: Path, inst: Installed, seconds: float) -> bool:
    """Whether `target` holds a run of this build for as many seconds; says why a file there is run again."""
    if not target.is_file():
        return False
    run = read_run(target)
    if run is not None and run.info.build_key == build_key_of(inst.manifest) and run.info.seconds == seconds:
        return True
    note(f"[yellow]{target} was made by another build or with other --seconds: profiling again[/]")
    return False


def load_runs(out_dir: Path) -> dict[str, dict[str, Run]]:
    """Every run under out_dir/profile/, by workload and variant, in the toolkit's order."""
    runs = [r for p in sorted((out_dir / "profile").glob("*.txt")) if (r := read_run(p)) is not None]
    found: dict[str, dict[str, Run]] = {}
    for workload in ordered(list({r.info.workload for r in runs}), list(WORKLOADS)):
        of_workload = {r.info.variant: r for r in runs if r.info.workload == workload}
        found[workload] = {v: of_workload[v] for v in ordered(list(of_workload), valid_spellings())}
    return found


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
    total, done = len(workloads) * len(installed), 0
    for workload in workloads:
        for inst in installed:
            done += 1
            target = report_file(out_dir, inst.variant, workload)
            if is_done(target, inst, seconds):
                note(f"[{done}/{total}] {workload} on {inst.variant.label}: already profiled")
                continue
            note(f"[{done}/{total}] {workload} on {inst.variant.label}")
            profile_one(perf_path, inst, workload, seconds, target)
    cpu = machine.describe()
    summary = out_dir / "profile" / "profile.md"
    write_text(summary, profile_markdown(load_runs(out_dir), f"{cpu['cpu']}, {cpu['cores']} cores"))
    return summary
