"""Demotion to ft's locking: the "share" and "adaptive" policies.

A thread that takes an object from another thread may demote it (see the
top of Python/ownership.c): nobody owns it from then on, its critical
sections lock ob_mutex as in ft, and sys._get_object_owner() returns None
for it.  "share" demotes at the first take, "adaptive" when the object is
taken again soon: by the same thread, or from a thread that had taken it
soon before (patch 0029).  "transfer" never demotes.  test_policies runs
these tests under each policy.
"""

import _thread
import contextlib
import functools
import sys
import threading
import unittest

from test.support import threading_helper
from test.test_ownership import util

TURNS = 200
APPENDS = 20_000


def demotes_at(policy):
    """Which take of an object by the same thread demotes it (0: never)."""
    return {"share": 1, "adaptive": 2, "transfer": 0}[policy]


def needs_demotion(test):
    """Skip *test* under a policy that demotes nothing ("transfer")."""
    return unittest.skipUnless(
        demotes_at(util.POLICY),
        f"nothing is demoted under {util.POLICY!r}")(test)


def in_turns(obj, turns, write):
    """Two threads call write(obj, value) in strict alternation.

    Each turn moves the object to the other thread (from a thread blocked
    in a lock, or at its detach).  Returns the two threads' idents.
    """
    turn = [_thread.allocate_lock(), _thread.allocate_lock()]
    turn[1].acquire()
    idents = [None, None]

    def player(me):
        idents[me] = threading.get_ident()
        for i in range(turns):
            turn[me].acquire()
            write(obj, 2 * i + me)
            turn[1 - me].release()

    threads = [util.start_thread(player, me) for me in (0, 1)]
    util.join_threads(*threads)
    return idents


@contextlib.contextmanager
def blocked_writer(write):
    """Run write() in a new thread, which then blocks until the block ends.

    Yields the thread once write() has returned: alive and blocked, so what
    it wrote keeps its owner while the caller reads it.  The thread waits on
    raw locks, which involve no object with an owner (threading.Event's
    Condition moves between the threads that use it), and after write() it
    touches only its own locals: a read of a cell of the caller would share
    that cell with the caller.
    """
    stored, leave = [_thread.allocate_lock() for _ in range(2)]
    stored.acquire()
    leave.acquire()

    def writer(write, stored, leave):
        write()
        stored.release()
        leave.acquire()

    thread = util.start_thread(writer, write, stored, leave)
    try:
        if not stored.acquire(timeout=util.TIMEOUT):
            raise AssertionError("the writer thread did not finish writing")
        yield thread
    finally:
        leave.release()
        util.join_threads(thread)


def append(obj, value):
    obj.append(value)


def store(obj, value):
    obj[value] = value


class DemotionTests(util.OwnershipTest):

    def demoted_list(self):
        """A list that two threads wrote in turn, demoted (or not)."""
        lst = []
        in_turns(lst, TURNS, append)
        return lst

    @threading_helper.reap_threads
    def test_objects_written_in_turn(self):
        for name, obj, write in (("list", [], append), ("dict", {}, store)):
            with self.subTest(name):
                before = util.stats()
                in_turns(obj, TURNS, write)
                counts = util.delta(before)
                owner = sys._get_object_owner(obj)
                self.assertEqual(sorted(obj), list(range(2 * TURNS)))
                moves = util.transfers(counts)
                if demotes_at(util.POLICY):
                    self.assertCounted(counts, "demotions")
                    self.assertIsNone(owner)     # demoted (or owner exited)
                    # Once demoted, an object stays unowned: it does not
                    # move on every turn any more.
                    self.assertLess(moves, TURNS, counts)
                else:
                    self.assertEqual(counts["demotions"], 0)
                    self.assertGreaterEqual(moves, 2 * TURNS - 1, counts)

    @threading_helper.reap_threads
    def test_one_take_demotes_only_under_share(self):
        made = []
        done = threading.Event()
        leave = threading.Event()

        def maker():
            made.append([0])
            done.set()
            leave.wait()

        thread = util.start_thread(maker)
        try:
            self.assertTrue(done.wait(util.TIMEOUT))
            lst = made[0]
            before = util.stats()
            lst.append(1)       # one take
            counts = util.delta(before)
            self.assertGreaterEqual(util.transfers(counts), 1, counts)
            if demotes_at(util.POLICY) == 1:
                self.assertCounted(counts, "demotions")
                self.assertOwner(lst, None)
            else:
                self.assertOwner(lst, threading.get_ident())
        finally:
            leave.set()
            util.join_threads(thread)
        self.assertEqual(lst, [0, 1])

    @threading_helper.reap_threads
    def test_taken_from_a_thread_that_had_just_taken_it(self):
        if util.POLICY == "share":
            self.skipTest("share demotes at the first take")
        lst = [0]
        # The writer takes the list from this thread, which waits for it,
        # then blocks: this thread takes it back, a second move in a row.
        with blocked_writer(functools.partial(list.append, lst, 1)):
            before = util.stats()
            lst.append(2)
            counts = util.delta(before)
        self.assertEqual(util.transfers(counts), 1, counts)
        self.assertDemotedUnlessTransfer(counts, lst)
        self.assertEqual(lst, [0, 1, 2])

    @threading_helper.reap_threads
    def test_running_threads_appending_to_one_list(self):
        # Both threads run (no blocking): the list moves at eval-breaker
        # checks, through requests, until it is demoted (not under transfer).
        lst = []
        start = threading.Barrier(2)

        def appender(k):
            start.wait()
            for i in range(APPENDS):
                lst.append((k, i))

        threads = [util.start_thread(appender, k) for k in (0, 1)]
        util.join_threads(*threads)
        # How often the list moved depends on how the two threads overlap
        # (test_objects_written_in_turn asserts on demotions): no append
        # may be lost whichever way it went.
        self.assertEqual(len(lst), 2 * APPENDS)
        for k in (0, 1):
            self.assertEqual([i for j, i in lst if j == k],
                             list(range(APPENDS)))

    @threading_helper.reap_threads
    @needs_demotion
    def test_demoted_and_owned_in_one_section(self):
        # list.extend(list) and dict.update(dict) hold both objects in one
        # two-object section: one demoted (its mutex locked) and one owned.
        demoted = self.demoted_list()
        self.assertOwner(demoted, None)
        stop = threading.Event()
        appended = []

        def writer():
            # Keeps locking the demoted list meanwhile.
            n = 0
            while not stop.is_set():
                demoted.append(-1)
                n += 1
            appended.append(n)

        thread = util.start_thread(writer)
        try:
            owned = list(range(10))
            total = 0
            for _ in range(200):
                owned.extend(demoted)       # owned first or second,
                demoted.extend(owned[:10])  # depending on the addresses
                total += 10
                del owned[10:]
        finally:
            stop.set()
            util.join_threads(thread)
        self.assertOwner(owned, threading.get_ident())
        self.assertOwner(demoted, None)
        self.assertEqual(len(demoted), 2 * TURNS + total + appended[0])

        demoted_dict = {}
        in_turns(demoted_dict, TURNS, store)
        self.assertOwner(demoted_dict, None)
        owned_dict = {"a": 1}
        owned_dict.update(demoted_dict)
        demoted_dict.update(owned_dict)
        self.assertEqual(len(owned_dict), 2 * TURNS + 1)
        self.assertEqual(demoted_dict, owned_dict)
        self.assertOwner(owned_dict, threading.get_ident())
        self.assertOwner(demoted_dict, None)

    @threading_helper.reap_threads
    @needs_demotion
    def test_demoted_objects_in_specialized_instructions(self):
        # CALL_LIST_APPEND, STORE_SUBSCR_LIST_INT and STORE_SUBSCR_DICT lock
        # a demoted object as ft does; two threads write at once.
        lst = self.demoted_list()
        d = {}
        in_turns(d, TURNS, store)
        self.assertOwner(lst, None)
        self.assertOwner(d, None)
        slots = [0] * 64
        in_turns(slots, 2, lambda obj, value: obj.__setitem__(value, 0))
        start = threading.Barrier(2)

        def writer(k):
            start.wait()
            for i in range(APPENDS):
                lst.append(i)
                d[(k, i % 100)] = i
                slots[k] += 1

        threads = [util.start_thread(writer, k) for k in (0, 1)]
        util.join_threads(*threads)
        self.assertEqual(len(lst), 2 * TURNS + 2 * APPENDS)
        self.assertEqual(d[(0, 99)], APPENDS - 1)
        self.assertEqual(d[(1, 99)], APPENDS - 1)
        if sys._get_object_owner(slots) is None:
            self.assertEqual(slots[:2], [APPENDS, APPENDS])
        for obj in (lst, d):
            self.assertOwner(obj, None)

    @threading_helper.reap_threads
    @needs_demotion
    def test_reads_of_a_demoted_object_take_nothing(self):
        lst = self.demoted_list()
        stop = threading.Event()

        def reader():
            while not stop.is_set():
                lst[0], lst[-1], len(lst)

        thread = util.start_thread(reader)
        try:
            for i in range(APPENDS):
                lst.append(i)
                lst[0] = i
        finally:
            stop.set()
            util.join_threads(thread)
        self.assertOwner(lst, None)
        self.assertEqual(len(lst), 2 * TURNS + APPENDS)

    @threading_helper.reap_threads
    @needs_demotion
    def test_demoted_objects_do_not_publish_what_is_stored(self):
        # A thread that stores into a demoted object leaves the shared
        # field of what it stores at zero, as in ft: a reader's lock-free
        # read of such an item fails, and the reader locks the object's
        # mutex at once (locked_reads), without retries or share requests.
        # Were the items published, every read below would succeed
        # lock-free and count nothing.
        lst = self.demoted_list()
        d = {}
        in_turns(d, TURNS, store)
        self.assertOwner(lst, None)
        self.assertOwner(d, None)
        first = len(lst)
        def write():
            # New tuples, owned by the writer thread, which outlives the
            # reads.
            for i in range(TURNS):
                lst.append((i,))
                d[i] = (i,)

        # In the window, only local names: the writer may have taken the
        # module's globals (specializing LOAD_GLOBAL) or the builtins, and
        # reading them would share them.
        stats, turns, indices = util.stats, TURNS, range(TURNS)
        with blocked_writer(write):
            before = stats()
            listed = [lst[first + i][0] for i in indices]
            mapped = [d[i][0] for i in indices]
            after = stats()
        counts = util.delta(before, after)
        self.assertEqual(listed, list(range(TURNS)))
        self.assertEqual(mapped, list(range(TURNS)))
        self.assertCounted(counts, "locked_reads", 2 * turns)
        self.assertEqual(counts["share_requests"], 0, counts)
        self.assertEqual(util.transfers(counts), 0, counts)
        self.assertOwner(lst, None)
        self.assertOwner(d, None)

    @threading_helper.reap_threads
    @needs_demotion
    def test_reads_through_a_demoted_object_leave_its_dict(self):
        # An object demoted before it had a dict keeps its attributes in
        # its inline values, which its dict guards once it exists.  A
        # reader whose lock-free read of an attribute fails must treat the
        # dict, not the demoted object, as what the value belongs to: have
        # its owner share it, not lock it, which would take it (rule R6).

        class Plain:
            pass

        def set_x(obj, value):
            obj.x = value

        obj = Plain()
        in_turns(obj, 10, set_x)
        self.assertOwner(obj, None)
        def write():
            vars(obj)               # its dict, owned by the writer thread
            for i in range(TURNS):
                obj.y = (i,)        # a new tuple, owned by the writer

        # In the window, only local names (see the test above).
        stats, reads = util.stats, range(100)
        with blocked_writer(write) as thread:
            before = stats()
            read = [obj.y[0] for _ in reads]
            after = stats()
            self.assertOwner(obj.__dict__, thread.ident)
        counts = util.delta(before, after)
        self.assertEqual(read, [TURNS - 1] * 100)
        self.assertEqual(util.transfers(counts), 0, counts)
        self.assertEqual(counts["locked_reads"], 0, counts)
        self.assertCounted(counts, "shared")

    @threading_helper.reap_threads
    @needs_demotion
    def test_collection_keeps_demoted_objects_unowned(self):
        import gc
        lst = self.demoted_list()
        cycle = [lst]
        cycle.append(cycle)
        stop = threading.Event()

        def writer():
            while not stop.is_set():
                lst.append(0)
                del lst[-1]

        thread = util.start_thread(writer)
        try:
            for _ in range(20):
                gc.collect()
        finally:
            stop.set()
            util.join_threads(thread)
        self.assertOwner(lst, None)
        self.assertEqual(sorted(lst), list(range(2 * TURNS)))

    @threading_helper.reap_threads
    @needs_demotion
    def test_finalizer_of_a_demoted_object(self):
        # The finalizer resurrects the object for its run: a demoted one
        # stays unowned, and its specialized STORE_ATTR locks its mutex.
        # It used to become owned by the finalizing thread, whose
        # UNLOCK_OBJECT then unlocked a mutex nobody had locked (a fatal
        # error).
        finalized = []

        class Finalized:
            def __del__(self):
                self.x = 1
                self.y = 2
                finalized.append(self.x + self.y)

        def set_x(obj, value):
            obj.x = value

        before = util.stats()
        for _ in range(20):
            obj = Finalized()
            for i in range(3):
                set_x(obj, i)       # specialize STORE_ATTR
            in_turns(obj, 10, set_x)
            del obj
        counts = util.delta(before)
        self.assertCounted(counts, "demotions", 20)
        self.assertEqual(finalized, [3] * 20)


if __name__ == "__main__":
    unittest.main()
