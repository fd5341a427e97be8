"""Instruction counts of small single-thread workloads under valgrind's callgrind."""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

from .. import paths, system_deps
from ..build import Installed
from ..console import note, step
from ..errors import ToolkitError
from ..process import EnvChanges, environment
from ..results import read_json, write_json
from ..variants import label_of_file
from .profiles import Profile
from .raw_records import build_key_of, is_current

WORKLOAD_DIR = paths.BENCH_DIR / "callgrind"
TOTALS = re.compile(r"^(?:summary|totals):\s+(\d+)", re.MULTILINE)
ENV = {"PYTHONHASHSEED": "0", "LC_ALL": "C", "PATH": "/usr/bin:/bin"}  # fixed hashing: no -I, which ignores it


def workloads() -> list[Path]:
    return sorted(WORKLOAD_DIR.glob("*.py"))


def count_instructions(python: Path, workload: Path, env: EnvChanges | None = None) -> int:
    """Total instructions (Ir) callgrind reports for running `workload` once, in ENV with `env`'s changes."""
    with tempfile.TemporaryDirectory(prefix="ownbench-callgrind-") as tmp:
        out = Path(tmp) / "callgrind.out"
        command = [
            "valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
            str(python), "-s", str(workload),
        ]
        result = subprocess.run(command, capture_output=True, text=True, env=environment(env, base=ENV), check=False)
        if result.returncode != 0:
            raise ToolkitError(f"callgrind failed on {workload.name} with {python}:\n{result.stderr[-2000:]}")
        match = TOTALS.search(out.read_text())
        if not match:
            raise ToolkitError(f"no totals in callgrind output of {workload.name}")
        return int(match.group(1))


def run_callgrind(installed: list[Installed], profile: Profile, out_dir: Path) -> None:
    """Count instructions of every workload on every variant (one JSON per variant)."""
    system_deps.ensure_packages(system_deps.BENCH_PACKAGES)
    step(f"Instruction counts (callgrind) of {len(workloads())} workloads")
    for inst in installed:
        label = inst.variant.label
        target = out_dir / "callgrind" / f"{inst.variant.file_name}.json"
        build_key = build_key_of(inst.manifest)
        if is_current(target, build_key):
            note(f"{label}: already counted")
            continue
        counts: dict[str, list[int]] = {}
        for workload in workloads():
            repeats = range(profile.callgrind_repeats)
            counts[workload.stem] = [count_instructions(inst.python, workload, inst.variant.environment())
                                     for _ in repeats]
            note(f"{label} {workload.stem}: {counts[workload.stem][0]:,} instructions")
        write_json(target, {"variant": label, "build_key": build_key, "instructions": counts})


def load_callgrind(out_dir: Path) -> dict[str, dict[str, list[int]]]:
    """Variant label -> workload -> instruction counts (callgrind/<variant file name>.json)."""
    return {label_of_file(p.stem): read_json(p)["instructions"]
            for p in sorted((out_dir / "callgrind").glob("*.json"))}
