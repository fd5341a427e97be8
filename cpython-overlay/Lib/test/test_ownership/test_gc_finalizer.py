"""Finalizers run by the cyclic GC use objects the collection found
unreachable."""

import subprocess
import sys
import unittest

from test import support

# Run in a child process: the bug this guards against was an endless spin
# inside gc.collect(), which must fail the test, not hang the test suite.
CHILD = r"""
import gc
import os
import sys
import threading

DICTS = 64
read_end, write_end = os.pipe()
made = threading.Event()
box = {}
seen = []


class Holder:
    def __del__(self):
        # spare.extend(d.values()) takes a two-object critical section on
        # spare and on d, which the collection marked unreachable.  The
        # slow path acquires them in address order, so pick a spare above
        # d: the unreachable object is then the one acquired first.
        spares = box["spares"]
        for d in self.dicts:
            for spare in spares:
                if id(spare) > id(d) and not spare:
                    spare.extend(d.values())
                    seen.append(sum(spare))
                    break


def owner():
    holder = Holder()
    holder.me = holder                  # a cycle: only gc frees it
    holder.dicts = []
    spares = []
    for i in range(DICTS):
        holder.dicts.append({"a": i, "b": 1})
        spares.extend([] for _ in range(4))
    box["holder"] = holder
    box["spares"] = spares
    box["ident"] = threading.get_ident()
    del holder, spares
    made.set()
    os.read(read_end, 1)                # blocked in a system call


gc.disable()
thread = threading.Thread(target=owner)
thread.start()
made.wait()
dicts = box["holder"].dicts
assert all(sys._get_object_owner(d) == box["ident"] for d in dicts), \
    "the dicts are owned by the blocked thread"
del dicts
box.pop("holder")
before = sys._ownership_stats()["taken_detached"]
gc.collect()
taken = sys._ownership_stats()["taken_detached"] - before
os.write(write_end, b"x")
thread.join()
assert sorted(seen) == [i + 1 for i in range(DICTS)], seen
# Each spare used was taken from the blocked thread, and so may be the
# list of spares, but nothing else: the unreachable dicts never change
# owner.
assert DICTS <= taken <= DICTS + 1, taken
print("finalized", len(seen))
"""


class GCFinalizerTests(unittest.TestCase):

    def test_finalizer_reads_unreachable_dicts_of_blocked_thread(self):
        # The finalizer of a garbage cycle copies dicts of the cycle that
        # a thread blocked in os.read() created and owns.  The copy's
        # two-object section waited for the dict's ob_tid to become the
        # collector's id, but the GC's worklist link sits there while the
        # dict is unreachable: gc.collect() spun for ever (seen in
        # test_asyncio.test_subprocess, ThreadedChildWatcher.__del__).
        try:
            proc = subprocess.run([sys.executable, "-c", CHILD],
                                  capture_output=True, text=True,
                                  timeout=support.SHORT_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.fail(f"gc.collect() did not return within "
                      f"{support.SHORT_TIMEOUT} s")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stdout.strip(), "finalized 64")


if __name__ == "__main__":
    unittest.main()
