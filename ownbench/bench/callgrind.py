"""Instruction counts, simulated instruction-cache misses and atomic read-modify-writes of small workloads under
valgrind's callgrind.

The cache geometry is fixed (CACHES), not the host's, so that counts from different
machines compare. Equal instruction counts with different I1 misses mean a
different code layout (which hot functions share cache sets), not a different path.

The instructions spent in the cyclic GC are counted apart: free-threaded 3.14 decides whether to run an automatic
collection from the process's memory use (`gc_should_collect_mem_usage()`), which valgrind's own memory changes,
so the number of collections in one workload varies between runs by about 1.4 M instructions a collection. The
count outside the GC does not.

The atomic read-modify-writes (bench/atomics.py) are what the instruction counts treat as one instruction each.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import paths, system_deps
from ..build import Installed
from ..console import note, step
from ..errors import ToolkitError
from ..process import EnvChanges, environment
from ..results import read_json, write_json
from ..variants import label_of_file
from .atomic_cost import measure_atomic_cost
from .atomics import atomic_lines
from .callgrind_profile import CostLine, by_function, by_source_file, cost_lines
from .profiles import Profile
from .raw_records import build_key_of, is_current

WORKLOAD_DIR = paths.BENCH_DIR / "callgrind"
EVENTS = re.compile(r"^events:\s+(.+)$", re.MULTILINE)
TOTALS = re.compile(r"^(?:summary|totals):\s+(.+)$", re.MULTILINE)
# 32 KiB, 8-way, 64-byte lines: the L1i and L1d of the x86-64 and arm64 cores we run on (Zen, Skylake and later,
# Neoverse N1); a last level that the workloads fit in.
CACHES = ("--I1=32768,8,64", "--D1=32768,8,64", "--LL=8388608,16,64")
GC_ENTRY = "gc_collect_main"  # every collection, automatic, manual or at shutdown, from 3.11 to 3.14 (and clones)
FUNCTION_FLOOR = 100_000
"""Functions (and source files) that ran fewer exclusive instructions in a workload are not kept."""
ATOMIC_FLOOR = 1_000
"""Functions that executed fewer atomic read-modify-writes in a workload are not kept."""
ENV = {"PYTHONHASHSEED": "0", "LC_ALL": "C", "PATH": "/usr/bin:/bin"}  # fixed hashing: no -I, which ignores it


def workloads() -> list[Path]:
    return sorted(WORKLOAD_DIR.glob("*.py"))


def instructions_in_gc(lines: Sequence[CostLine]) -> int:
    """Instructions (Ir) inside calls to GC_ENTRY from outside it, among the cost lines of a callgrind profile whose
    first event is Ir: the inclusive cost of every collection."""
    return sum(c.ir for c in lines
               if c.callee is not None and c.callee.startswith(GC_ENTRY) and not c.function.startswith(GC_ENTRY))


@dataclass(frozen=True)
class CallgrindRun:
    """What one callgrind run of a workload gave."""

    events: dict[str, int]
    """Callgrind's totals (event name -> count: Ir, I1mr, ...), "Ir_gc", the part of Ir in the cyclic GC, and
    "atomics", the atomic read-modify-writes executed."""
    functions: dict[str, int]
    """Exclusive instructions of each function that ran at least FUNCTION_FLOOR of them."""
    atomic_functions: dict[str, int]
    """Atomic read-modify-writes each function that executed at least ATOMIC_FLOOR of them executed itself."""
    files: dict[str, int]
    """Exclusive instructions of the code of each source file (inlined code in its own file) that ran at least
    FUNCTION_FLOOR of them."""


def profile_text(command: list[str], what: str, env: EnvChanges | None = None) -> str:
    """The text of callgrind's profile of `command` (with the cache simulation of CACHES and each instruction's
    counts), run in ENV with `env`'s changes; `what` names the run in errors."""
    with tempfile.TemporaryDirectory(prefix="ownbench-callgrind-") as tmp:
        out = Path(tmp) / "callgrind.out"
        result = subprocess.run(
            ["valgrind", "--tool=callgrind", "--cache-sim=yes", *CACHES, "--dump-instr=yes",
             f"--callgrind-out-file={out}", *command],
            capture_output=True, text=True, env=environment(env, base=ENV), check=False)
        if result.returncode != 0:
            raise ToolkitError(f"callgrind failed on {what}:\n{result.stderr[-2000:]}")
        return out.read_text()


def count_events(python: Path, workload: Path, env: EnvChanges | None = None) -> dict[str, int]:
    """CallgrindRun.events of running `workload` once."""
    return count_run(python, workload, env).events


def count_run(python: Path, workload: Path, env: EnvChanges | None = None) -> CallgrindRun:
    """Callgrind's counts of running `workload` once with `python`, in ENV with `env`'s changes."""
    text = profile_text([str(python), "-s", str(workload)], f"{workload.name} with {python}", env)
    events, totals = EVENTS.search(text), TOTALS.search(text)
    if not events or not totals:
        raise ToolkitError(f"no events or totals in callgrind output of {workload.name}")
    lines = list(cost_lines(text))  # read once for the GC, the functions, the files and the atomics
    in_gc = instructions_in_gc(lines)
    if not in_gc:  # every run collects at shutdown: the symbol is missing, not the collection
        raise ToolkitError(f"no call to {GC_ENTRY}() in callgrind's profile of {python} running "
                           f"{workload.name}: is the interpreter stripped of its symbols?")
    counts = dict(zip(events.group(1).split(), map(int, totals.group(1).split()), strict=True))
    atomics = atomic_lines(lines)
    atomic_functions = by_function(atomics)
    return CallgrindRun(
        counts | {"Ir_gc": in_gc, "atomics": sum(atomic_functions.values())},
        at_least(by_function(lines), FUNCTION_FLOOR), at_least(atomic_functions, ATOMIC_FLOOR),
        at_least(by_source_file(lines), FUNCTION_FLOOR))


def at_least(counts: dict[str, int], floor: int) -> dict[str, int]:
    """The entries of `counts` of `floor` or more."""
    return {name: n for name, n in counts.items() if n >= floor}


def count_instructions(python: Path, workload: Path, env: EnvChanges | None = None) -> int:
    """Total instructions (Ir) callgrind reports for running `workload` once."""
    return count_events(python, workload, env)["Ir"]


PER_WORKLOAD = ("instructions", "i1_misses", "gc_instructions", "atomics", "functions", "atomic_functions", "files")
"""The keys of a variant's callgrind JSON that hold one entry per workload."""


def run_callgrind(installed: list[Installed], profile: Profile, out_dir: Path) -> None:
    """Count instructions of every workload on every variant (one JSON per variant, written after each workload),
    and measure what an atomic costs this machine. A re-run counts only the workloads that a variant's JSON of the
    same build lacks (a workload added since, or a count the toolkit did not keep then)."""
    system_deps.ensure_packages(system_deps.BENCH_PACKAGES)
    step(f"Instruction counts (callgrind) of {len(workloads())} workloads")
    for inst in installed:
        label = inst.variant.label
        target = out_dir / "callgrind" / f"{inst.variant.file_name}.json"
        build_key = build_key_of(inst.manifest)
        recorded = read_json(target) if is_current(target, build_key) else {}
        data: dict[str, dict[str, Any]] = {key: dict(recorded.get(key, {})) for key in PER_WORKLOAD}
        missing = [w for w in workloads() if any(w.stem not in data[key] for key in PER_WORKLOAD)]
        if not missing:
            note(f"{label}: already counted")
            continue
        for workload in missing:
            runs = [count_run(inst.python, workload, inst.variant.environment())
                    for _ in range(profile.callgrind_repeats)]
            for key, event in (("instructions", "Ir"), ("i1_misses", "I1mr"), ("gc_instructions", "Ir_gc"),
                               ("atomics", "atomics")):
                data[key][workload.stem] = [r.events[event] for r in runs]
            data["functions"][workload.stem] = runs[0].functions
            data["atomic_functions"][workload.stem] = runs[0].atomic_functions
            data["files"][workload.stem] = runs[0].files
            first = runs[0].events
            note(f"{label} {workload.stem}: {first['Ir']:,} instructions, {first['I1mr']:,} I1 misses, "
                 f"{first['Ir_gc']:,} in the GC, {first['atomics']:,} atomic read-modify-writes")
            write_json(target, {"variant": label, "build_key": build_key, **data})
    measure_atomic_cost(out_dir)


def load_callgrind_json(out_dir: Path) -> dict[str, dict[str, Any]]:
    """Variant label -> the contents of callgrind/<variant file name>.json."""
    return {label_of_file(p.stem): read_json(p) for p in sorted((out_dir / "callgrind").glob("*.json"))}


def load_callgrind(out_dir: Path, event: str = "instructions") -> dict[str, dict[str, list[int]]]:
    """Variant label -> workload -> counts of `event` ("instructions", or "i1_misses", "gc_instructions" and
    "atomics", which older runs lack) from callgrind/<variant file name>.json."""
    return {label: data[event] for label, data in load_callgrind_json(out_dir).items() if event in data}


def load_functions(out_dir: Path, kind: str = "functions") -> dict[str, dict[str, dict[str, int]]]:
    """Variant label -> workload -> function -> exclusive instructions of the first run, or with `kind`
    "atomic_functions" the atomic read-modify-writes it executed, or with "files" the instructions by source file
    (runs made before the toolkit kept them have none)."""
    return {label: data[kind] for label, data in load_callgrind_json(out_dir).items() if kind in data}
