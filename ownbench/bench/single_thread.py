"""Single-thread microbenchmarks (bench/single_thread/*.py, pyperf scripts) across variants, interleaved in rounds."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pyperf

from .. import paths
from ..build import Installed
from ..console import note, step
from ..variants import POLICY_ENV, file_name
from .interleave import rotated
from .profiles import Profile
from .pyperformance_runner import merge_rounds, run_into
from .raw_records import build_key_of, claim_dir

SCRIPT_DIR = paths.BENCH_DIR / "single_thread"


def scripts() -> list[Path]:
    return sorted(SCRIPT_DIR.glob("*.py"))


def raw_dir(out_dir: Path, variant: str) -> Path:
    return out_dir / "raw" / "single_thread" / file_name(variant)


def suite_file(out_dir: Path, variant: str) -> Path:
    """The merged pyperf suite of a variant's rounds."""
    return out_dir / "single_thread" / f"{file_name(variant)}.json"


def pyperf_path(empty_dir: Path) -> Path:
    """`empty_dir`, made to hold only the toolkit's pyperf package, for PYTHONPATH: the variants' interpreters have
    no pyperf of their own, and the rest of the toolkit's site-packages is built for another Python."""
    (empty_dir / "pyperf").symlink_to(Path(pyperf.__file__).parent, target_is_directory=True)
    return empty_dir


def run_single_thread(installed: list[Installed], profile: Profile, out_dir: Path) -> list[str]:
    """Run every (round, script, variant) not yet stored, variants interleaved; return what failed.

    pyperf's worker processes inherit PYTHONPATH and PYTHON_OWNERSHIP, which each variant sets or removes."""
    found = scripts()
    step(f"Single-thread microbenchmarks: {profile.rounds} rounds of {', '.join(s.stem for s in found)}")
    log = out_dir / "logs" / "single_thread.log"
    failures = []
    for inst in installed:
        claim_dir(raw_dir(out_dir, inst.variant.label), build_key_of(inst.manifest))
    with tempfile.TemporaryDirectory(prefix="ownbench-pyperf-") as tmp:
        pythonpath = str(pyperf_path(Path(tmp)))
        for round_no in range(profile.rounds):
            for index, script in enumerate(found):
                for inst in rotated(installed, round_no + index):
                    label = inst.variant.label
                    target = raw_dir(out_dir, label) / f"{script.stem}.r{round_no}.json"
                    if target.is_file():
                        continue
                    note(f"round {round_no + 1}/{profile.rounds}: {script.stem} on {label}")
                    error = run_into(
                        target,
                        [str(inst.python), "-s", str(script), *profile.single_thread_mode,
                         "--inherit-environ", f"PYTHONPATH,{POLICY_ENV}", "-o"],
                        log, f"{script.stem} on {label}",
                        env={**inst.variant.environment(), "PYTHONPATH": pythonpath})
                    if error:
                        failures.append(f"{script.stem} on {label} (round {round_no + 1})")
                        note(f"[red]{failures[-1]} failed[/] (see {log}): {error}")
    for inst in installed:
        merge_rounds(sorted(raw_dir(out_dir, inst.variant.label).glob("*.json")),
                     suite_file(out_dir, inst.variant.label))
    return failures
