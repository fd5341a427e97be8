"""Take from a detached owner: the main thread mutates a list a parked worker last touched.

Each repetition the worker makes a list, appends to it (so it owns it in owner),
publishes it, and parks: in time.sleep() ("sleep") or blocked in lock.acquire()
("lock"). The main thread waits a little so that the worker is parked, then times
its first mutation of the list (a direct take from a detached owner in owner).
Sleep repetitions where the worker may already have woken are left out and
counted as "late". Prints JSON per mode: samples, median and p99 in ns,
ownership counters.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from typing import Any

from common import emit, latency_summary, with_ownership_stats

MODES = ("sleep", "lock")


def worker(mode: str, reps: int, sleep_s: float, slot: list[Any], ready: Any, resume: Any) -> None:
    """Per repetition: own a fresh list, publish it with a timestamp, park until the main thread is done."""
    for rep in range(reps):
        box = [rep]
        box.append(rep)
        slot[0] = (box, time.perf_counter_ns())
        ready.release()
        if mode == "sleep":
            time.sleep(sleep_s)
        resume.acquire()


def takes(mode: str, reps: int, sleep_s: float, settle_s: float) -> tuple[list[int], int]:
    """Latencies (ns) of the main thread's first mutation of each published list, and the late count."""
    slot: list[Any] = [None]
    ready, resume = threading.Lock(), threading.Lock()
    ready.acquire()
    resume.acquire()
    thread = threading.Thread(target=worker, args=(mode, reps, sleep_s, slot, ready, resume))
    thread.start()
    samples: list[int] = []
    late = 0
    clock = time.perf_counter_ns
    for _ in range(reps):
        ready.acquire()
        time.sleep(settle_s)
        box, published = slot[0]
        start = clock()
        box.append(0)
        end = clock()
        if mode == "sleep" and end - published >= sleep_s * 1e9:
            late += 1
        else:
            samples.append(end - start)
        resume.release()
    thread.join()
    return samples, late


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reps", type=int, default=500)
    parser.add_argument("--modes", default=",".join(MODES), help="comma-separated: " + ", ".join(MODES))
    parser.add_argument("--sleep-us", type=float, default=5000, help="how long the worker sleeps")
    parser.add_argument("--settle-us", type=float, default=300, help="how long the main thread lets it park")
    parser.add_argument("--warmup", type=int, default=10, help="repetitions to leave out at the start")
    args = parser.parse_args()
    results: dict[str, Any] = {}
    for mode in args.modes.split(","):
        if mode not in MODES:
            sys.exit(f"unknown mode {mode!r}; valid modes: {', '.join(MODES)}")
        (samples, late), stats = with_ownership_stats(
            takes, mode, args.reps + args.warmup, args.sleep_us / 1e6, args.settle_us / 1e6)
        kept = samples[args.warmup:]
        if len(kept) < 2:
            sys.exit(f"{mode}: only {len(kept)} usable repetitions ({late} late); raise --sleep-us")
        results[mode] = {**latency_summary(kept), "late": late, "samples_ns": kept, "ownership_stats": stats}
    emit("take_detached", {"reps": args.reps, "sleep_us": args.sleep_us, "settle_us": args.settle_us,
                           "warmup": args.warmup, "modes": results})


if __name__ == "__main__":
    main()
