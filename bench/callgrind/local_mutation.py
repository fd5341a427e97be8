"""One thread's turn of the local_scaling benchmark: its own list, dict and set, mutated in a loop.

The loop is `bench/ownership/local_scaling.py`'s, run once on a thread of its own,
so that owner's per-thread ownership is in force as it is there.
"""

import threading

N = 60_000


def mutate(iterations: int) -> None:
    lst: list[int] = []
    dct: dict[int, int] = {}
    st: set[int] = set()
    for i in range(iterations):
        lst.append(i)
        lst.pop()
        dct[i & 63] = i
        st.add(i & 63)
        st.discard(i & 63)


worker = threading.Thread(target=mutate, args=(N,))
worker.start()
worker.join()
