"""Profile workload `rd`: one thread reads items of a list and a dict of 1,000 ints that only it uses
(`l[i % 1000]`, `d[i % 1000]`); the `rd.py` of the hand-made profile of 2026-12-03."""

from common import run


def read(turns: int) -> int:
    lst = list(range(1000))
    dct = {i: i for i in range(1000)}
    total = 0
    for i in range(turns):
        total += lst[i % 1000]
        total += dct[i % 1000]
    return total


run(read, 300_000, __doc__)
