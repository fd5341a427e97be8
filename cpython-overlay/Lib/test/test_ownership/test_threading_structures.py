"""Objects of the threading module that threads write in turn start in
ft's locking under "share" and "adaptive" (patch 0036,
_thread._demote()): the dicts _active and _limbo, which each new thread
writes as it starts and ends; a Condition's waiter deque, which each
waiting thread appends to and the notifying thread removes from; a
Semaphore, whose value each acquire and release writes.  So do the
structures by which multiprocessing.pool passes results between threads
(patch 0037): a pool's cache of jobs, an imap iterator, its deque of
results and its dict of results out of order.  Otherwise a new thread, a
wait, a release or a result asked the previous writer for them, a wait
for a running owner."""

import collections
import sys
import threading
import _thread
import unittest
import weakref
from multiprocessing.pool import ThreadPool

from test.support import script_helper
from test.test_ownership import util

OWNERS_AFTER_IMPORT = """if True:
    import sys, threading
    me = threading.get_ident()
    def owner(obj):
        owner = sys._get_object_owner(obj)
        return "main" if owner == me else repr(owner)
    print(owner(threading._active), owner(threading._limbo),
          owner(threading.Condition()._waiters))
"""


class ThreadingStructuresTests(util.OwnershipTest):

    def test_dicts_and_waiters_start_demoted(self):
        # In a new process: in this one, earlier tests' threads may have
        # demoted _active and _limbo by taking them in turn.
        result = script_helper.assert_python_ok(
            "-c", OWNERS_AFTER_IMPORT,
            PYTHON_OWNERSHIP=util.POLICY)
        owners = result.out.decode().split()
        expected = "main" if util.POLICY == "transfer" else "None"
        self.assertEqual(owners, [expected] * 3)

    def test_new_condition_demotes_its_waiters(self):
        lock = threading.Lock()
        before = util.stats()
        condition = threading.Condition(lock)
        counts = util.delta(before)
        self.assertDemotedUnlessTransfer(counts, condition._waiters)

    def test_new_semaphore_is_demoted(self):
        before = util.stats()
        semaphore = threading.Semaphore(0)
        counts = util.delta(before)
        # The semaphore and its condition's waiters.
        self.assertDemotedUnlessTransfer(counts, semaphore, demotions=2)

    def test_pool_cache_and_imap_iterator_start_demoted(self):
        if util.POLICY == "transfer":
            self.skipTest("transfer demotes nothing")
        with ThreadPool(1) as pool:
            self.assertOwner(pool._cache, None)
            results = pool.imap(abs, [])
            for obj in (results, results._items, results._unsorted):
                self.assertOwner(obj, None)
            self.assertEqual(list(results), [])

    def test_demote_returns_its_argument(self):
        before = util.stats()
        lst = []
        self.assertIs(_thread._demote(lst), lst)
        self.assertDemotedUnlessTransfer(util.delta(before), lst)

    def test_demote_leaves_types_it_cannot_traverse(self):
        # demote() visits an object's referents while other threads run:
        # a class, a generator, a weakref or a subclass of deque has
        # referents that others may change without taking the object.
        class Waiters(collections.deque):
            pass

        def gen():
            yield

        for obj in (type("C", (), {}), gen(), weakref.ref(Waiters),
                    Waiters()):
            with self.subTest(type=type(obj).__name__):
                owner = sys._get_object_owner(obj)
                before = util.stats()
                self.assertIs(_thread._demote(obj), obj)
                counts = util.delta(before)
                self.assertEqual(counts["demotions"], 0, counts)
                self.assertEqual(sys._get_object_owner(obj), owner)

    def test_demote_leaves_another_threads_object(self):
        made = []
        ready = threading.Event()
        done = threading.Event()

        def worker():
            made.append({})
            ready.set()
            done.wait(util.TIMEOUT)

        thread = util.start_thread(worker)
        try:
            self.assertTrue(ready.wait(util.TIMEOUT))
            obj = made[0]
            owner = sys._get_object_owner(obj)
            before = util.stats()
            self.assertIs(_thread._demote(obj), obj)
            counts = util.delta(before)
        finally:
            done.set()
            util.join_threads(thread)
        self.assertEqual(owner, thread.ident)
        self.assertEqual(counts["demotions"], 0, counts)


if __name__ == "__main__":
    unittest.main()
