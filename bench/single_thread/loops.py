"""Single-thread microbenchmarks (pyperf): where one thread pays for thread safety.

Groups, named by prefix: ``mutate_`` (container mutations: a critical section each in ft, the ownership fast
path in owner), ``read_`` (item and attribute reads, lock-free in ft), ``iterate_``, ``call_`` (method calls on
an object) and ``detach_`` (calls that detach and re-attach the thread: sleep(0), an uncontended lock, a small
read). Every benchmark times OPS operations per loop; pyperf reports the time of one loop.

Run with pyperf's options, e.g. ``python loops.py --fast -o out.json``.
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from collections.abc import Callable

import pyperf

OPS = 1_000
"""Operations per timed loop."""

TimedLoop = Callable[[int], float]


def mutate_list(loops: int) -> float:
    lst: list[int] = []
    append, pop = lst.append, lst.pop
    start = time.perf_counter()
    for _ in range(loops):
        for i in range(OPS):
            append(i)
            pop()
    return time.perf_counter() - start


def mutate_dict(loops: int) -> float:
    dct: dict[int, int] = {}
    start = time.perf_counter()
    for _ in range(loops):
        for i in range(OPS):
            dct[i] = i
            del dct[i]
    return time.perf_counter() - start


def mutate_set(loops: int) -> float:
    st: set[int] = set()
    add, discard = st.add, st.discard
    start = time.perf_counter()
    for _ in range(loops):
        for i in range(OPS):
            add(i)
            discard(i)
    return time.perf_counter() - start


def mutate_deque(loops: int) -> float:
    dq: deque[int] = deque()
    append, popleft = dq.append, dq.popleft
    start = time.perf_counter()
    for _ in range(loops):
        for i in range(OPS):
            append(i)
            popleft()
    return time.perf_counter() - start


def mutate_bytearray(loops: int) -> float:
    buf = bytearray()
    append, pop = buf.append, buf.pop
    start = time.perf_counter()
    for _ in range(loops):
        for i in range(OPS):
            append(i & 0xFF)
            pop()
    return time.perf_counter() - start


def read_list_item(loops: int) -> float:
    lst = list(range(OPS))
    start = time.perf_counter()
    for _ in range(loops):
        for i in range(OPS):
            lst[i]
    return time.perf_counter() - start


def read_dict_str(loops: int) -> float:
    keys = [f"key{i}" for i in range(64)] * (OPS // 64 + 1)
    keys = keys[:OPS]
    dct = {k: len(k) for k in keys}
    start = time.perf_counter()
    for _ in range(loops):
        for k in keys:
            dct[k]
    return time.perf_counter() - start


def read_dict_int(loops: int) -> float:
    dct = {i: i for i in range(OPS)}
    start = time.perf_counter()
    for _ in range(loops):
        for i in range(OPS):
            dct[i]
    return time.perf_counter() - start


class Point:
    def __init__(self, x: int, y: int) -> None:
        self.x = x
        self.y = y

    def norm1(self) -> int:
        return self.x + self.y


def read_attr(loops: int) -> float:
    p = Point(1, 2)
    start = time.perf_counter()
    for _ in range(loops):
        for _ in range(OPS):
            p.x
            p.y
    return time.perf_counter() - start


def iterate_list(loops: int) -> float:
    lst = list(range(OPS))
    start = time.perf_counter()
    for _ in range(loops):
        for _ in lst:
            pass
    return time.perf_counter() - start


def call_method(loops: int) -> float:
    points = [Point(i, -i) for i in range(16)]
    start = time.perf_counter()
    for _ in range(loops):
        for i in range(OPS):
            points[i & 15].norm1()
    return time.perf_counter() - start


def detach_sleep0(loops: int) -> float:
    sleep = time.sleep
    start = time.perf_counter()
    for _ in range(loops):
        for _ in range(OPS):
            sleep(0)
    return time.perf_counter() - start


def detach_lock(loops: int) -> float:
    lock = threading.Lock()
    acquire, release = lock.acquire, lock.release
    start = time.perf_counter()
    for _ in range(loops):
        for _ in range(OPS):
            acquire()
            release()
    return time.perf_counter() - start


def detach_os_read(loops: int) -> float:
    fd = os.open("/dev/zero", os.O_RDONLY)
    read = os.read
    try:
        start = time.perf_counter()
        for _ in range(loops):
            for _ in range(OPS):
                read(fd, 16)
        return time.perf_counter() - start
    finally:
        os.close(fd)


BENCHMARKS: tuple[TimedLoop, ...] = (
    mutate_list, mutate_dict, mutate_set, mutate_deque, mutate_bytearray,
    read_list_item, read_dict_str, read_dict_int, read_attr,
    iterate_list, call_method,
    detach_sleep0, detach_lock, detach_os_read,
)


def main() -> None:
    runner = pyperf.Runner()
    runner.metadata["description"] = __doc__.splitlines()[0]
    for func in BENCHMARKS:
        runner.bench_time_func(func.__name__, func)


if __name__ == "__main__":
    main()
