"""Single-thread mutation of list, dict, set, bytearray and deque (critical-section heavy in ft)."""

from collections import deque

N = 20_000
lst: list[int] = []
dct: dict[int, int] = {}
st: set[int] = set()
buf = bytearray()
dq: deque[int] = deque()
for i in range(N):
    lst.append(i)
    dct[i] = i
    st.add(i)
    buf.append(i & 0xFF)
    dq.append(i)
for i in range(N):
    lst.pop()
    del dct[i]
    st.discard(i)
    buf.pop()
    dq.popleft()
