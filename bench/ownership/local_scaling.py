"""Thread-local scaling: each thread mutates its own list, dict and set in a loop.

Nothing is shared, so in owner every critical section is the fast path and in ft
an uncontended lock; with the GIL the threads take turns. For each thread count
the threads start together (a barrier); the wall time is from the first thread's
start to the last thread's end. Prints JSON per thread count: seconds, mutations
per second, speedup over one thread, ownership counters.
"""

from __future__ import annotations

import argparse
import os
import threading
import time
from typing import Any

from common import emit, with_ownership_stats

MUTATIONS_PER_ITERATION = 5


def mutate(iterations: int, start: threading.Barrier, span: list[float]) -> None:
    """Make a list, a dict and a set of this thread's own, mutate them `iterations` times; record start and end."""
    lst: list[int] = []
    dct: dict[int, int] = {}
    st: set[int] = set()
    start.wait()
    began = time.perf_counter()
    for i in range(iterations):
        lst.append(i)
        lst.pop()
        dct[i & 63] = i
        st.add(i & 63)
        st.discard(i & 63)
    span.extend((began, time.perf_counter()))


def wall_seconds(threads: int, iterations: int) -> float:
    """Seconds from the first thread's start until `threads` threads have each done `iterations`."""
    start = threading.Barrier(threads)
    spans: list[list[float]] = [[] for _ in range(threads)]
    workers = [threading.Thread(target=mutate, args=(iterations, start, span)) for span in spans]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return max(end for _, end in spans) - min(began for began, _ in spans)


def default_threads() -> str:
    cores = os.cpu_count() or 1
    return ",".join(map(str, [*range(1, cores + 1), 2 * cores]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", default=default_threads(), help="comma-separated thread counts (1 is added)")
    parser.add_argument("--iterations", type=int, default=200_000, help="loop iterations per thread")
    args = parser.parse_args()
    counts = sorted({1, *(int(t) for t in args.threads.split(","))})
    results: dict[str, Any] = {}
    for threads in counts:
        seconds, stats = with_ownership_stats(wall_seconds, threads, args.iterations)
        rate = threads * args.iterations * MUTATIONS_PER_ITERATION / seconds
        results[str(threads)] = {"seconds": seconds, "mutations_per_s": rate, "ownership_stats": stats}
    for entry in results.values():
        entry["speedup"] = entry["mutations_per_s"] / results["1"]["mutations_per_s"]
    emit("local_scaling", {"iterations": args.iterations, "mutations_per_iteration": MUTATIONS_PER_ITERATION,
                           "threads": results})


if __name__ == "__main__":
    main()
