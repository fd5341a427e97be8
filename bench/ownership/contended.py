"""Contended workloads: threads that share objects, the case where owner must steal.

Cases (each with --threads threads, started together at a barrier; wall time of the slowest):
  queue_pingpong      a producer and a consumer pass items through one queue.Queue
  shared_list_append  every thread appends to one list
  shared_dict_update  every thread stores into one dict (its own keys)
  read_mostly         every thread reads one dict and one list; thread 0 also writes 1 % of the time
  threadpool_map      concurrent.futures.ThreadPoolExecutor.map over small tasks
  threadpool_imap     multiprocessing.pool.ThreadPool.imap over small tasks in chunks of IMAP_CHUNK, the pool
                      started and closed within the time: the thread-pool half of pyperformance's concurrent_imap
  pipeline_writes     a producer puts fresh lists on a queue.SimpleQueue (at most WINDOW in flight); the consumer
                      alone then appends to each of them

Prints JSON per case: seconds of each repeat, the median, each repeat's CPU seconds and context switches (of the whole
process), the ownership counters of all repeats and the pid of the process that ran it (each case runs in a process of
its own when more than one is asked for).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import multiprocessing.pool
import os
import queue
import resource
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from common import emit, with_ownership_stats


def run_threads(threads: int, work: Callable[[int], None]) -> float:
    """Seconds from the barrier to the end of the last of `threads` threads running work(index)."""
    barrier = threading.Barrier(threads + 1)

    def body(index: int) -> None:
        barrier.wait()
        work(index)

    pool = [threading.Thread(target=body, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in pool:
        t.join()
    return time.perf_counter() - start


def queue_pingpong(threads: int, ops: int) -> float:
    items: queue.Queue[int | None] = queue.Queue(maxsize=64)

    def work(index: int) -> None:
        if index == 0:
            for i in range(ops):
                items.put(i)
            items.put(None)
        else:
            while items.get() is not None:
                pass

    return run_threads(2, work)


def shared_list_append(threads: int, ops: int) -> float:
    shared: list[int] = []

    def work(index: int) -> None:
        append = shared.append
        for i in range(ops):
            append(i)

    seconds = run_threads(threads, work)
    assert len(shared) == threads * ops
    return seconds


def shared_dict_update(threads: int, ops: int) -> float:
    shared: dict[tuple[int, int], int] = {}

    def work(index: int) -> None:
        for i in range(ops):
            shared[index, i % 1000] = i

    run = run_threads(threads, work)
    assert len(shared) == threads * min(ops, 1000)
    return run


def read_mostly(threads: int, ops: int) -> float:
    table = {i: i for i in range(100)}
    row = list(range(100))

    def work(index: int) -> None:
        total = 0
        for i in range(ops):
            if index == 0 and i % 100 == 0:
                table[i % 100] = i
                row[i % 100] = i
            else:
                total += table[i % 100] + row[i % 100]

    return run_threads(threads, work)


def threadpool_map(threads: int, ops: int) -> float:
    def task(x: int) -> int:
        return x * 2

    with concurrent.futures.ThreadPoolExecutor(max_workers=threads) as pool:
        start = time.perf_counter()
        total = sum(pool.map(task, range(ops), chunksize=1))
        seconds = time.perf_counter() - start
    assert total == ops * (ops - 1)
    return seconds


IMAP_CHUNK = 10
"""Tasks per chunk of threadpool_imap, as in pyperformance's concurrent_imap."""


def threadpool_imap(threads: int, ops: int) -> float:
    def task(x: int) -> int:
        return x

    start = time.perf_counter()
    with multiprocessing.pool.ThreadPool(threads) as pool:
        total = sum(pool.imap(task, range(ops), IMAP_CHUNK))
    seconds = time.perf_counter() - start
    assert total == ops * (ops - 1) // 2
    return seconds


WINDOW = 64
"""Items pipeline_writes lets the producer run ahead of the consumer."""

APPENDS = 20
"""Appends the consumer of pipeline_writes makes to each item."""


def pipeline_writes(threads: int, ops: int) -> float:
    """A one-way pipeline whose consumer writes its items alone: under share and adaptive, a put gives them up to
    ft's locking (patch 0024); under transfer, the consumer's first write takes each one."""
    items: queue.SimpleQueue[list[int] | None] = queue.SimpleQueue()
    acks: queue.SimpleQueue[None] = queue.SimpleQueue()

    def work(index: int) -> None:
        if index == 0:
            for i in range(ops):
                if i >= WINDOW:
                    acks.get()
                items.put([i])
            items.put(None)
        else:
            while (item := items.get()) is not None:
                for j in range(APPENDS):
                    item.append(j)
                acks.put(None)

    return run_threads(2, work)


CASES: dict[str, tuple[Callable[[int, int], float], int]] = {
    "queue_pingpong": (queue_pingpong, 20_000),
    "shared_list_append": (shared_list_append, 200_000),
    "shared_dict_update": (shared_dict_update, 200_000),
    "read_mostly": (read_mostly, 200_000),
    "threadpool_map": (threadpool_map, 20_000),
    "threadpool_imap": (threadpool_imap, 10_000),
    "pipeline_writes": (pipeline_writes, 20_000),
}
"""Case name -> (function, operations per thread at --scale 1)."""


def run_in_own_process(name: str, args: argparse.Namespace) -> dict[str, Any]:
    """One case run by this script in a fresh interpreter of its own. In one process, a case's times depend on the
    cases before it: read_mostly took about 0.35 s instead of 0.16 s in a third to a half of the processes that ran
    queue_pingpong, shared_list_append and shared_dict_update first, on ft and owner alike, and never when it ran
    alone (results/2026-12-05-s16-x86_64-ownership and the s16 note)."""
    command = [sys.executable, *(["-s"] if sys.flags.no_user_site else []), __file__, "--cases", name,
               "--threads", str(args.threads), "--repeats", str(args.repeats), "--scale", str(args.scale)]
    child = subprocess.run(command, capture_output=True, text=True, check=False)
    if child.returncode != 0:
        sys.exit(f"contended case {name} failed (exit {child.returncode}):\n{child.stderr}")
    return dict(json.loads(child.stdout)["cases"][name])


def process_usage() -> tuple[float, int, int]:
    """CPU seconds (user and system) of all of this process's threads, and its voluntary and involuntary context
    switches, so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime, usage.ru_nvcsw, usage.ru_nivcsw


def run_here(name: str, args: argparse.Namespace) -> dict[str, Any]:
    """Run one case `args.repeats` times. Besides each repeat's wall time, the CPU time and context switches of the
    whole process over the repeat (thread start and end included): what the threads paid, whether they waited on
    each other or not. A voluntary switch is a thread that blocked (a futex wait); an involuntary one a thread that
    the kernel preempted or that gave the CPU up in sched_yield(), as PyMutex's spinning does."""
    function, ops = CASES[name]
    count = max(1, int(ops * args.scale))
    usage: dict[str, list[float]] = {"cpu_seconds": [], "voluntary_switches": [], "involuntary_switches": []}

    def repeat() -> list[float]:
        seconds = []
        for _ in range(args.repeats):
            before = process_usage()
            seconds.append(function(args.threads, count))
            after = process_usage()
            for key, start, end in zip(usage, before, after, strict=True):
                usage[key].append(end - start)
        return seconds

    seconds, stats = with_ownership_stats(repeat)
    return {"ops": count, "seconds": seconds, "median_s": statistics.median(seconds), **usage,
            "ownership_stats": stats, "pid": os.getpid()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies every case's operation count")
    parser.add_argument("--cases", default=",".join(CASES),
                        help="comma-separated: " + ", ".join(CASES) + "; more than one: each in a process of its own")
    args = parser.parse_args()
    names = args.cases.split(",")
    for name in names:
        if name not in CASES:
            parser.error(f"unknown case {name!r}; valid cases: {', '.join(CASES)}")
    run = run_here if len(names) == 1 else run_in_own_process
    results = {name: run(name, args) for name in names}
    emit("contended", {"threads": args.threads, "repeats": args.repeats, "cases": results})


if __name__ == "__main__":
    main()
