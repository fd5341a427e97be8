"""An object requested through a borrowed reference stays alive."""

import threading
import unittest

from test.test_ownership import util

# Rounds of writers and callers; each round starts fresh threads, since
# the freed objects go to the free lists of the writers.
ROUNDS = 10
ITERATIONS = 400
PAIRS = 4


class LifetimeTests(util.OwnershipTest):

    def test_kwdefaults_replaced_while_requested(self):
        # A call reads its function's __kwdefaults__ without a reference
        # (as in ft) and its first lookup in the dict, owned by the writer,
        # waits for it: a critical section's request, or under "share" a
        # read's share request.  Meanwhile the writer stops the world,
        # replaces the dict and drops the old one.  Before the waiter held
        # a reference of its own, the writer then granted the freed dict:
        # its id overwrote the dict free list's link and the next dict
        # allocated was the thread's own stack (a crash).
        def target(*, y=None):
            return y

        start = threading.Barrier(2 * PAIRS)

        def writer():
            start.wait()
            for i in range(ITERATIONS):
                target.__kwdefaults__ = {"y": str(i)}

        def caller():
            start.wait()
            for _ in range(ITERATIONS):
                target()

        before = util.stats()
        for _ in range(ROUNDS):
            start.reset()
            threads = [util.start_thread(work)
                       for work in (writer, caller) * PAIRS]
            util.join_threads(*threads)
        counts = util.delta(before)
        self.assertGreaterEqual(counts["requests"] + counts["share_requests"],
                                1, counts)
        self.assertEqual(target(), str(ITERATIONS - 1))


if __name__ == "__main__":
    unittest.main()
