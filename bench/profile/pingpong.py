"""Profile workload `pingpong`: a producer thread puts ints on a queue.Queue(maxsize=64) and a consumer thread gets
them, one item per turn; the contended case `queue_pingpong` of bench/ownership/contended.py."""

import queue
import threading

from common import run


def pass_items(turns: int) -> None:
    items: queue.Queue[int | None] = queue.Queue(maxsize=64)

    def produce() -> None:
        for i in range(turns):
            items.put(i)
        items.put(None)

    def consume() -> None:
        while items.get() is not None:
            pass

    threads = [threading.Thread(target=produce), threading.Thread(target=consume)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


run(pass_items, 50_000, __doc__)
