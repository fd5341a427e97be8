"""A collection leaves the owner of objects on thread stacks alone.

The free-threaded GC adds one to the gc_refs it keeps in ob_tid for every
deferred or borrowed reference on a thread's stack.  For objects its
mark-alive pass kept, ob_tid was never borrowed: it is their owner, and
the addition corrupted it (rule R4)."""

import gc
import os
import sys
import threading
import unittest
import weakref

from test.support import threading_helper
from test.test_ownership import util

# Reachable from the module, so the mark-alive pass keeps what it holds.
KEPT = []


class Parked:
    """Its method call keeps a borrowed reference to self on the caller's
    stack while it blocks."""

    def block(self, fd):
        return os.read(fd, 1)


def park(obj, fd):
    obj.block(fd)


class GCStackRefTests(util.OwnershipTest):

    def setUp(self):
        super().setUp()
        self.read_end, self.write_end = os.pipe()
        self.addCleanup(os.close, self.read_end)
        self.addCleanup(os.close, self.write_end)
        self.addCleanup(KEPT.clear)
        # Wakes a worker left blocked by a failed assertion (runs first).
        self.addCleanup(os.write, self.write_end, b"x")

    @util.transfer_policy
    @threading_helper.reap_threads
    def test_owner_on_stack_survives_collection(self):
        obj = Parked()
        KEPT.append(obj)
        parked = util.Flag()
        idents = []
        owners = []
        counts = []
        get_owner = sys._get_object_owner

        def touch(o):
            o.n = 1

        def worker():
            idents.append(threading.get_ident())
            touch(obj)                    # taken from us: the worker owns it
            parked.set()
            park(obj, self.read_end)      # blocked in os.read()
            owners.append(get_owner(obj))
            before = util.stats()
            touch(obj)
            counts.append(util.delta(before))

        thread = util.start_thread(worker)
        self.assertTrue(util.sleep_until(parked.is_set))
        util.sleep_until(lambda: False, timeout=0.2)
        self.assertOwner(obj, idents[0])
        gc.collect()
        self.assertOwner(obj, idents[0])
        os.write(self.write_end, b"x")
        threading_helper.join_thread(thread)
        # The worker still owned it after the collection, so its section
        # took the fast path, which statistics builds count.  (Other
        # objects its calls touch may have been owned by threads of earlier
        # tests: claimed_dead may grow.)
        self.assertEqual(owners, idents)
        if "fast" in counts[0]:
            self.assertCounted(counts[0], "fast")

    @threading_helper.reap_threads
    def test_unowned_object_on_stack_is_freed(self):
        # The worker's references are counted in the shared field (we own
        # the object); once we drop ours, the local count reaches zero and
        # the object is given up: merged and unowned (ob_tid == 0).  The
        # collection then made its ob_tid the number of borrowed references
        # on the worker's stack, a thread that does not exist; the worker
        # claimed it from that "exited owner" with its local count at 0,
        # and its next decref wrapped the count to the immortal value.
        finalized = util.Flag()
        box = [Parked()]
        ref = weakref.ref(box[0], lambda r: finalized.set())
        result = []
        holding = util.Flag()

        def touch(o):
            o.n = 1

        def worker():
            o = box[0]
            KEPT.append(o)
            holding.set()
            park(o, self.read_end)
            touch(o)
            result.append(sys.getrefcount(o))

        thread = util.start_thread(worker)
        self.assertTrue(util.sleep_until(holding.is_set))
        box.clear()
        util.sleep_until(lambda: False, timeout=0.2)
        self.assertIsNone(sys._get_object_owner(ref()), "not given up")
        before = util.stats()
        gc.collect()
        os.write(self.write_end, b"x")
        threading_helper.join_thread(thread)
        counts = util.delta(before)
        KEPT.clear()
        gc.collect()
        self.assertTrue(finalized.is_set(), "the object was never freed")
        self.assertIsNone(ref())
        self.assertLess(result[0], 100, "the count wrapped to immortal")
        # The worker claimed it as an unowned object.  (join() may claim
        # the Thread object from the exited worker: claimed_dead can grow.)
        self.assertCounted(counts, "claimed")

if __name__ == "__main__":
    unittest.main()
