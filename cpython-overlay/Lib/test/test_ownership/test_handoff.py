"""Handing an object over at its running owner's eval-breaker check."""

import threading
import unittest

from test.support import threading_helper
from test.test_ownership import util


@util.transfer_policy
class HandoffAtEvalBreakerTests(util.OwnershipTest):

    @threading_helper.reap_threads
    def test_running_owner_hands_over_at_eval_breaker(self):
        # The owner never blocks, so the main thread cannot take its objects
        # directly: it must post a request, and the owner hands the object
        # over at an eval-breaker check of its loop.
        made = {}
        ready = util.Flag()
        stop = util.Flag()

        def owner():
            made["containers"] = list(util.make_containers().items())
            made["ident"] = threading.get_ident()
            # Once ready, run only code that cannot wait for another
            # thread (see the util module docstring).
            util.prepare_thread()
            spin_until = util.spin_until
            stop_is_set = stop.is_set
            ready.set()
            spin_until(stop_is_set)

        thread = util.start_thread(owner)
        try:
            self.assertTrue(util.sleep_until(ready.is_set))
            me = threading.get_ident()
            for name, obj in made["containers"]:
                with self.subTest(name):
                    # Taking the objects before this one left it alone.
                    self.assertOwner(obj, made["ident"])
                    before = util.stats()
                    util.mutate(obj, 1)
                    counts = util.delta(before)
                    self.assertCounted(counts, "requests")
                    self.assertCounted(counts, "handoff_eval_breaker")
                    self.assertIn(1, obj)
                    # The object stays with its new owner after the section
                    # ended, so the next section on it is the fast path.
                    self.assertOwner(obj, me)
            self.assertTrue(thread.is_alive(), "the owner stopped spinning")
        finally:
            stop.set()
            util.join_threads(thread)

    @threading_helper.reap_threads
    def test_owner_takes_its_object_back(self):
        # After the main thread took the list, the former owner appends to
        # it again: now the main thread is the running owner and hands it
        # back at one of its own eval-breaker checks.
        box = []
        ready = util.Flag()
        go_back = util.Flag()
        done = util.Flag()

        def owner():
            lst = [0]
            box.append(lst)
            # Once ready, run only code that cannot wait for another
            # thread (see the util module docstring).
            util.prepare_thread()
            spin_until = util.spin_until
            go_back_is_set = go_back.is_set
            ready.set()
            if spin_until(go_back_is_set):
                lst.append(2)
                done.set()

        thread = util.start_thread(owner)
        try:
            self.assertTrue(util.sleep_until(ready.is_set))
            lst = box[0]
            lst.append(1)
            self.assertOwner(lst, threading.get_ident())
            counts = util.signal_and_spin(go_back, done)
        finally:
            go_back.set()
            util.join_threads(thread)
        self.assertCounted(counts, "requests")
        self.assertCounted(counts, "handoff_eval_breaker")
        self.assertEqual(lst, [0, 1, 2])


# A product that takes the owner about a fifth of a second here: long enough
# for the main thread to post its request while the owner computes it.
FACTOR = 7 ** 700_000


@util.transfer_policy
class HandoffAtDetachTests(util.OwnershipTest):

    @threading_helper.reap_threads
    def test_request_posted_while_attached_is_served_at_detach(self):
        # The owner multiplies big ints, one BINARY_OP that checks no eval
        # breaker, then blocks on a lock: the request the main thread posts
        # meanwhile is found at the detach by the owner's request bit, and
        # the object is handed over there.  A detach that missed it would
        # leave the main thread waiting for an owner that blocks.  (Not
        # time.sleep(): its audit event runs regrtest's hook, Python code
        # whose eval breaker check would hand the object over first.)
        for _ in range(3):
            counts = self.request_then_detach()
            if counts["requests"]:
                break
        # The owner was still computing when the main thread came.
        self.assertCounted(counts, "requests")
        self.assertCounted(counts, "handoff_detach")
        self.assertEqual(counts["handoff_eval_breaker"], 0, counts)

    def request_then_detach(self):
        made = {}
        computing = util.Flag()

        def owner(factor):
            lst = [0]
            made["list"] = lst
            blocker = threading.Lock()
            blocker.acquire()
            computing.set()
            blocker.acquire(True, 0.05 + 0 * (factor * factor))

        thread = util.start_thread(owner, FACTOR)
        try:
            self.assertTrue(util.sleep_until(computing.is_set))
            before = util.stats()
            made["list"].append(1)
            counts = util.delta(before)
            self.assertOwner(made["list"], threading.get_ident())
        finally:
            util.join_threads(thread)
        self.assertEqual(made["list"], [0, 1])
        return counts


if __name__ == "__main__":
    unittest.main()
