"""Steal round trip: two running threads pass one list back and forth.

The main thread and a worker take turns. On its turn a thread mutates the shared
list (the first mutation steals it in owner: the other thread is spinning, i.e.
running, so the steal goes through its eval breaker) and passes the turn by
publishing (turns done, timestamp) in a list only it writes. The latency of a
handoff is from the passer's timestamp to the end of the receiver's first
mutation. Prints JSON: samples, median and p99 in ns (also apart for the
handoffs to the main thread and to the worker), ownership counters.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from typing import Any

from common import emit, latency_summary, with_ownership_stats

STOP = -1


def player(first: bool, turns: int, deadline: int, box: list[int], mine: list[Any], theirs: list[Any],
           samples: list[int]) -> None:
    """Take `turns` turns (fewer if the first player passes the deadline), recording handoff latencies."""
    clock = time.perf_counter_ns
    for turn in range(turns):
        want = turn if first else turn + 1
        while True:
            msg = theirs[0]
            if msg[0] == want or msg[0] == STOP:
                break
        if msg[0] == STOP:
            return
        if first and clock() > deadline:
            mine[0] = (STOP, 0)
            return
        box.append(turn)
        samples.append(clock() - msg[1])
        box.pop()
        mine[0] = (turn + 1, clock())


def round_trips(handoffs: int, seconds: float) -> list[tuple[bool, int]]:
    """(received by the main thread?, latency ns) of up to `handoffs` handoffs within about `seconds`."""
    box: list[int] = []
    first_msgs: list[Any] = [(0, 0)]
    second_msgs: list[Any] = [(0, 0)]
    first_samples: list[int] = []
    second_samples: list[int] = []
    turns = handoffs // 2 + 1
    deadline = time.perf_counter_ns() + int(seconds * 1e9)
    worker = threading.Thread(target=player,
                              args=(False, turns, deadline, box, second_msgs, first_msgs, second_samples))
    worker.start()
    player(True, turns, deadline, box, first_msgs, second_msgs, first_samples)
    worker.join()
    # In the order they happened; the first turn of the first player (main) is not a handoff.
    to_worker = [(False, s) for s in second_samples]
    to_main = [(True, s) for s in first_samples[1:]]
    paired = [s for pair in zip(to_worker, to_main, strict=False) for s in pair]
    return paired + to_worker[len(to_main):]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--handoffs", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=5.0, help="stop early after this long (GIL builds)")
    parser.add_argument("--warmup", type=int, default=100, help="handoffs to leave out at the start")
    args = parser.parse_args()
    handoffs, stats = with_ownership_stats(round_trips, args.handoffs + args.warmup, args.seconds)
    kept = handoffs[args.warmup:args.warmup + args.handoffs]
    if len(kept) < 4:
        sys.exit(f"only {len(handoffs)} handoffs in {args.seconds} s; raise --seconds")
    samples = [ns for _, ns in kept]
    emit("steal_roundtrip", {
        "handoffs": args.handoffs, "seconds": args.seconds, "warmup": args.warmup,
        "switch_interval_s": sys.getswitchinterval(), **latency_summary(samples),
        "to_main": latency_summary([ns for to_main, ns in kept if to_main]),
        "to_worker": latency_summary([ns for to_main, ns in kept if not to_main]),
        "samples_ns": samples, "ownership_stats": stats,
    })


if __name__ == "__main__":
    main()
