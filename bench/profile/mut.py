"""Profile workload `mut`: one thread mutates containers only it uses (list append/pop, dict store, set add,
deque append/popleft, bytearray append and trim); the `mut.py` of the hand-made profile of 2026-12-03."""

import collections

from common import run


def mutate(turns: int) -> None:
    lst: list[int] = []
    dct: dict[int, int] = {}
    st: set[int] = set()
    dq: collections.deque[int] = collections.deque()
    buf = bytearray()
    for i in range(turns):
        lst.append(i)
        dct[i & 1023] = i
        st.add(i & 1023)
        dq.append(i)
        buf.append(i & 255)
        if len(lst) > 1000:
            lst.pop()
            dq.popleft()
        if len(buf) > 1000:
            del buf[:500]


run(mutate, 200_000, __doc__)
