"""A requester polls for the answer before it sleeps, and sleeps only
when the owner takes long: the owner then wakes it (patch 0010)."""

import unittest

from test.support import threading_helper
from test.test_ownership import util

# Long enough that a requester stops polling (50 us) while the owner runs
# it: sum() over a range is one C call with no eval breaker check.
LONG_C_CALL = 3_000_000
ATTEMPTS = 5


class SpinThenParkTests(util.OwnershipTest):

    def run_owner(self, busy):
        """Start a thread that makes a list, then runs busy(stop); return
        the thread, the list and the Flag stop."""
        made = {}
        ready = util.Flag()
        stop = util.Flag()

        def owner():
            made["list"] = [0]
            util.prepare_thread()
            busy_ = busy
            ready.set()
            busy_(stop)

        thread = util.start_thread(owner)
        self.assertTrue(util.sleep_until(ready.is_set))
        return thread, made["list"], stop

    def append_to_running_owner(self, busy, in_call=None):
        """Append to the list of a thread that runs busy(stop), once it
        has raised Flag *in_call* if one is given; return how much the
        counters grew during the append."""
        thread, obj, stop = self.run_owner(busy)
        try:
            if in_call is not None:
                self.assertTrue(util.spin_until(in_call.is_set))
            before = util.stats()
            obj.append(1)
            counts = util.delta(before)
        finally:
            stop.set()
            util.join_threads(thread)
        self.assertEqual(obj, [0, 1])
        return counts

    @threading_helper.reap_threads
    def test_running_owner_answers_a_polling_requester(self):
        # The owner checks its eval breaker all the time: the answer
        # arrives while we poll, and nobody sleeps or is woken.
        spin_until = util.spin_until

        def busy(stop):
            spin_until(stop.is_set)

        counts = None
        for _ in range(ATTEMPTS):
            counts = self.append_to_running_owner(busy)
            # On a loaded machine the owner may lose its CPU for longer
            # than we poll; then we slept, and try again.
            if counts["answered_spinning"]:
                break
        self.assertCounted(counts, "handoff_eval_breaker")
        self.assertCounted(counts, "answered_spinning")
        self.assertEqual(counts["answered_parked"], 0, counts)

    @threading_helper.reap_threads
    def test_owner_in_long_c_call_wakes_a_parked_requester(self):
        # The owner is inside one long C call when we ask: we poll in
        # vain, sleep, and the owner wakes us once it reaches its next
        # eval breaker check.
        counts = None
        for _ in range(ATTEMPTS):
            in_call = util.Flag()

            def busy(stop, in_call=in_call):
                set_in_call = in_call.set
                total = sum
                numbers = range(LONG_C_CALL)
                stop_is_set = stop.is_set
                while not stop_is_set():
                    set_in_call()
                    total(numbers)

            counts = self.append_to_running_owner(busy, in_call)
            if counts["answered_parked"]:
                break
        self.assertCounted(counts, "requests")
        self.assertCounted(counts, "answered_parked")


if __name__ == "__main__":
    unittest.main()
