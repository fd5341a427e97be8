"""Uncontended critical sections: steady-state mutation of small list, dict, set, bytearray and deque.

Each operation is a critical section in ft (a mutex lock/unlock) and an ownership
acquisition in owner (the fast path: the thread already owns the container).
The containers stay small, so allocation does not dominate.
"""

from collections import deque

N = 40_000
lst: list[int] = []
dct: dict[int, int] = {}
st: set[int] = set()
buf = bytearray()
dq: deque[int] = deque()
for i in range(N):
    lst.append(i)
    lst.pop()
for i in range(N):
    dct[i] = i
    del dct[i]
for i in range(N):
    st.add(i)
    st.discard(i)
for i in range(N):
    buf.append(i & 0xFF)
    buf.pop()
for i in range(N):
    dq.append(i)
    dq.popleft()
