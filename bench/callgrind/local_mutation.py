"""One thread's turn of the local_scaling benchmark: its own list, dict and set, mutated in a loop.

Runs `bench/ownership/local_scaling.py`'s own `mutate` once, on a thread of its own,
so that owner's per-thread ownership is in force as it is there.
"""

import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "ownership"))
from local_scaling import mutate  # noqa: E402

N = 60_000

worker = threading.Thread(target=mutate, args=(N, threading.Barrier(1), []))
worker.start()
worker.join()
