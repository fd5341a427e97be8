"""An object whose last reference another thread drops while its owner is
blocked is freed at once: biased reference counting takes it from the
detached owner and merges its count (patch 0003), instead of queueing the
merge for the owner's next eval breaker check, which a blocked owner never
reaches."""

import unittest
import weakref

from test.support import threading_helper
from test.test_ownership import util


class Payload:
    pass


class BlockedOwnerMergeTests(util.OwnershipTest):

    @threading_helper.reap_threads
    def test_last_reference_dropped_while_owner_blocks(self):
        refs = []
        finalized = util.Flag()

        def make():
            obj = Payload()
            refs.append(weakref.ref(obj, lambda ref: finalized.set()))
            return obj

        with util.blocked_owner(make) as made:
            obj = made.pop()
            before = util.stats()
            del obj             # the last reference, owned by the owner
            counts = util.delta(before)
            # Freed during the decref, while the owner still blocks.
            self.assertTrue(finalized.is_set())
            self.assertIsNone(refs[0]())
        self.assertCounted(counts, "taken_detached")


if __name__ == "__main__":
    unittest.main()
