"""Deadlock shapes: a critical section calls back into Python code that
needs an object of another thread.

The protocol stays deadlock-free because a thread that waits for an object
detaches, and detaching hands over every requested object, including the
objects of its active sections (design, section 2.3).  In these tests the
sections are repr(lst) calling a ReprHook item's repr() (see util.ReprHook),
and the code run inside them follows the rules of the util module
docstring.
"""

import sys
import threading
import unittest

from test.support import threading_helper
from test.test_ownership import util


class NestedSectionTests(util.OwnershipTest):

    @threading_helper.reap_threads
    def test_waiting_inside_a_section_hands_over_its_object(self):
        # A chain of waits, each for an object held in an active section:
        # C asks for x, which A holds in a section; A, still inside it,
        # asks for y, which B holds in a section until C has got x.  So C
        # can only get x from A while A waits inside its section: waiting
        # detaches A, which hands x over although its section is active.
        # The main thread only watches, so that a deadlock shows as a join
        # that times out.
        made = {}
        a_inside = util.Flag()
        b_inside = util.Flag()
        c_done = util.Flag()

        def thread_b():
            util.prepare_thread()
            spin_until = util.spin_until
            inside = b_inside.set
            c_done_is_set = c_done.is_set

            def action():
                inside()
                spin_until(c_done_is_set)

            y = [util.ReprHook(action)]
            made["y"] = y
            repr(y)

        def thread_a():
            util.prepare_thread()
            spin_until_grows = util.spin_until_grows
            inside = a_inside.set
            append_to_y = made["y"].append

            def action():
                inside()
                # Stay running in the section until C's request for x has
                # been looked at, and deferred, here.
                spin_until_grows("deferred")
                append_to_y("from A")

            x = [util.ReprHook(action)]
            made["x"] = x
            made["repr"] = repr(x)

        def thread_c(x):
            before = util.stats()
            x.append("from C")
            made["counts"] = util.delta(before)
            c_done.set()

        threads = [util.start_thread(thread_b)]
        try:
            self.assertTrue(util.sleep_until(b_inside.is_set))
            threads.append(util.start_thread(thread_a))
            self.assertTrue(util.sleep_until(a_inside.is_set))
            threads.append(util.start_thread(thread_c, made["x"]))
            util.join_threads(threads[-1])
        finally:
            c_done.set()  # lets B go if C did not get x
            util.join_threads(*threads)
        counts = made["counts"]
        self.assertCounted(counts, "deferred")
        self.assertCounted(counts, "handoff_detach")
        self.assertEqual(made["x"][1:], ["from C"])
        self.assertEqual(made["y"][1:], ["from A"])
        self.assertTrue(made["repr"].startswith("[ReprHook()"), made["repr"])


class RingTests(util.OwnershipTest):

    def check_ring(self, n):
        """Run a ring of *n* threads, each needing the next one's object.

        Member i is inside a section on its list lists[i] and, still
        inside it, appends to lists[i + 1], which the next member holds in
        its own active section: every member waits for the next one.  The
        last member keeps running in its section until a request has been
        deferred (normally the one for its list), so "deferred" must count.
        Some member must then get a list while its owner is blocked inside
        that list's section: taken directly from the waiting owner, or
        handed over by the owner as it detached to wait.
        """
        lists = [None] * n
        outs = [None] * n
        inside = [util.Flag() for _ in range(n)]
        go = util.Flag()

        def member(i):
            out = {}
            outs[i] = out
            util.prepare_thread()
            spin_until = util.spin_until
            spin_until_grows = util.spin_until_grows
            entered = inside[i].set
            go_is_set = go.is_set
            snapshot = sys._ownership_stats
            last = i == n - 1
            append_to_next = None

            def action():
                entered()
                spin_until(go_is_set)
                if last:
                    spin_until_grows("deferred")
                append_to_next(f"from {i}")
                out["counts"] = snapshot()

            mine = [util.ReprHook(action)]
            lists[i] = mine
            # Bind the next member's list now: reading `lists` inside the
            # section could wait (see the util module docstring).
            if not util.sleep_until(lambda: all(lists)):
                return
            append_to_next = lists[(i + 1) % n].append
            out["repr"] = repr(mine)

        threads = [util.start_thread(member, i) for i in range(n)]
        try:
            self.assertTrue(util.sleep_until(
                lambda: all(flag.is_set() for flag in inside)))
            before = util.stats()
            go.set()
        finally:
            go.set()
            util.join_threads(*threads)
        # The last member's snapshot, taken right after its append, follows
        # the transfers that let the ring make progress.
        counts = util.delta(before, outs[n - 1]["counts"])
        self.assertCounted(counts, "deferred")
        self.assertGreaterEqual(
            counts["taken_detached"] + counts["handoff_detach"], 1, counts)
        for i in range(n):
            self.assertEqual(lists[i][1:], [f"from {(i - 1) % n}"])
            self.assertTrue(outs[i]["repr"].startswith("[ReprHook()"),
                            outs[i]["repr"])

    @threading_helper.reap_threads
    def test_two_threads_need_each_others_object(self):
        self.check_ring(2)

    @threading_helper.reap_threads
    def test_three_threads_in_a_cycle(self):
        self.check_ring(3)


class InternalMutexTests(util.OwnershipTest):

    @threading_helper.reap_threads
    def test_owner_blocked_on_a_mutex_that_does_not_detach(self):
        # sys.intern() locks the interned strings' mutex without detaching
        # and, holding it, acquires the interned dict.  A thread that owns
        # the dict and blocks on that mutex must let the holder take the
        # dict (its ownership lock is released while it is parked), or
        # neither moves again.  Threads are daemons, so a deadlock shows as
        # a join that times out.
        rounds, threads, per_thread = 60, 5, 20
        before = util.stats()
        for round_ in range(rounds):
            strings = []
            start = threading.Barrier(threads)

            def interner():
                start.wait()
                for i in range(per_thread):
                    strings.append(sys.intern(f"own_{round_}_{id(start)}_{i}"))

            util.join_threads(*[util.start_thread(interner)
                                for _ in range(threads)])
            self.assertEqual(len(strings), threads * per_thread)
        self.assertGreater(util.transfers(util.delta(before)), 0)


if __name__ == "__main__":
    unittest.main()
