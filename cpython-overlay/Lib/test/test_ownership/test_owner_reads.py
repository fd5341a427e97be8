"""The owner reads its own lists and dicts as the GIL build does (patch
0014), without ft's defences against concurrent writers: only the owner
writes them.  Its reads stay exact while another thread reads the same
containers lock-free (which has the owner share them) and a third grows
the split keys that the owner's instance dict shares with its class."""

import sys
import threading
import unittest

from test.support import threading_helper
from test.test_ownership import util

TURNS = 50_000


class Shape:
    pass


class OwnerReadTests(util.OwnershipTest):

    @threading_helper.reap_threads
    def test_owner_reads_exact_values_beside_readers_and_key_growth(self):
        mine = Shape()
        mine.a = 0
        mine.b = -1
        dct = vars(mine)            # a split dict, keys shared with Shape
        lst = [0]
        started = util.Flag()
        stop = util.Flag()
        seen = []

        def reader():
            util.prepare_thread()
            started.set()
            stop_is_set = stop.is_set
            n = 0
            while not stop_is_set():
                n += isinstance(lst[0], int) and isinstance(dct["a"], int)
            seen.append(n)

        def grower():
            # New attribute names on new instances add keys to Shape's
            # shared keys, under their lock, while the owner searches them.
            for i in range(200):
                setattr(Shape(), f"attr{i}", i)

        me = threading.get_ident()
        before = util.stats()
        threads = [util.start_thread(reader)]
        try:
            self.assertTrue(util.sleep_until(started.is_set))
            threads.append(util.start_thread(grower))
            for turn in range(TURNS):
                lst[0] = turn
                dct["a"] = turn
                self.assertEqual(lst[0], turn)
                self.assertEqual(dct["a"], turn)
                self.assertEqual(dct["b"], -1)
                self.assertEqual(mine.a, turn)
        finally:
            stop.set()
            util.join_threads(*threads)
        counts = util.delta(before)
        self.assertGreater(seen[0], 0)
        # The containers stayed with their writer, which read them as owner,
        # while the reader had them shared.
        self.assertOwner(lst, me)
        self.assertOwner(dct, me)
        self.assertCounted(counts, "shared")


if __name__ == "__main__":
    unittest.main()
