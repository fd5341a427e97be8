"""A thread specializes loads of globals, builtins, module attributes and
instance attributes from lock-free reads of dicts and objects that another
running thread owns (patch 0034): it asks the owner for none of them, and
they stay with their owner.  The specialized instructions check the keys
version (or the values) before they use what was cached, so they still see
later changes."""

import sys
import threading
import types
import unittest

from test.test_ownership import util

SOURCE = """\
import math

LIMIT = 1

class Point:
    def __init__(self):
        self.x = 1

def read_global(n):
    total = 0
    for _ in range(n):
        total += LIMIT
    return total

def read_attribute(point, n):
    total = 0
    for _ in range(n):
        total += point.x
    return total

def read_module_attribute(n):
    total = 0.0
    for _ in range(n):
        total += math.pi
    return total
"""

LOOPS = 100


@unittest.skipUnless(sys._xoptions.get("tlbc", "1") != "0",
                     "every thread runs the same bytecode with tlbc=0")
class UnownedSpecializationTests(util.OwnershipTest):

    def setUp(self):
        super().setUp()
        # A module of its own, so that its dict is made (and owned) here
        # and no other test's thread has read it.
        self.module = types.ModuleType("unowned_specialization")
        exec(SOURCE, self.module.__dict__)
        self.point = self.module.Point()
        # Specialized here first: that gives the keys their versions.
        self.expected = self.read_all()

    def read_all(self):
        m = self.module
        return (m.read_global(LOOPS), m.read_attribute(self.point, LOOPS),
                m.read_module_attribute(LOOPS))

    def run_in_worker(self):
        """Run read_all() in a new thread while this thread spins, owning
        the module's dict and the point; return (its results, the counter
        deltas of the window)."""
        go = util.Flag()
        done = util.Flag()
        release = util.Flag()
        got = []

        m = self.module

        def worker(spin_until=util.spin_until, n=LOOPS, point=self.point,
                   read_global=m.read_global,
                   read_attribute=m.read_attribute,
                   read_module_attribute=m.read_module_attribute):
            util.prepare_thread()
            spin_until(go.is_set)
            result = (read_global(n), read_attribute(point, n),
                      read_module_attribute(n))
            done.set()
            # got belongs to the main thread: append after its window.
            spin_until(release.is_set)
            got.append(result)

        thread = util.start_thread(worker)
        try:
            counts = util.signal_and_spin(go, done)
        finally:
            release.set()
            util.join_threads(thread)
        return got[0], counts

    def test_specializing_asks_no_owner(self):
        me = threading.get_ident()
        self.assertOwner(self.module.__dict__, me)
        self.assertOwner(self.point, me)
        result, counts = self.run_in_worker()
        self.assertEqual(result, self.expected)
        # LOAD_GLOBAL_MODULE, LOAD_GLOBAL_BUILTIN (range), LOAD_ATTR_MODULE
        # and LOAD_ATTR_INSTANCE_VALUE.
        self.assertCounted(counts, "unowned_specializations", 4)
        self.assertEqual(counts["requests"], 0, counts)
        self.assertEqual(util.transfers(counts), 0, counts)
        self.assertOwner(self.module.__dict__, me)
        self.assertOwner(self.point, me)

    def test_specialized_loads_see_later_changes(self):
        self.run_in_worker()
        namespace = self.module.__dict__
        namespace["LIMIT"] = 2
        # New keys give the keys a new version, or new keys altogether.
        for i in range(20):
            namespace[f"filler{i}"] = i
        self.point.x = 3
        result, counts = self.run_in_worker()
        self.assertEqual(result[:2], (2 * LOOPS, 3 * LOOPS))
        self.assertEqual(counts["requests"], 0, counts)


if __name__ == "__main__":
    unittest.main()
