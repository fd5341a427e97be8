"""Cyclic garbage collection while objects change owners.

The free-threaded GC uses ob_tid as scratch space while the world is
stopped, and restores it afterwards from the thread id of the heap segment
holding the object.  In the ownership build ob_tid is the owner, which for
a stolen object is not the thread whose heap holds it, so the GC must
restore the real owner (design, section 3, R4).
"""

import collections
import gc
import sys
import threading
import time
import unittest

from test.support import threading_helper
from test.test_ownership import util

NWORKERS = 3
NOBJECTS = 6
ROUNDS = 200           # minimum rounds of each worker's churn loop
MIN_COLLECTIONS = 2    # the churn goes on until this many collections ran
CHURN_DURATION = 4.0   # cap on the churn, so slow machines finish in time


@util.transfer_policy
class GCDuringTransfersTests(util.OwnershipTest):

    @threading_helper.reap_threads
    def test_collect_while_objects_change_owners(self):
        # Made by the main thread, so they live in its heap.  A list value
        # keeps each dict tracked by the GC, which only rewrites the ob_tid
        # of tracked objects.
        lists = [[] for _ in range(NOBJECTS)]
        dicts = [{"tracked": []} for _ in range(NOBJECTS)]
        objects = lists + dicts
        reports = [None] * NWORKERS
        collections_run = [None]
        go = util.Flag()
        settle = util.Flag()
        leave = util.Flag()

        def worker(w):
            report = {"ident": threading.get_ident(), "rounds": 0,
                      "churned": util.Flag(), "settled": util.Flag()}
            reports[w] = report
            if not util.sleep_until(go.is_set):
                return
            # Churn: take objects that the other workers keep taking too.
            runs = collections_run[0]
            deadline = time.monotonic() + CHURN_DURATION
            r = 0
            while ((r < ROUNDS or len(runs) < MIN_COLLECTIONS)
                   and time.monotonic() < deadline):
                i = (w + r) % NOBJECTS
                lists[i].append((w, r))
                dicts[i][(w, r)] = r
                r += 1
                report["rounds"] = r
            report["churned"].set()
            if not util.sleep_until(settle.is_set):
                return
            # Settle: take objects w, w + NWORKERS, ... for good.
            for i in range(w, NOBJECTS, NWORKERS):
                lists[i].append(("settled", w))
                dicts[i][("settled", w)] = w
            report["settled"].set()
            util.sleep_until(leave.is_set)

        def all_reports(key):
            return all(report[key].is_set() for report in reports)

        def collector():
            runs = []
            collections_run[0] = runs
            if not util.sleep_until(go.is_set):
                return
            deadline = time.monotonic() + CHURN_DURATION
            while not all_reports("churned") and time.monotonic() < deadline:
                gc.collect()
                runs.append(None)

        me = threading.get_ident()
        strays = []

        def churned():
            # Meanwhile, every owner must be a live thread of the test, or
            # None for an object its owner gave up (see below).
            live = {report["ident"] for report in reports} | {me, None}
            strays.extend(owner for owner in map(sys._get_object_owner,
                                                 objects)
                          if owner not in live)
            return all_reports("churned")

        threads = [util.start_thread(worker, w) for w in range(NWORKERS)]
        collector_thread = util.start_thread(collector)
        threads.append(collector_thread)
        try:
            self.assertTrue(util.sleep_until(
                lambda: all(reports) and collections_run[0] is not None))
            before = util.stats()
            go.set()
            self.assertTrue(util.sleep_until(churned))
            counts = util.delta(before)
            util.join_threads(collector_thread)
            settle.set()
            self.assertTrue(util.sleep_until(lambda: all_reports("settled")))
            # Each object now belongs to the worker that settled it, not to
            # the main thread whose heap holds it; a collection (while the
            # owners are blocked) must leave it so.
            settlers = [reports[i % NWORKERS]["ident"]
                        for i in range(NOBJECTS)] * 2  # lists, then dicts
            # An owner may also have given an object up (owner None), as ft
            # does when another thread's decrefs are merged into the owner's
            # count outside a critical section on the object.
            before_gc = list(map(sys._get_object_owner, objects))
            for owner, settler in zip(before_gc, settlers):
                self.assertIn(owner, (settler, None), "before gc.collect()")
            self.assertNotEqual(before_gc.count(None), len(objects))
            gc.collect()
            owners = list(map(sys._get_object_owner, objects))
            self.assertEqual(owners, before_gc, "after gc.collect()")
        finally:
            go.set()
            settle.set()
            leave.set()
            util.join_threads(*threads)

        self.assertEqual(strays, [])
        self.assertGreaterEqual(len(collections_run[0]), MIN_COLLECTIONS)
        # Every worker's first use of an object took it from another thread
        # (its maker, the main thread, or another worker).
        users = collections.defaultdict(set)
        for w, report in enumerate(reports):
            for r in range(report["rounds"]):
                users[(w + r) % NOBJECTS].add(w)
        minimum = 2 * sum(len(ws) for ws in users.values())
        self.assertGreaterEqual(util.transfers(counts), minimum, counts)

        for obj in objects:
            self.assertOwner(obj, None)  # all owners exited
        expected_lists = [collections.Counter() for _ in range(NOBJECTS)]
        expected_dicts = [{"tracked": []} for _ in range(NOBJECTS)]
        for w, report in enumerate(reports):
            for r in range(report["rounds"]):
                expected_lists[(w + r) % NOBJECTS][(w, r)] += 1
                expected_dicts[(w + r) % NOBJECTS][(w, r)] = r
            for i in range(w, NOBJECTS, NWORKERS):
                expected_lists[i][("settled", w)] += 1
                expected_dicts[i][("settled", w)] = w
        for i in range(NOBJECTS):
            self.assertEqual(collections.Counter(lists[i]), expected_lists[i])
            self.assertEqual(dicts[i], expected_dicts[i])


if __name__ == "__main__":
    unittest.main()
