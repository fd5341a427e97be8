"""A thread pool: concurrent.futures.ThreadPoolExecutor(max_workers=2).map over small tasks, one task per item.

Valgrind runs one thread at a time, so this measures what passing work between threads executes (the queue's
locking, the ownership protocol's publications and demotions, shared reference counts), not contention. The
switches between threads fall where valgrind's scheduler puts them: counts vary a little between runs.
"""

import concurrent.futures

TASKS = 2_000


def double(x: int) -> int:
    return x * 2


with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
    total = sum(pool.map(double, range(TASKS)))
assert total == TASKS * (TASKS - 1)
