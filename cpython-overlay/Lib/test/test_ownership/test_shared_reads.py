"""Reads never move an object: a thread that reads a list, a dict or an
instance attribute that a running thread owns and keeps writing has the
owner share it (patch 0011) instead of taking it over, and so does a
thread that iterates a dict (patch 0021)."""

import sys
import threading
import unittest

from test.support import threading_helper
from test.test_ownership import util

READS = 20_000
WARM_UP_READS = 1_000
# Samples in which the reader owns a container.  Before patch 0011 a read
# that failed lock-free took the container, about every other sample.  A
# few are allowed: a container whose owner gave it up (its local count hit
# zero) is claimed by whichever thread touches it first.
MAX_READER_OWNED = READS // 100


class Box:
    pass


class SharedReadTests(util.OwnershipTest):

    @threading_helper.reap_threads
    def test_reader_leaves_containers_with_their_writer(self):
        made = {}
        ready = util.Flag()
        stop = util.Flag()

        def writer():
            util.prepare_thread()
            # Made here, so that no other thread has read them yet.  A new
            # object goes into each on every turn: a new tuple has a zero
            # shared count, which makes ft's lock-free read fall back to a
            # section.
            lst = made["list"] = [(0,)]
            # A key that is not interned (so mortal, with a zero shared
            # count): a reader's lookup with an equal string increfs it.
            key = "".join(["ke", "y"])
            dct = made["dict"] = {key: (0,)}
            box = made["box"] = Box()
            box.attr = (0,)
            ready.set()
            turn = 0
            stop_is_set = stop.is_set
            while not stop_is_set():
                turn += 1
                lst[0] = (turn,)
                dct[key] = (turn,)
                box.attr = (turn,)

        thread = util.start_thread(writer)
        try:
            self.assertTrue(util.sleep_until(ready.is_set))
            lst, dct, box = made["list"], made["dict"], made["box"]
            key = "".join(["k", "ey"])  # equal to the writer's, not the same
            me = threading.get_ident()
            owner_of = sys._get_object_owner

            def read(times):
                owned = 0
                for _ in range(times):
                    self.assertIsInstance(lst[0], tuple)
                    self.assertIsInstance(dct[key], tuple)
                    self.assertIsInstance(box.attr, tuple)
                    if me in (owner_of(lst), owner_of(dct), owner_of(box)):
                        owned += 1
                return owned

            # Samples are counted once the loop has run (its first runs
            # specialize, which may take a container once) and the writer
            # has what it writes back.  The counters cover both phases: the
            # first reads are the ones that have the writer share.
            before = util.stats()
            read(WARM_UP_READS)
            self.assertTrue(util.sleep_until(
                lambda: me not in (owner_of(lst), owner_of(dct),
                                   owner_of(box))))
            reader_owned = read(READS)
            counts = util.delta(before)
        finally:
            stop.set()
            util.join_threads(thread)
        self.assertLessEqual(reader_owned, MAX_READER_OWNED, counts)
        # The read path that leaves the owner alone ran.
        self.assertCounted(counts, "shared")

    @threading_helper.reap_threads
    def test_globals_read_by_another_thread_publish_what_their_owner_stores(self):
        # A module's globals get a keys version when LOAD_GLOBAL specializes
        # on them, which marks them shared for QSBR as in ft, but their owner
        # publishes what it stores (patch 0020) only once another thread has
        # read them.  After that first share, the reader reads what the
        # writer stores on every turn without asking again.
        made = {}
        ready = util.Flag()
        stop = util.Flag()
        source = "def read():\n    return x\n"

        def writer():
            util.prepare_thread()
            g = made["globals"] = {"__builtins__": __builtins__, "x": (0,)}
            exec(source, g)
            for _ in range(1000):
                g["read"]()         # specializes LOAD_GLOBAL: a keys version
            ready.set()
            turn = 0
            stop_is_set = stop.is_set
            while not stop_is_set():
                turn += 1
                g["x"] = (turn,)

        thread = util.start_thread(writer)
        try:
            self.assertTrue(util.sleep_until(ready.is_set))
            g = made["globals"]
            writer_id = sys._get_object_owner(g)
            before = util.stats()
            # Subscripts only: a LOAD_GLOBAL that specializes here would
            # lock g for its keys version, which takes g (the specializer's
            # sections are not reads that share).
            for _ in range(READS):
                self.assertIsInstance(g["x"], tuple)
            counts = util.delta(before)
            self.assertOwner(g, writer_id)
        finally:
            stop.set()
            util.join_threads(thread)
        self.assertCounted(counts, "shared")
        # Without publication every new tuple would fail the lock-free read
        # and be shared again: about one request per read.
        self.assertLessEqual(counts["share_requests"], MAX_READER_OWNED,
                             counts)

    @threading_helper.reap_threads
    def test_iterating_a_dict_leaves_it_with_its_writer(self):
        # Iteration increfs each key and value lock-free and fell back to
        # a section, which took the dict, when one was refused (patch 0021:
        # it has the owner share the dict instead).
        made = {}
        ready = util.Flag()
        stop = util.Flag()

        def writer():
            util.prepare_thread()
            # Keys that are not interned, values that are new on each turn:
            # all with a zero shared count until the dict is shared.
            keys = ["".join(["k", str(i)]) for i in range(8)]
            dct = made["dict"] = {key: (0,) for key in keys}
            ready.set()
            turn = 0
            stop_is_set = stop.is_set
            while not stop_is_set():
                turn += 1
                dct[keys[turn % 8]] = (turn,)

        thread = util.start_thread(writer)
        try:
            self.assertTrue(util.sleep_until(ready.is_set))
            dct = made["dict"]
            writer_id = sys._get_object_owner(dct)
            me = threading.get_ident()
            reader_owned = 0
            before = util.stats()
            for _ in range(READS // 10):
                # A for loop: list(dct.items()) copies under a section.
                n = 0
                for key, value in dct.items():
                    self.assertIsInstance(key, str)
                    self.assertIsInstance(value, tuple)
                    n += 1
                self.assertEqual(n, 8)
                if sys._get_object_owner(dct) == me:
                    reader_owned += 1
            counts = util.delta(before)
            self.assertOwner(dct, writer_id)
        finally:
            stop.set()
            util.join_threads(thread)
        self.assertLessEqual(reader_owned, MAX_READER_OWNED // 10, counts)
        self.assertCounted(counts, "shared")

    @threading_helper.reap_threads
    def test_detached_owner_shares_without_answering(self):
        # The owner is blocked on a lock: the reader shares the list
        # itself, under the owner's ownership lock, and the owner keeps it.
        with util.blocked_owner(lambda: [(1,)]) as made:
            lst = made[0]
            owner_id = sys._get_object_owner(lst)
            before = util.stats()
            self.assertEqual(lst[0], (1,))
            counts = util.delta(before)
            self.assertOwner(lst, owner_id)
        self.assertCounted(counts, "shared")
        self.assertEqual(counts["share_requests"], 0, counts)

if __name__ == "__main__":
    unittest.main()
