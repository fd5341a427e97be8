"""Profile workload `pool`: concurrent.futures.ThreadPoolExecutor(max_workers=2).map over small tasks, one task per
turn (the main thread and two workers); the contended case `threadpool_map` of bench/ownership/contended.py."""

import concurrent.futures

from common import run


def double(x: int) -> int:
    return x * 2


def map_tasks(turns: int) -> None:
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        total = sum(pool.map(double, range(turns), chunksize=1))
    assert total == turns * (turns - 1)


run(map_tasks, 20_000, __doc__)
