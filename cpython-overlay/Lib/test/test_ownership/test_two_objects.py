"""Two-object critical sections (Py_BEGIN_CRITICAL_SECTION2) on objects
that other threads own and keep using.

Threads form a ring: member i repeatedly combines its own object with the
next member's in one two-object section, while the next member does the
same with the one after it.  Both objects of a section are acquired in
address order, which must keep the ring from deadlocking (design, 2.4).
"""

import time
import unittest

from test.support import threading_helper
from test.test_ownership import util

K = 8              # elements each member's object starts with
ITERATIONS = 200   # two-object sections per member
DURATION = 2.0     # cap on a member's loop, so slow machines finish in time


def initial_keys(i):
    return range(i * K, (i + 1) * K)


class SetUnion:
    """mine |= nxt (set_update_internal() in Objects/setobject.c)."""

    @staticmethod
    def make(i):
        return set(initial_keys(i))

    @staticmethod
    def step(mine, nxt, nxt_initial):
        mine |= nxt
        return mine >= nxt_initial


class DictUpdate:
    """mine.update(nxt) (dict_merge() in Objects/dictobject.c)."""

    @staticmethod
    def make(i):
        return dict.fromkeys(initial_keys(i), i)

    @staticmethod
    def step(mine, nxt, nxt_initial):
        mine.update(nxt)
        return mine.keys() >= nxt_initial.keys()


class ListExtend:
    """mine.extend(nxt) (_list_extend() in Objects/listobject.c), then trim.

    Each member only ever appends to and trims its own list, so every list
    starts with its K initial items whenever another member copies it.
    """

    @staticmethod
    def make(i):
        return list(initial_keys(i))

    @staticmethod
    def step(mine, nxt, nxt_initial):
        mine.extend(nxt)
        copied = mine[K:2 * K]
        del mine[K:]
        return copied == nxt_initial


class TwoObjectSectionTests(util.OwnershipTest):

    def run_ring(self, shape, n):
        """Run *n* members doing shape.step(); return their objects."""
        slots = [None] * n
        go = util.Flag()
        leave = util.Flag()

        def member(i):
            mine = shape.make(i)
            nxt_initial = shape.make((i + 1) % n)
            done = util.Flag()
            failures = []
            slots[i] = (mine, done, failures)
            if not util.sleep_until(go.is_set):
                return
            nxt = slots[(i + 1) % n][0]
            deadline = time.monotonic() + DURATION
            for iteration in range(ITERATIONS):
                if not shape.step(mine, nxt, nxt_initial):
                    failures.append(iteration)
                if time.monotonic() > deadline:
                    break
            done.set()
            util.sleep_until(leave.is_set)

        threads = [util.start_thread(member, i) for i in range(n)]
        try:
            self.assertTrue(util.sleep_until(lambda: all(slots)))
            before = util.stats()
            go.set()
            self.assertTrue(util.sleep_until(
                lambda: all(done.is_set() for _, done, _ in slots)))
            counts = util.delta(before)
        finally:
            go.set()
            leave.set()
            util.join_threads(*threads)
        # Each member's first section needed the next member's object,
        # which that member owned when the window opened.
        self.assertGreaterEqual(util.transfers(counts), n, counts)
        for i, (_, _, failures) in enumerate(slots):
            self.assertEqual(failures, [], f"member {i}")
        return [mine for mine, _, _ in slots]

    def check_unions(self, shape):
        for n in (2, 3):
            with self.subTest(threads=n):
                objs = self.run_ring(shape, n)
                everything = set(range(n * K))
                for i, obj in enumerate(objs):
                    # At least its own keys and the next member's (its last
                    # step copied those); nothing but the ring's keys.
                    own_and_next = (set(initial_keys(i))
                                    | set(initial_keys((i + 1) % n)))
                    self.assertLessEqual(own_and_next, set(obj))
                    self.assertLessEqual(set(obj), everything)
                    if isinstance(obj, dict):
                        # The value is the index of the member that made
                        # the key.
                        self.assertEqual(obj, {key: key // K for key in obj})

    @threading_helper.reap_threads
    def test_set_inplace_union(self):
        self.check_unions(SetUnion)

    @threading_helper.reap_threads
    def test_dict_update(self):
        self.check_unions(DictUpdate)

    @threading_helper.reap_threads
    def test_list_extend(self):
        for n in (2, 3):
            with self.subTest(threads=n):
                objs = self.run_ring(ListExtend, n)
                for i, obj in enumerate(objs):
                    self.assertEqual(obj, ListExtend.make(i))


if __name__ == "__main__":
    unittest.main()
