"""Signals and KeyboardInterrupt while the main thread waits for an object.

A requester never abandons a request that the owner may still be reading
(design, 2.2): a signal that arrives during the wait is handled once the
operation that waited has completed.
"""

import _thread
import signal
import threading
import time
import unittest

from test.support import threading_helper
from test.test_ownership import util

# How long the signal is left pending before the owner lets the list go:
# a wait that the signal wrongly cut short would end within it.
SIGNAL_GRACE = 0.1


class SignalWhileWaitingTests(util.OwnershipTest):

    def setUp(self):
        super().setUp()
        if threading.current_thread() is not threading.main_thread():
            self.skipTest("Python signal handlers run in the main thread")

    def wait_while_signalled(self, send_signal, append_and_wait):
        """Signal the main thread while it waits for a list.

        A worker sorts the list with a key function that keeps running
        until it is released, so the list stays in an active section of a
        running thread.  The main thread calls append_and_wait(lst,
        released), which appends to the list and must therefore wait.  An
        interrupter thread calls send_signal() once the worker has deferred
        that request, then releases the worker after SIGNAL_GRACE; the sort
        ends, the main thread gets the list, and the signal is handled
        after the append.  *released* is the util.Flag the interrupter
        raises.

        Return the list.
        """
        box = []
        inside = util.Flag()
        released = util.Flag()
        signalled = []

        def worker():
            lst = [3, 1, 2]
            box.append(lst)
            # The key function runs inside the section: see the util
            # module docstring.
            util.prepare_thread()
            inside_is_set = inside.is_set
            entered = inside.set
            spin_until = util.spin_until
            released_is_set = released.is_set

            def key(item):
                if not inside_is_set():
                    entered()
                    spin_until(released_is_set)
                return item

            lst.sort(key=key)

        def interrupter():
            # Started once the worker is in its section, before the main
            # thread asks for the list; the request is deferred again at
            # each of the worker's eval-breaker checks while it waits.
            if util.sleep_until(util.counter_grows("deferred")):
                send_signal()
                signalled.append(True)
                time.sleep(SIGNAL_GRACE)
            released.set()

        threads = [util.start_thread(worker)]
        try:
            self.assertTrue(util.sleep_until(inside.is_set))
            threads.append(util.start_thread(interrupter))
            lst = box[0]
            before = util.stats()
            append_and_wait(lst, released)
            counts = util.delta(before)
        finally:
            released.set()
            util.join_threads(*threads)
        self.assertEqual(signalled, [True])
        self.assertCounted(counts, "deferred")
        return lst

    @threading_helper.reap_threads
    def test_keyboard_interrupt_while_waiting(self):
        old_handler = signal.signal(signal.SIGINT, signal.default_int_handler)
        self.addCleanup(signal.signal, signal.SIGINT, old_handler)
        released_when_raised = []

        def append_and_wait(lst, released):
            # KeyboardInterrupt comes at the first eval-breaker check after
            # the wait, possibly the one that ends the call to append().
            try:
                lst.append(4)
                util.spin_until(lambda: False)
            except KeyboardInterrupt:
                released_when_raised.append(released.is_set())

        try:
            lst = self.wait_while_signalled(_thread.interrupt_main,
                                            append_and_wait)
        except KeyboardInterrupt:
            self.fail("KeyboardInterrupt outside the expected place")
        self.assertEqual(released_when_raised, [True])
        self.assertEqual(lst, [1, 2, 3, 4])

    @unittest.skipUnless(hasattr(signal, "pthread_kill"),
                         "requires signal.pthread_kill()")
    @unittest.skipUnless(hasattr(signal, "SIGUSR1"), "requires SIGUSR1")
    @threading_helper.reap_threads
    def test_signal_handler_runs_after_the_wait(self):
        # A real signal also interrupts the system call the main thread
        # waits in (EINTR); the wait must go on.
        main_ident = threading.get_ident()
        state = {}
        seen = []

        def handler(signum, frame):
            seen.append((4 in state["lst"], state["released"].is_set()))

        old_handler = signal.signal(signal.SIGUSR1, handler)
        self.addCleanup(signal.signal, signal.SIGUSR1, old_handler)

        def append_and_wait(lst, released):
            state.update(lst=lst, released=released)
            lst.append(4)
            self.assertTrue(util.spin_until(lambda: seen))

        lst = self.wait_while_signalled(
            lambda: signal.pthread_kill(main_ident, signal.SIGUSR1),
            append_and_wait)
        self.assertEqual(seen, [(True, True)])
        self.assertEqual(lst, [1, 2, 3, 4])


if __name__ == "__main__":
    unittest.main()
