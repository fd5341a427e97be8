"""A thread specializes loads of globals, builtins, module attributes and
instance attributes from lock-free reads of dicts and objects that another
running thread owns (patch 0034): it asks the owner for none of them, and
they stay with their owner.  The specialized instructions check the keys
version (or the values) before they use what was cached, so they still see
later changes."""

import threading
import types
import unittest

from test.test_ownership import util

SOURCE = """\
LIMIT = 1

class Point:
    def __init__(self):
        self.x = 1

def read_global(n):
    total = 0
    for _ in range(n):
        total += LIMIT
    return total

def read_builtin(n):
    total = 0
    for _ in range(n):
        total += abs(-1)
    return total

def read_attribute(point, n):
    total = 0
    for _ in range(n):
        total += point.x
    return total

def read_module_attribute(n):
    total = 0.0
    for _ in range(n):
        total += helper.pi
    return total
"""

LOOPS = 100


@util.thread_local_bytecode()
class UnownedSpecializationTests(util.OwnershipTest):

    def setUp(self):
        super().setUp()
        # A module of its own, so that its dict is made (and owned) here
        # and no other test's thread has read it.
        self.module = types.ModuleType("unowned_specialization")
        self.module.helper = types.ModuleType("helper")
        self.module.helper.pi = 3.0
        exec(SOURCE, self.module.__dict__)
        self.point = self.module.Point()
        # Specialized here first: that gives the keys their versions.
        self.expected = self.read_all()

    def read_all(self):
        m = self.module
        return (m.read_global(LOOPS), m.read_attribute(self.point, LOOPS),
                m.read_module_attribute(LOOPS), m.read_builtin(LOOPS))

    def run_worker(self, rounds, between):
        """Run the three functions in one new thread, *rounds* times; before
        each round after the first this thread calls between().  Return the
        results of each round and the counter deltas of the windows in
        which the worker ran while this thread spun, owning the module's
        dict and the point."""
        go = [util.Flag() for _ in range(rounds)]
        done = [util.Flag() for _ in range(rounds)]
        release = util.Flag()
        results = [None] * rounds
        m = self.module

        def worker(spin_until=util.spin_until, n=LOOPS, point=self.point,
                   read_global=m.read_global,
                   read_attribute=m.read_attribute,
                   read_module_attribute=m.read_module_attribute,
                   read_builtin=m.read_builtin):
            util.prepare_thread()
            mine = []
            for i in range(rounds):
                spin_until(go[i].is_set)
                mine.append((read_global(n), read_attribute(point, n),
                             read_module_attribute(n), read_builtin(n)))
                done[i].set()
            # results belongs to the main thread: store after its windows.
            spin_until(release.is_set)
            results[:] = mine

        thread = util.start_thread(worker)
        counts = []
        try:
            for i in range(rounds):
                if i:
                    between()
                counts.append(util.signal_and_spin(go[i], done[i]))
        finally:
            release.set()
            util.join_threads(thread)
        return results, counts

    def test_specializing_asks_no_owner(self):
        me = threading.get_ident()
        self.assertOwner(self.module.__dict__, me)
        self.assertOwner(self.point, me)
        results, [counts] = self.run_worker(1, None)
        self.assertEqual(results, [self.expected])
        self.assertEqual(counts["requests"], 0, counts)
        self.assertEqual(util.transfers(counts), 0, counts)
        # The loads in the loops (range is loaded once a call, too few
        # times to specialize): LOAD_GLOBAL_MODULE (LIMIT, helper),
        # LOAD_GLOBAL_BUILTIN (abs), LOAD_ATTR_MODULE (helper.pi) and
        # LOAD_ATTR_INSTANCE_VALUE (point.x).
        self.assertCounted(counts, "unowned_specializations", 5)
        self.assertOwner(self.module.__dict__, me)
        self.assertOwner(self.point, me)

    def test_specialized_loads_see_later_changes(self):
        namespace = self.module.__dict__
        changes = iter([self.change_values, self.add_keys])
        results, counts = self.run_worker(3, lambda: next(changes)())
        self.assertEqual([r[:2] for r in results],
                         [(LOOPS, LOOPS), (2 * LOOPS, 3 * LOOPS),
                          (4 * LOOPS, 3 * LOOPS)])
        for window in counts:
            self.assertEqual(window["requests"], 0, window)
        # The worker specialized again after the keys changed.
        self.assertCounted(counts[2], "unowned_specializations")
        self.assertOwner(namespace, threading.get_ident())

    def change_values(self):
        """Change a global and the attribute: the keys keep their version."""
        self.module.LIMIT = 2
        self.point.x = 3

    def add_keys(self):
        """Add globals: the keys get a new version, or new keys a new one,
        which running the functions here gives them."""
        namespace = self.module.__dict__
        for i in range(20):
            namespace[f"filler{i}"] = i
        namespace["LIMIT"] = 4
        self.read_all()


if __name__ == "__main__":
    unittest.main()
