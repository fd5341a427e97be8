"""The CLock (Python/clock.c): a legacy extension runs serialized, without
the GIL, while other threads run Python in parallel.

_testlegacy has no Py_mod_gil slot and updates its C state without any
synchronization, as extensions written for the GIL do: only the CLock keeps
its counters exact.  Every test checks the clock_* counters, so none can
pass without the CLock having been taken."""

import importlib.util
import sys
import threading
import time
import unittest

from test.support import import_helper, threading_helper
from test.support.script_helper import assert_python_ok
from test.test_ownership import util

_testlegacy = import_helper.import_module("_testlegacy")


def load_single_phase():
    """The single-phase variant, from the same file."""
    spec = importlib.util.spec_from_file_location("_testlegacy_single",
                                                  _testlegacy.__file__)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_testlegacy_single = load_single_phase()

N = 200_000
SPIN_S = 0.5
SLEEP_S = 0.2
THREADS = 8
CALLS = 100_000


def acquisitions():
    return sys._ownership_stats()["clock_acquisitions"]


def run_in_threads(target, count=2):
    """Run target() in *count* threads at once and wait for them all.

    The threads pass a barrier before they call it, so the calls overlap.
    """
    barrier = threading.Barrier(count)

    def body():
        barrier.wait()
        target()

    util.join_threads(*[util.start_thread(body) for _ in range(count)])


class CLockTests(unittest.TestCase):

    def test_import_keeps_the_gil_off_and_warns_nothing(self):
        rc, out, err = assert_python_ok(
            "-W", "error", "-c",
            "import sys, _testlegacy; _testlegacy.counter_add(1); "
            "print(sys._is_gil_enabled(), "
            "sys._ownership_stats()['clock_acquisitions'] > 0)",
            __isolated=False)
        self.assertEqual(out.split(), [b"False", b"True"])
        self.assertNotIn(b"Warning", err)

    def test_verbose_import_says_the_module_runs_under_the_clock(self):
        rc, out, err = assert_python_ok("-v", "-c", "import _testlegacy",
                                        __isolated=False)
        self.assertIn(b"# module '_testlegacy' runs under the CLock", err)

    def test_python_gil_keeps_its_meaning(self):
        code = ("import sys, _testlegacy; _testlegacy.counter_add(1); "
                "print(sys._is_gil_enabled(), "
                "sys._ownership_stats()['clock_acquisitions'])")
        for value, expected in (("1", [b"True", b"0"]),
                                ("0", [b"False", b"0"])):
            with self.subTest(gil=value):
                rc, out, err = assert_python_ok(
                    "-W", "ignore", "-X", f"gil={value}", "-c", code,
                    __isolated=False)
                self.assertEqual(out.split(), expected)

    @threading_helper.reap_threads
    def test_module_functions_are_serialized(self):
        _testlegacy.counter_reset()
        before = acquisitions()
        run_in_threads(lambda: _testlegacy.counter_add(N))
        self.assertEqual(_testlegacy.counter_get(), 2 * N)
        self.assertGreaterEqual(acquisitions() - before, 2)

    @threading_helper.reap_threads
    def test_methods_are_serialized(self):
        box = _testlegacy.Box()
        before = acquisitions()
        run_in_threads(lambda: box.add(N))
        self.assertEqual(len(box), 2 * N)       # a wrapped slot
        self.assertEqual(box.doubled, 4 * N)    # a wrapped getset
        self.assertGreaterEqual(acquisitions() - before, 4)

    @threading_helper.reap_threads
    def test_arguments_are_held_for_the_whole_call(self):
        # Legacy code that receives a list sees no write to it while it
        # runs, as under the GIL, although another thread appends to it in
        # a loop: the list is held in a critical section for the call (its
        # owner's, or its mutex once demoted), so the writer waits.
        lst = []
        stop = threading.Event()
        appending = threading.Event()

        def writer():
            while not stop.is_set():
                lst.append(None)
                if len(lst) > 10_000:
                    lst.clear()
                appending.set()

        before = util.stats()
        thread = util.start_thread(writer)
        try:
            self.assertTrue(appending.wait(util.TIMEOUT))
            for _ in range(3):
                start, end = _testlegacy.hold(lst, 0.05)
                self.assertEqual(start, end)
        finally:
            stop.set()
            util.join_threads(thread)
        counts = util.delta(before)
        self.assertGreaterEqual(counts["clock_acquisitions"], 3, counts)
        # The list went to the caller, or was demoted to its mutex.
        self.assertGreaterEqual(
            util.transfers(counts) + counts["demotions"], 1, counts)

    @threading_helper.reap_threads
    def test_many_threads_many_calls_are_exact(self):
        _testlegacy.counter_reset()
        before = acquisitions()
        add = _testlegacy.counter_add

        def calls():
            for _ in range(CALLS):
                add(1)

        run_in_threads(calls, THREADS)
        self.assertEqual(_testlegacy.counter_get(), THREADS * CALLS)
        self.assertGreaterEqual(acquisitions() - before, THREADS)

    @threading_helper.reap_threads
    def test_single_phase_module_runs_under_the_clock(self):
        single = _testlegacy_single
        self.assertFalse(sys._is_gil_enabled())
        start = single.counter_get()
        box = single.SingleBox()
        before = acquisitions()
        run_in_threads(lambda: single.counter_add(N))
        run_in_threads(lambda: box.add(N))
        self.assertEqual(single.counter_get() - start, 2 * N)
        self.assertEqual(len(box), 2 * N)       # a static type's slot
        self.assertGreaterEqual(acquisitions() - before, 4)

    def test_python_subclass_calls_the_wrapped_init(self):
        # The base's __init__ slot wrapper was made before the module was
        # known legacy (single-phase); a subclass calls it by super().
        class Sub(_testlegacy_single.SingleBox):
            def __init__(self):
                super().__init__()

        before = acquisitions()
        obj = Sub()
        self.assertGreaterEqual(acquisitions() - before, 1)
        self.assertEqual(len(obj), 0)

    @threading_helper.reap_threads
    def test_sleepers_inside_legacy_code_overlap(self):
        before = util.stats()
        start = time.monotonic()
        run_in_threads(lambda: _testlegacy.sleep_allow_threads(SLEEP_S))
        took = time.monotonic() - start
        self.assertLess(took, 1.75 * SLEEP_S)
        self.assertGreaterEqual(
            util.delta(before)["clock_acquisitions"], 4)   # entry, re-entry

    @threading_helper.reap_threads
    def test_holder_takes_an_object_of_a_thread_waiting_for_the_clock(self):
        # The CLock's holder wants a list whose owner waits for the holder:
        # for the CLock, or for a share of one of the holder's objects it
        # reads on the way (module globals, the event), which a holder defers
        # for up to a switch interval.  Either way the waiter is detached or
        # answers at its eval breaker, so the holder gets the list.
        made = []
        owned = threading.Event()
        holding = threading.Event()

        def waiter():
            made.append([0])                # made here: this thread owns it
            owned.set()
            holding.wait(util.TIMEOUT)
            _testlegacy.counter_add(1)      # waits for the CLock

        def callback():
            # Under the CLock: busy, so as not to detach and release it.
            holding.set()
            deadline = time.monotonic() + 0.2
            while time.monotonic() < deadline:
                pass
            made[0].append(1)

        thread = util.start_thread(waiter)
        self.assertTrue(owned.wait(util.TIMEOUT))
        before = util.stats()
        _testlegacy.call(callback)
        util.join_threads(thread)       # fails if the waiter is still alive
        counts = util.delta(before)
        self.assertEqual(made[0], [0, 1])
        self.assertGreaterEqual(util.transfers(counts), 1, counts)
        self.assertGreater(
            counts["clock_wait_ns"] + counts["share_requests"], 0, counts)

    def test_member_access_takes_the_clock(self):
        box = _testlegacy.Box()
        before = acquisitions()
        box.value = [1]
        self.assertEqual(box.value, [1])
        self.assertGreaterEqual(acquisitions() - before, 2)

    @threading_helper.reap_threads
    def test_python_runs_beside_legacy_code(self):
        # While a thread is inside legacy C code for SPIN_S, this thread
        # runs Python and finishes first: under a GIL it could not run
        # until spin() returned.  (It touches no object of the spinning
        # thread, whose requests wait until spin() returns.)
        started = threading.Event()
        ended = []

        def legacy():
            started.set()
            _testlegacy.spin(SPIN_S)
            ended.append(time.monotonic())

        before = acquisitions()
        thread = util.start_thread(legacy)
        self.assertTrue(started.wait(util.TIMEOUT))
        monotonic = time.monotonic
        deadline = monotonic() + SPIN_S / 4
        loops = 0
        while monotonic() < deadline:
            loops += 1
        done = monotonic()
        util.join_threads(thread)
        self.assertLess(done, ended[0])
        self.assertGreater(loops, 1000)
        self.assertGreater(acquisitions() - before, 0)

    @threading_helper.reap_threads
    def test_allow_threads_releases_the_clock(self):
        started = threading.Event()

        def sleeper():
            started.set()
            _testlegacy.sleep_allow_threads(SPIN_S)

        thread = util.start_thread(sleeper)
        self.assertTrue(started.wait(util.TIMEOUT))
        time.sleep(0.05)
        start = time.monotonic()
        _testlegacy.counter_add(10)      # needs the CLock
        took = time.monotonic() - start
        util.join_threads(thread)
        self.assertLess(took, SPIN_S / 2)

    @threading_helper.reap_threads
    def test_last_decref_and_dealloc_are_one_step_for_legacy_code(self):
        # Under the GIL a legacy object died at its last decref, before any
        # legacy code ran again.  Here the last reference goes while another
        # thread is inside legacy code, which then reaches the object
        # through a pointer of its own (as lxml finds the proxy of a node):
        # it must find it alive, and it is then deallocated exactly once,
        # after the legacy code dropped it.
        box = _testlegacy.Box()
        box.register()
        before_deallocs = _testlegacy.deallocs()
        started = threading.Event()
        revived = []

        def holder():
            started.set()
            revived.append(_testlegacy.spin_then_revive(SPIN_S))

        before = util.stats()
        thread = util.start_thread(holder)
        self.assertTrue(started.wait(util.TIMEOUT))
        time.sleep(0.05)
        del box                          # waits for the CLock, box kept alive
        util.join_threads(thread)
        counts = util.delta(before)
        alive, again = revived.pop()
        self.assertTrue(alive)
        self.assertEqual(_testlegacy.deallocs(), before_deallocs)
        del again
        self.assertEqual(_testlegacy.deallocs(), before_deallocs + 1)
        self.assertGreater(counts["clock_wait_ns"], 0, counts)

    def test_callback_into_python_runs(self):
        self.assertEqual(_testlegacy.call(lambda: "called back"),
                         "called back")

    def test_subclass_instances_deallocate_through_the_clock(self):
        class Sub(_testlegacy.Box):
            pass

        before = _testlegacy.deallocs()
        Sub().add(3)
        self.assertEqual(_testlegacy.deallocs(), before + 1)
        self.assertTrue(Sub.__flags__ & (1 << 16))


if __name__ == "__main__":
    unittest.main()
