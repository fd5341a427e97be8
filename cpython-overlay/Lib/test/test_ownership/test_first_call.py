"""A thread's first call of a function creates its own copy of the bytecode
(thread-local bytecode) under a lock of its own, not in a critical section
on the code object (patch 0033): the call asks no other thread for the code
object, and the code object stays with the thread that made it, even while
that thread runs and could answer a request at its next eval breaker."""

import sys
import threading
import unittest

from test.support import threading_helper
from test.test_ownership import util


class FirstCallTests(util.OwnershipTest):

    @util.thread_local_bytecode()
    @threading_helper.reap_threads
    def test_first_call_leaves_the_code_object_with_its_owner(self):
        namespace = {}
        exec("def add_one(x):\n    return x + 1\n", namespace)
        add_one = namespace["add_one"]
        code = add_one.__code__
        self.assertOwner(code, threading.get_ident())
        go = util.Flag()
        done = util.Flag()
        release = util.Flag()
        got = []

        def first_call(spin_until=util.spin_until,
                       get_owner=sys._get_object_owner):
            util.prepare_thread()
            spin_until(go.is_set)
            result = add_one(1)
            owner = get_owner(code)
            done.set()
            # got belongs to the main thread: append after its window.
            spin_until(release.is_set)
            got.extend((result, owner))

        thread = util.start_thread(first_call)
        try:
            counts = util.signal_and_spin(go, done)
        finally:
            release.set()
            util.join_threads(thread)
        self.assertEqual(got, [2, threading.get_ident()])
        self.assertOwner(code, threading.get_ident())
        self.assertEqual(counts["requests"], 0, counts)
        self.assertEqual(util.transfers(counts), 0, counts)


if __name__ == "__main__":
    unittest.main()
