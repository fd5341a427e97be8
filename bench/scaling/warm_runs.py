"""Tools/ftscalingbench's own harness, with every case run more than once in the same process.

ftscalingbench times each case once per process, with worker threads fed through queues, and the first run of a
case also pays for what the workers do for the first time: each worker's copy of the case's bytecode, and, in
an ownership build, taking over objects the main thread made. This script imports ftscalingbench.py (the path is
an argument), starts its workers with its initialize_threads() and times each case with its bench_parallel()
`--runs` times in a row, in ftscalingbench's order. The first time of each case is its cold run, the later ones
its warm runs. With the ownership counters, it also records how many ownership requests and takes the first run
and the warm runs made.

Prints one JSON document: {"threads", "runs", "cases": {name: {"ms": [...], "first_stats", "warm_stats"}}}.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import json
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

COUNTERS = ("requests", "share_requests", "taken_detached", "demotions")
"""The ownership counters recorded per run: the slow paths that move objects between threads."""


def load_harness(path: str, scale: int) -> ModuleType:
    """ftscalingbench.py imported as a module, with its work scale set."""
    script = Path(path)
    if not script.is_file():
        sys.exit(f"no such file: {path}")
    sys.path.insert(0, str(script.parent))
    module = importlib.import_module(script.stem)
    vars(module)["WORK_SCALE"] = scale  # read by every case when it runs
    return module


def counters() -> dict[str, int]:
    """The recorded ownership counters now; empty without sys._ownership_stats()."""
    stats: Callable[[], dict[str, int]] | None = getattr(sys, "_ownership_stats", None)
    return {k: v for k, v in stats().items() if k in COUNTERS} if stats else {}


def moved(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {k: after[k] - before[k] for k in after}


def time_case(harness: ModuleType, func: Callable[[], Any], runs: int) -> dict[str, Any]:
    """`runs` timed runs of one case (ms), and the counters moved by the first run and by the later ones."""
    times: list[float] = []
    start = counters()
    after_first = start
    for run in range(runs):
        times.append(harness.bench_parallel(func) / 1e6)
        if run == 0:
            after_first = counters()
    end = counters()
    return {"ms": times, "first_stats": moved(start, after_first), "warm_stats": moved(after_first, end)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--script", required=True, help="path of Tools/ftscalingbench/ftscalingbench.py")
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--scale", type=int, default=100)
    parser.add_argument("--runs", type=int, default=4, help="runs of each case; the first is the cold one")
    args = parser.parse_args()
    if args.runs < 2:
        parser.error("--runs must be at least 2: one cold run and one warm run")
    harness = load_harness(args.script, args.scale)
    with contextlib.redirect_stdout(io.StringIO()):  # its "Running benchmarks with N threads"
        harness.initialize_threads(argparse.Namespace(threads=args.threads))
    cases = {name: time_case(harness, func, args.runs) for name, func in harness.ALL_BENCHMARKS.items()}
    json.dump({"threads": args.threads, "runs": args.runs, "cases": cases}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
