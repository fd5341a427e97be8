"""Threads that exit while they own objects."""

import _thread
import functools
import threading
import unittest

from test.support import threading_helper
from test.test_ownership import util


class ThreadExitTests(util.OwnershipTest):

    @threading_helper.reap_threads
    def test_objects_of_an_exited_thread_are_claimed(self):
        made = {}

        def worker():
            made["containers"] = list(util.make_containers().items())

        util.join_threads(util.start_thread(worker))
        me = threading.get_ident()
        for name, obj in made["containers"]:
            with self.subTest(name):
                self.assertOwner(obj, None)
                before = util.stats()
                util.mutate(obj, 1)
                counts = util.delta(before)
                # "claimed" if the runtime merged the object when its owner
                # exited, "claimed_dead" if it still names the owner.
                self.assertGreaterEqual(
                    counts["claimed_dead"] + counts["claimed"], 1, counts)
                self.assertEqual(counts["requests"], 0, counts)
                self.assertOwner(obj, me)
                self.assertEqual(sorted(obj), [0, 1])

    @util.transfer_policy
    @threading_helper.reap_threads
    def test_request_pending_at_exit_is_served(self):
        # The worker runs nothing but lst.sort(key=key): functools.partial
        # is C code, called straight from the thread's bootstrap in
        # Modules/_threadmodule.c.  The key function keeps running inside
        # the sort's section until thread C's request for lst has been
        # deferred; after the key function has returned for the last time,
        # the worker reaches no eval-breaker check before it exits, so only
        # its exit can serve the request.  The main thread only watches.
        lst = list(range(20, 0, -1))
        inside = util.Flag()
        results = {}
        # The key function runs inside the section: see the util module
        # docstring.
        inside_is_set = inside.is_set
        entered = inside.set
        prepare_thread = util.prepare_thread
        spin_until_grows = util.spin_until_grows

        def key(item):
            if not inside_is_set():
                prepare_thread()  # before C can ask for lst
                entered()
                spin_until_grows("deferred")
            return item

        def thread_c():
            before = util.stats()
            lst.append(0)
            results["counts"] = util.delta(before)

        handle = _thread.start_joinable_thread(
            functools.partial(lst.sort, key=key))
        threads = []
        try:
            self.assertTrue(util.sleep_until(inside.is_set))
            threads.append(util.start_thread(thread_c))
            util.join_threads(*threads)
        finally:
            handle.join(util.TIMEOUT)
        self.assertTrue(handle.is_done())
        counts = results["counts"]
        self.assertCounted(counts, "deferred")
        self.assertCounted(counts, "handoff_detach")
        self.assertEqual(lst, list(range(1, 21)) + [0])


if __name__ == "__main__":
    unittest.main()
