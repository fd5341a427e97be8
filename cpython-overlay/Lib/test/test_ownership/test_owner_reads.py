"""The owner reads its own lists and dicts as the GIL build does (patches
0014 and 0019), without ft's defences against concurrent writers: only the
owner writes them.  Its reads stay exact while another thread reads the
same containers lock-free (which has the owner share them) and a third
grows the split keys that the owner's instance dict shares with its class.
A lookup that must run __eq__ leaves the owner's path, because __eq__ may
hand the dict over: it stays exact when another thread takes the dict and
rebuilds it meanwhile."""

import sys
import threading
import unittest

from test.support import threading_helper
from test.test_ownership import util

TURNS = 50_000


class Shape:
    pass


class Reader:
    """A thread that calls read() until stop is set, then appends to reads
    how many of its calls returned true."""

    def __init__(self, read):
        self.started = util.Flag()
        self.stop = util.Flag()
        self.reads = []
        self.thread = util.start_thread(self._run, read)

    def _run(self, read):
        util.prepare_thread()
        self.started.set()
        stop_is_set = self.stop.is_set
        n = 0
        while not stop_is_set():
            n += read()
        self.reads.append(n)


class OwnerReadTests(util.OwnershipTest):

    def assertStayedWithWriter(self, reader, before, *containers):
        """Assert that the stopped *reader* read, and that *containers*
        stayed with this thread, their writer, which read them as owner
        while the reader had them shared (counted since *before*)."""
        counts = util.delta(before)
        self.assertGreater(reader.reads[0], 0)
        for container in containers:
            self.assertOwner(container, threading.get_ident())
        self.assertCounted(counts, "shared")

    @threading_helper.reap_threads
    def test_owner_reads_exact_values_beside_readers_and_key_growth(self):
        mine = Shape()
        mine.a = 0
        mine.b = -1
        dct = vars(mine)            # a split dict, keys shared with Shape
        lst = [0]

        def grower():
            # New attribute names on new instances add keys to Shape's
            # shared keys, under their lock, while the owner searches them.
            for i in range(200):
                setattr(Shape(), f"attr{i}", i)

        before = util.stats()
        reader = Reader(
            lambda: isinstance(lst[0], int) and isinstance(dct["a"], int))
        threads = [reader.thread]
        try:
            self.assertTrue(util.sleep_until(reader.started.is_set))
            threads.append(util.start_thread(grower))
            for turn in range(TURNS):
                lst[0] = turn
                dct["a"] = turn
                self.assertEqual(lst[0], turn)
                self.assertEqual(dct["a"], turn)
                self.assertEqual(dct["b"], -1)
                self.assertEqual(mine.a, turn)
        finally:
            reader.stop.set()
            util.join_threads(*threads)
        self.assertStayedWithWriter(reader, before, lst, dct)

    @threading_helper.reap_threads
    def test_owner_reads_int_and_float_keys_and_list_items_beside_a_reader(self):
        dct = {i: i for i in range(100)}    # keys of any type (not all str)
        lst = list(range(10))
        before = util.stats()
        reader = Reader(
            lambda: isinstance(lst[3], int) and isinstance(dct[42], int))
        try:
            self.assertTrue(util.sleep_until(reader.started.is_set))
            for turn in range(TURNS):
                key = turn % 100
                dct[key] = turn
                lst[turn % 10] = turn
                self.assertEqual(dct[key], turn)
                self.assertEqual(dct[float(key)], turn)    # 1.0 == 1
                self.assertNotIn(key + 1000, dct)
                self.assertEqual(lst[turn % 10], turn)
        finally:
            reader.stop.set()
            util.join_threads(reader.thread)
        self.assertStayedWithWriter(reader, before, lst, dct)

    @threading_helper.reap_threads
    def test_owner_lookup_that_runs_eq_stays_exact_when_the_dict_is_taken(self):
        asked = util.Flag()
        saw_ask = util.Flag()
        rebuilt = util.Flag()
        slept = []

        class Key:
            # Same hash as 5: looking up 5 compares with it, which runs
            # this __eq__.  It sleeps (detaches) until the other thread has
            # taken the dict and rebuilt it.
            def __hash__(self):
                return 5

            def __eq__(self, other):
                asked.set()
                slept.append(util.sleep_until(rebuilt.is_set))
                return False

        dct = {Key(): "old"}

        def taker():
            util.prepare_thread()
            if util.spin_until(asked.is_set):
                saw_ask.set()
            dct.clear()             # frees the keys the owner was searching
            dct[5] = "new"
            rebuilt.set()

        me = threading.get_ident()
        before = util.stats()
        thread = util.start_thread(taker)
        try:
            value = dct[5]
        finally:
            rebuilt.set()
            util.join_threads(thread)
        counts = util.delta(before)
        self.assertTrue(saw_ask.is_set())
        self.assertEqual(slept, [True])
        self.assertEqual(value, "new")
        # The dict is the only object the taker wrote: it moved.
        self.assertGreaterEqual(util.transfers(counts), 1, counts)
        self.assertNotEqual(sys._get_object_owner(dct), me)


if __name__ == "__main__":
    unittest.main()
