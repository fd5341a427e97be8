"""An object whose last reference another thread drops while its owner is
blocked is freed at once: biased reference counting takes it from the
detached owner and merges its count (patch 0003), instead of queueing the
merge for the owner's next eval breaker check, which a blocked owner never
reaches."""

import threading
import time
import unittest
import weakref

from test.support import threading_helper
from test.test_ownership import util

# Time for the owner to get from ready.set() into gate.acquire().
BLOCK_DELAY = 0.2


class Payload:
    pass


class BlockedOwnerMergeTests(util.OwnershipTest):

    @threading_helper.reap_threads
    def test_last_reference_dropped_while_owner_blocks(self):
        made = {}
        finalized = util.Flag()
        ready = util.Flag()
        gate = threading.Lock()
        gate.acquire()

        def owner():
            obj = Payload()
            made["ref"] = weakref.ref(obj, lambda ref: finalized.set())
            made["obj"] = obj
            del obj
            ready.set()
            gate.acquire()      # blocks, detached, until the test is done

        thread = util.start_thread(owner)
        try:
            self.assertTrue(util.sleep_until(ready.is_set))
            time.sleep(BLOCK_DELAY)
            obj = made.pop("obj")
            before = util.stats()
            del obj             # the last reference, owned by the owner
            counts = util.delta(before)
            # Freed during the decref, while the owner still blocks.
            self.assertTrue(finalized.is_set())
            self.assertIsNone(made["ref"]())
        finally:
            gate.release()
            util.join_threads(thread)
        self.assertCounted(counts, "taken_detached")


if __name__ == "__main__":
    unittest.main()
