"""What one uncontended atomic read-modify-write costs this machine's core (bench/atomics/atomic_cost.c): the time
that callgrind's counts of atomics stand for."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from .. import paths
from ..console import note
from ..errors import ToolkitError
from ..results import read_json, write_json

SOURCE = paths.BENCH_DIR / "atomics" / "atomic_cost.c"
FILE_NAME = "atomic_cost.json"


def run_atomic_cost(operations: int | None = None) -> dict[str, Any]:
    """Compile and run the program: nanoseconds per atomic fetch-add and per plain increment (medians)."""
    if shutil.which("gcc") is None:
        raise ToolkitError("gcc is not installed: the atomic-cost program needs a C compiler")
    with tempfile.TemporaryDirectory(prefix="ownbench-atomic-cost-") as tmp:
        program = Path(tmp) / "atomic_cost"
        compiled = subprocess.run(["gcc", "-O2", "-o", str(program), str(SOURCE)], capture_output=True, text=True,
                                  check=False)
        if compiled.returncode != 0:
            raise ToolkitError(f"gcc could not compile {SOURCE}:\n{compiled.stderr[-2000:]}")
        ran = subprocess.run([str(program), *([str(operations)] if operations else [])], capture_output=True,
                             text=True, check=False)
        if ran.returncode != 0:
            raise ToolkitError(f"{SOURCE.name} failed:\n{ran.stderr[-2000:]}")
        return dict(json.loads(ran.stdout))


def measure_atomic_cost(out_dir: Path) -> None:
    """The cost of an atomic on this machine, into `out_dir`; kept if already measured (a re-run resumes)."""
    target = out_dir / FILE_NAME
    if target.is_file():
        note("cost of an atomic: already measured")
        return
    cost = run_atomic_cost()
    write_json(target, cost)
    note(f"cost of an atomic: {cost['atomic_ns']:.2f} ns (a plain increment {cost['plain_ns']:.2f} ns)")


def load_atomic_cost(out_dir: Path) -> dict[str, Any] | None:
    target = out_dir / FILE_NAME
    return dict(read_json(target)) if target.is_file() else None
