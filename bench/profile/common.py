"""Command line shared by the profile workloads (imported from the script's own directory)."""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable


def run(loop: Callable[[int], object], turns: int, description: str | None) -> None:
    """Run `loop(--turns)` once, or again and again until --seconds have passed; print the turns done as JSON."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--turns", type=int, default=turns, help=f"loop turns per pass (default {turns:,})")
    parser.add_argument("--seconds", type=float, default=0.0,
                        help="repeat passes until this many seconds have passed (default: one pass)")
    args = parser.parse_args()
    if args.turns < 1 or args.seconds < 0:
        parser.error("--turns must be at least 1 and --seconds at least 0")
    deadline = time.monotonic() + args.seconds
    done = 0
    while True:
        loop(args.turns)
        done += args.turns
        if time.monotonic() >= deadline:
            break
    print(json.dumps({"turns": done}))
