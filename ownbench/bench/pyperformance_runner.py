"""pyperformance across variants, one benchmark at a time, interleaved in rounds."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pyperf

from ..build import Installed
from ..console import note, step
from ..errors import ToolkitError
from ..process import EnvChanges, run_logged
from ..variants import POLICY_ENV, file_name
from .interleave import rotated
from .profiles import Profile
from .raw_records import build_key_of, claim_dir


def _pyperformance(*args: str) -> list[str]:
    return [sys.executable, "-m", "pyperformance", *args]


def benchmark_names(profile: Profile) -> list[str]:
    """The profile's benchmarks; pyperformance's default suite when the profile names none."""
    if profile.pyperformance_benchmarks is not None:
        return list(profile.pyperformance_benchmarks)
    listing = subprocess.run(_pyperformance("list", "-b", "default"), capture_output=True, text=True, check=True)
    return [ln[2:].strip() for ln in listing.stdout.splitlines() if ln.startswith("- ")]


def work_dir(installed: Installed) -> Path:
    """Where pyperformance keeps the venvs it makes from this variant's interpreter."""
    return installed.prefix.parent / "pyperformance"


def raw_file(raw_dir: Path, variant: str, benchmark: str, round_no: int) -> Path:
    return raw_dir / file_name(variant) / f"{benchmark}.r{round_no}.json"


def suite_file(out_dir: Path, variant: str) -> Path:
    """The merged pyperf suite of a variant's rounds."""
    return out_dir / "pyperformance" / f"{file_name(variant)}.json"


def run_pyperformance(installed: list[Installed], profile: Profile, out_dir: Path) -> dict[str, list[str]]:
    """Run every (round, benchmark, variant) not yet done; return the failures per variant.

    pyperf's worker processes inherit PYTHON_OWNERSHIP (--inherit-environ), which each variant sets or removes."""
    names = benchmark_names(profile)
    raw_dir = out_dir / "raw" / "pyperformance"
    log = out_dir / "logs" / "pyperformance.log"
    failures: dict[str, list[str]] = {i.variant.label: [] for i in installed}
    total = profile.rounds * len(names) * len(installed)
    for inst in installed:
        claim_dir(raw_dir / inst.variant.file_name, build_key_of(inst.manifest))
    done = 0
    for round_no in range(profile.rounds):
        step(f"pyperformance round {round_no + 1}/{profile.rounds} ({len(names)} benchmarks)")
        for index, name in enumerate(names):
            for inst in rotated(installed, round_no + index):
                done += 1
                label = inst.variant.label
                target = raw_file(raw_dir, label, name, round_no)
                if target.is_file():
                    continue
                note(f"[{done}/{total}] {name} on {label}")
                work_dir(inst).mkdir(exist_ok=True)
                error = run_into(
                    target,
                    _pyperformance("run", "--python", str(inst.python), "-b", name,
                                   "--inherit-environ", POLICY_ENV, *profile.pyperf_mode, "-o"),
                    log, f"{name} on {label}", cwd=work_dir(inst), env=inst.variant.environment())
                if error:
                    note(f"[red]{name} failed on {label}[/] (see {log}): {error}")
                    failures[label].append(name)
    for inst in installed:
        merge_rounds(sorted((raw_dir / inst.variant.file_name).glob("*.json")), suite_file(out_dir, inst.variant.label))
    return failures


def run_into(target: Path, command: list[str], log: Path, title: str, *,
             cwd: Path | None = None, env: EnvChanges | None = None) -> str | None:
    """Run `command` with a part file's path as its last argument and `env`'s changes to the environment; the
    command writes the part file, which is then moved to `target`; nothing half-written is left.

    Returns None, or the first line of the error when the command failed."""
    part = target.with_name(target.name + ".part")
    part.unlink(missing_ok=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        run_logged([*command, str(part)], log, title, cwd=cwd, env=env)
        os.replace(part, target)
        return None
    except ToolkitError as exc:
        return str(exc).splitlines()[0]
    finally:
        part.unlink(missing_ok=True)


def merged_suite(files: list[Path]) -> pyperf.BenchmarkSuite | None:
    """One suite of the per-benchmark pyperf files, the runs of a benchmark found in several files added up."""
    merged: pyperf.BenchmarkSuite | None = None
    for f in files:
        suite = pyperf.BenchmarkSuite.load(str(f))
        if merged is None:
            merged = suite
            continue
        for bench in suite.get_benchmarks():
            if bench.get_name() in merged.get_benchmark_names():
                merged.get_benchmark(bench.get_name()).add_runs(bench)
            else:
                merged.add_benchmark(bench)
    return merged


def merge_rounds(files: list[Path], dest: Path) -> None:
    """Combine per-benchmark, per-round pyperf files into one suite per variant."""
    merged = merged_suite(files)
    if merged is None:
        return
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    merged.dump(str(part), replace=True)
    os.replace(part, dest)


ROUND_FILE = re.compile(r"\.r(\d+)\.json$")


def round_suites(out_dir: Path, variant: str) -> dict[int, pyperf.BenchmarkSuite]:
    """A variant's pyperf suite of each round (numbered from 1) that the run's raw records hold."""
    by_round: dict[int, list[Path]] = {}
    for f in sorted((out_dir / "raw" / "pyperformance" / file_name(variant)).glob("*.json")):
        if match := ROUND_FILE.search(f.name):
            by_round.setdefault(int(match.group(1)) + 1, []).append(f)
    suites = {n: merged_suite(files) for n, files in sorted(by_round.items())}
    return {n: s for n, s in suites.items() if s is not None}
