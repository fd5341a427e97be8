"""A read that the size of an empty container answers needs none of its
items: iterating an empty list that another thread owns, and calling a
function with f(**kwargs) where kwargs is another thread's empty dict,
neither share the container nor take it (patch 0022).  The controls with
one item show that the same reads do share or take a container that has
items, so the counters can see the difference."""

import sys
import threading
import unittest

from test.support import threading_helper
from test.test_ownership import util

READS = 1_000


def takes_anything(*args, **kwargs):
    return kwargs


class EmptyReadTests(util.OwnershipTest):

    def run_with_blocked_owner(self, make, read):
        """Have a thread make an object with make() and block; call
        read(obj) READS times in this thread.  Return the counter deltas
        and whether the maker still owns the object."""
        with util.blocked_owner(make) as made:
            obj = made[0]
            owner_id = sys._get_object_owner(obj)
            self.assertNotEqual(owner_id, threading.get_ident())
            before = util.stats()
            for _ in range(READS):
                read(obj)
            counts = util.delta(before)
            still_owned = sys._get_object_owner(obj) == owner_id
        return counts, still_owned

    @staticmethod
    def iterate(lst):
        for item in lst:
            assert isinstance(item, tuple)

    @threading_helper.reap_threads
    def test_iterating_an_empty_list_shares_nothing(self):
        counts, still_owned = self.run_with_blocked_owner(list, self.iterate)
        self.assertTrue(still_owned)
        self.assertEqual(counts["shared"], 0, counts)
        self.assertEqual(util.transfers(counts), 0, counts)

    @threading_helper.reap_threads
    def test_iterating_a_list_with_an_item_shares_it(self):
        counts, still_owned = self.run_with_blocked_owner(
            lambda: [(1,)], self.iterate)
        self.assertTrue(still_owned)
        self.assertCounted(counts, "shared")

    @threading_helper.reap_threads
    def test_calling_with_empty_kwargs_takes_nothing(self):
        counts, still_owned = self.run_with_blocked_owner(
            dict, lambda kwargs: takes_anything(**kwargs))
        self.assertTrue(still_owned)
        self.assertEqual(util.transfers(counts), 0, counts)
        self.assertEqual(counts["shared"], 0, counts)

    @threading_helper.reap_threads
    def test_calling_with_kwargs_takes_them(self):
        counts, _ = self.run_with_blocked_owner(
            lambda: {"key": (1,)}, lambda kwargs: takes_anything(**kwargs))
        # Copying the items is a section on the dict: it moves.
        self.assertCounted(counts, "taken_detached")


if __name__ == "__main__":
    unittest.main()
