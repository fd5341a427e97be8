"""Instruction counts and simulated instruction-cache misses of small workloads under valgrind's callgrind.

The cache geometry is fixed (CACHES), not the host's, so that counts from different
machines compare. Equal instruction counts with different I1 misses mean a
different code layout (which hot functions share cache sets), not a different path.

The instructions spent in the cyclic GC are counted apart: free-threaded 3.14 decides whether to run an automatic
collection from the process's memory use (`gc_should_collect_mem_usage()`), which valgrind's own memory changes,
so the number of collections in one workload varies between runs by about 1.4 M instructions a collection. The
count outside the GC does not.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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
EVENTS = re.compile(r"^events:\s+(.+)$", re.MULTILINE)
TOTALS = re.compile(r"^(?:summary|totals):\s+(.+)$", re.MULTILINE)
# 32 KiB, 8-way, 64-byte lines: the L1i and L1d of the x86-64 and arm64 cores we run on (Zen, Skylake and later,
# Neoverse N1); a last level that the workloads fit in.
CACHES = ("--I1=32768,8,64", "--D1=32768,8,64", "--LL=8388608,16,64")
GC_ENTRY = "gc_collect_main"  # every collection, automatic, manual or at shutdown, from 3.11 to 3.14 (and clones)
CALLED = re.compile(r"\((\d+)\)(?: (.*))?")
RECURSION = re.compile(r"'\d+$")
"""The suffix callgrind gives a function's deeper recursion levels (_PyEval_EvalFrameDefault'2)."""
FUNCTION_FLOOR = 100_000
"""Functions that ran fewer exclusive instructions in a workload are not kept."""
ENV = {"PYTHONHASHSEED": "0", "LC_ALL": "C", "PATH": "/usr/bin:/bin"}  # fixed hashing: no -I, which ignores it


def workloads() -> list[Path]:
    return sorted(WORKLOAD_DIR.glob("*.py"))


def instruction_costs(profile: str) -> Iterator[tuple[str, str | None, int]]:
    """The Ir (first event) of each cost line in the text of a callgrind profile, as (function, callee, Ir): callee
    is None for the function's own cost, the called function for a call's inclusive cost. Names come back from
    callgrind's name compression as written, a recursion level's suffix ('2) included."""
    names: dict[str, str] = {}
    function, callee = "", None
    positions, call_cost_next = 1, False
    for line in profile.splitlines():
        if line.startswith("positions:"):
            positions = len(line.split()) - 1
        elif line.startswith(("fn=", "cfn=")):
            key, _, rest = line.partition("=")
            named = CALLED.match(rest)
            if named and named.group(2) is not None:
                names[named.group(1)] = named.group(2)
            name = names[named.group(1)] if named else rest
            function, callee = (name, callee) if key == "fn" else (function, name)
        elif line.startswith("calls="):
            call_cost_next = True
        elif line[:1].isdigit() or line[:1] in "+-*":
            costs = line.split()
            if len(costs) > positions:
                yield function, callee if call_cost_next else None, int(costs[positions])
            call_cost_next = False


def instructions_in_gc(profile: str) -> int:
    """Instructions (Ir) inside calls to GC_ENTRY from outside it, in the text of a callgrind profile whose first
    event is Ir: the inclusive cost of every collection."""
    return sum(ir for function, callee, ir in instruction_costs(profile)
               if callee is not None and callee.startswith(GC_ENTRY) and not function.startswith(GC_ENTRY))


def instructions_by_function(profile: str) -> dict[str, int]:
    """Exclusive instructions (Ir, the first event) of each function in the text of a callgrind profile: its own
    cost lines, not the inclusive cost of the calls it makes; a recursion level's suffix ('2) is merged into its
    function."""
    found: dict[str, int] = {}
    for function, callee, ir in instruction_costs(profile):
        if callee is None:
            name = RECURSION.sub("", function)
            found[name] = found.get(name, 0) + ir
    return found


def count_events(python: Path, workload: Path, env: EnvChanges | None = None) -> dict[str, int]:
    """Callgrind's totals (event name -> count: Ir, I1mr, ...) for running `workload` once, in ENV with `env`'s
    changes, with the cache simulation of CACHES; "Ir_gc" is the part of Ir in the cyclic GC."""
    return count_run(python, workload, env)[0]


def count_run(python: Path, workload: Path, env: EnvChanges | None = None) -> tuple[dict[str, int], dict[str, int]]:
    """count_events() of one run, and the exclusive instructions of each function that ran at least
    FUNCTION_FLOOR of them."""
    with tempfile.TemporaryDirectory(prefix="ownbench-callgrind-") as tmp:
        out = Path(tmp) / "callgrind.out"
        command = [
            "valgrind", "--tool=callgrind", "--cache-sim=yes", *CACHES, f"--callgrind-out-file={out}",
            str(python), "-s", str(workload),
        ]
        result = subprocess.run(command, capture_output=True, text=True, env=environment(env, base=ENV), check=False)
        if result.returncode != 0:
            raise ToolkitError(f"callgrind failed on {workload.name} with {python}:\n{result.stderr[-2000:]}")
        text = out.read_text()
        events, totals = EVENTS.search(text), TOTALS.search(text)
        if not events or not totals:
            raise ToolkitError(f"no events or totals in callgrind output of {workload.name}")
        in_gc = instructions_in_gc(text)
        if not in_gc:  # every run collects at shutdown: the symbol is missing, not the collection
            raise ToolkitError(f"no call to {GC_ENTRY}() in callgrind's profile of {python} running "
                               f"{workload.name}: is the interpreter stripped of its symbols?")
        counts = dict(zip(events.group(1).split(), map(int, totals.group(1).split()), strict=True))
        functions = {name: n for name, n in instructions_by_function(text).items() if n >= FUNCTION_FLOOR}
        return counts | {"Ir_gc": in_gc}, functions


def count_instructions(python: Path, workload: Path, env: EnvChanges | None = None) -> int:
    """Total instructions (Ir) callgrind reports for running `workload` once."""
    return count_events(python, workload, env)["Ir"]


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
        i1_misses: dict[str, list[int]] = {}
        in_gc: dict[str, list[int]] = {}
        functions: dict[str, dict[str, int]] = {}
        for workload in workloads():
            runs = [count_run(inst.python, workload, inst.variant.environment())
                    for _ in range(profile.callgrind_repeats)]
            counts[workload.stem] = [r["Ir"] for r, _ in runs]
            i1_misses[workload.stem] = [r["I1mr"] for r, _ in runs]
            in_gc[workload.stem] = [r["Ir_gc"] for r, _ in runs]
            functions[workload.stem] = runs[0][1]
            note(f"{label} {workload.stem}: {counts[workload.stem][0]:,} instructions, "
                 f"{i1_misses[workload.stem][0]:,} I1 misses, {in_gc[workload.stem][0]:,} in the GC")
        write_json(target, {"variant": label, "build_key": build_key, "instructions": counts,
                            "i1_misses": i1_misses, "gc_instructions": in_gc, "functions": functions})


def load_callgrind_json(out_dir: Path) -> dict[str, dict[str, Any]]:
    """Variant label -> the contents of callgrind/<variant file name>.json."""
    return {label_of_file(p.stem): read_json(p) for p in sorted((out_dir / "callgrind").glob("*.json"))}


def load_callgrind(out_dir: Path, event: str = "instructions") -> dict[str, dict[str, list[int]]]:
    """Variant label -> workload -> counts of `event` ("instructions", or "i1_misses" and "gc_instructions", which
    older runs lack) from callgrind/<variant file name>.json."""
    return {label: data[event] for label, data in load_callgrind_json(out_dir).items() if event in data}


def load_functions(out_dir: Path) -> dict[str, dict[str, dict[str, int]]]:
    """Variant label -> workload -> function -> exclusive instructions of the first run (runs made before the
    toolkit kept them have none)."""
    return {label: data["functions"] for label, data in load_callgrind_json(out_dir).items() if "functions" in data}
