"""Taking objects directly from an owner that is blocked, hence detached."""

import os
import threading
import time
import unittest

from test.support import threading_helper
from test.test_ownership import util

# How long the main thread gives a worker that announced it is about to
# block to actually block.  The two are a few bytecodes apart, but if the
# worker were still running when the main thread came, the take would be a
# request instead and the test would fail, so this is generous.
BLOCK_GRACE = 0.2

# How long a worker blocks in time.sleep(), which cannot be cut short; the
# main thread is done with the worker's objects long before.
SLEEP = 1.5


@util.transfer_policy
class DirectTakeTests(util.OwnershipTest):

    def check_direct_take(self, block, unblock):
        """Take the objects of a worker blocked in block().

        block() must not return before unblock() is called (time.sleep()
        returns on its own, after the main thread is done).  Once unblocked,
        the worker takes its objects back and adds to them.
        """
        made = {}
        ready = threading.Event()

        def worker():
            containers = util.make_containers()
            made["containers"] = list(containers.items())
            ready.set()
            block()
            for container in containers.values():
                util.mutate(container, 2)

        thread = util.start_thread(worker)
        try:
            self.assertTrue(ready.wait(util.TIMEOUT))
            time.sleep(BLOCK_GRACE)
            me = threading.get_ident()
            before = util.stats()
            for _, obj in made["containers"]:
                util.mutate(obj, 1)
                self.assertOwner(obj, me)
            counts = util.delta(before)
        finally:
            unblock()
            util.join_threads(thread)
        # No request was posted: the owner was found detached every time.
        self.assertCounted(counts, "taken_detached", len(made["containers"]))
        self.assertEqual(counts["requests"], 0, counts)
        for name, obj in made["containers"]:
            with self.subTest(name):
                self.assertEqual(sorted(obj), [0, 1, 2])

    @threading_helper.reap_threads
    def test_owner_sleeping(self):
        self.check_direct_take(lambda: time.sleep(SLEEP), lambda: None)

    @threading_helper.reap_threads
    def test_owner_waiting_for_an_event(self):
        # Event.wait() blocks acquiring a lock.
        event = threading.Event()
        self.check_direct_take(lambda: event.wait(util.TIMEOUT), event.set)

    @threading_helper.reap_threads
    def test_owner_blocked_on_a_lock(self):
        lock = threading.Lock()
        lock.acquire()

        def block():
            if lock.acquire(timeout=util.TIMEOUT):
                lock.release()

        self.check_direct_take(block, lock.release)

    @threading_helper.reap_threads
    def test_owner_blocked_reading_a_pipe(self):
        r, w = os.pipe()
        self.addCleanup(os.close, r)
        self.addCleanup(os.close, w)
        self.check_direct_take(lambda: os.read(r, 1),
                               lambda: os.write(w, b"x"))


if __name__ == "__main__":
    unittest.main()
