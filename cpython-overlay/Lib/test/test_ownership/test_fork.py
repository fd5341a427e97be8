"""os.fork(): the child inherits objects owned by threads it does not have.

Before forking, the forking thread stops the world, and every other thread
hands over its requested objects as it stops (design, 2.3).  So in the
child only the forking thread itself can have requests left, from threads
that no longer exist.
"""

import os
import threading
import traceback
import unittest
import warnings

from test import support
from test.support import threading_helper
from test.test_ownership import util

# The children start threads, which ThreadSanitizer does not support after
# a fork of a multi-threaded process (CPython's own tests skip so too).
TSAN_NO_THREADS_AFTER_FORK = support.skip_if_sanitizer(
    "TSan does not support threads after fork", thread=True)


def fork():
    """os.fork(), without the warning about forking with threads."""
    with warnings.catch_warnings(category=DeprecationWarning,
                                 action="ignore"):
        return os.fork()


@support.requires_fork()
class ForkTests(util.OwnershipTest):

    def fork_and_check(self, checks):
        """Fork; the child runs checks() and exits 0 unless it raised.

        Return the child's pid.
        """
        pid = fork()
        if pid == 0:
            status = 1
            try:
                checks()
                status = 0
            except BaseException:
                traceback.print_exc()
            finally:
                os._exit(status)
        return pid

    def check_claims(self, containers):
        """Mutate containers whose owners are gone; each must be claimed."""
        me = threading.get_ident()
        for name, obj in containers:
            self.assertOwner(obj, None)
            before = util.stats()
            util.mutate(obj, 1)
            counts = util.delta(before)
            self.assertGreaterEqual(
                counts["claimed_dead"] + counts["claimed"], 1,
                f"{name}: {counts}")
            self.assertEqual(counts["requests"], 0, f"{name}: {counts}")
            self.assertOwner(obj, me)
            self.assertEqual(sorted(obj), [0, 1])

    def check_requests_are_served(self):
        """A new thread's request to this (running) thread is served."""
        lst = [0]
        ready = util.Flag()
        go = util.Flag()
        done = util.Flag()

        def taker():
            ready.set()
            if util.sleep_until(go.is_set):
                lst.append(1)
                done.set()

        thread = util.start_thread(taker)
        try:
            self.assertTrue(util.sleep_until(ready.is_set))
            counts = util.signal_and_spin(go, done)
        finally:
            go.set()
            util.join_threads(thread)
        self.assertCounted(counts, "requests")
        self.assertCounted(counts, "handoff_eval_breaker")
        self.assertEqual(lst, [0, 1])

    @TSAN_NO_THREADS_AFTER_FORK
    @threading_helper.reap_threads
    def test_child_claims_objects_of_threads_it_does_not_have(self):
        # One owner is blocked and one is running when the process forks.
        made = {}
        blocked_ready = threading.Event()
        release = threading.Event()
        stop = util.Flag()

        def blocked():
            made["blocked"] = list(util.make_containers().items())
            blocked_ready.set()
            release.wait(util.TIMEOUT)

        def running():
            made["running"] = list(util.make_containers().items())
            util.spin_until(stop.is_set)

        def child():
            self.check_claims(made["blocked"] + made["running"])
            # Only now: a new thread may get the id of a vanished one.
            self.check_requests_are_served()

        threads = [util.start_thread(blocked), util.start_thread(running)]
        try:
            self.assertTrue(blocked_ready.wait(util.TIMEOUT))
            self.assertTrue(util.sleep_until(lambda: "running" in made))
            pid = self.fork_and_check(child)
            support.wait_process(pid, exitcode=0, timeout=util.TIMEOUT)
        finally:
            release.set()
            stop.set()
            util.join_threads(*threads)

    @TSAN_NO_THREADS_AFTER_FORK
    @threading_helper.reap_threads
    def test_fork_with_a_request_pending(self):
        # The main thread forks from inside a section on x, while another
        # thread waits for x: its request was deferred, and is still queued
        # in the forking thread when the child starts.  In the child the
        # requester does not exist; the stale request must neither move x
        # nor break later requests.  In the parent the request is served
        # once the section ends.
        made = {}
        ready = threading.Event()
        go = util.Flag()
        base = []
        pids = []

        def requester():
            made["own"] = [0]
            ready.set()
            if util.sleep_until(go.is_set):
                x.append("from requester")

        def child():
            me = threading.get_ident()
            self.assertOwner(x, me)
            self.check_claims([("requester's list", made["own"])])
            x.append("from child")
            self.check_requests_are_served()
            self.assertOwner(x, me)
            self.assertEqual(x[1:], ["from child"])

        # From go.set() until the request is deferred, the section follows
        # the rules of the util module docstring; afterwards the only other
        # thread is waiting, detached, so nothing in it can wait for that.
        util.prepare_thread()
        spin_until_grows = util.spin_until_grows

        def action():
            base.append(util.stats())
            go.set()
            if spin_until_grows("deferred"):
                pids.append(self.fork_and_check(child))

        x = [util.ReprHook(action)]
        thread = util.start_thread(requester)
        try:
            self.assertTrue(ready.wait(util.TIMEOUT))
            repr(x)
            self.assertTrue(pids, "the request was not deferred")
            support.wait_process(pids[0], exitcode=0, timeout=util.TIMEOUT)
        finally:
            go.set()
            util.join_threads(thread)
        self.assertCounted(util.delta(base[0]), "deferred")
        self.assertEqual(x[1:], ["from requester"])


if __name__ == "__main__":
    unittest.main()
