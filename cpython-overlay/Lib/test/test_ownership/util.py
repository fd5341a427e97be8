"""Helpers shared by the test_ownership tests.

Conventions the tests follow so that sys._ownership_stats() deltas mean
what they claim and the choreographies cannot be reordered:

* Counters are interpreter-wide, so tests compare snapshots (delta()) and
  take them inside a window in which only the operations under test can
  move objects between threads.
* Inside such a window a thread writes only to containers that it created
  (and therefore owns).  Threads signal each other with Flag, which
  involves no owned object; threading.Event is used only outside the
  windows: its Condition moves the waiter deque between threads.
* Automatic garbage collection is off (OwnershipTest.setUp): a collection
  stops the world, and a thread that stops for it hands over its requested
  objects as on any detach.
* Code that must keep running inside a critical section (a callback that
  waits for a request to be deferred) must not wait for another thread,
  because waiting detaches, and detaching hands over the objects of the
  caller's active sections.  Some waits are hidden: a critical section
  on an object that another running thread owns waits for it, and the
  runtime takes such sections behind the scenes.  The first read of a
  list or dict that another thread owns takes one to mark it shared
  (ensure_shared_on_read() in Objects/dictobject.c, list_get_item_ref()
  in Objects/listobject.c); specializing LOAD_GLOBAL or LOAD_ATTR on a
  module takes one on a dict whose keys have no version yet, and
  specializing STORE_ATTR one on the instance it writes.  (Specializing
  loads otherwise reads another thread's dicts and instances lock-free:
  test_unowned_specialization.  A thread's first call of a function
  creates its thread-local bytecode under a lock of its own, not a
  section on the code object: test_first_call.)  So, once another thread
  may ask for its objects,
  such code only calls C functions and Python functions it has already
  run, through names bound beforehand, and touches only objects its own
  thread created: Flag, spin_until() and spin_until_grows() are made for
  that, with prepare_thread().
"""

import collections
import contextlib
import functools
import os
import sys
import threading
import time
import unittest

from test import support
from test.support import threading_helper

TIMEOUT = support.SHORT_TIMEOUT

# PYTHON_OWNERSHIP / -X ownership of this process (see test_policies).
POLICY = sys._ownership_policy()


def thread_local_bytecode():
    """Skip the decorated test unless each thread runs its own copy of the
    bytecode (not with -X tlbc=0 or PYTHON_TLBC=0, where every thread runs,
    and specializes, the same one)."""
    setting = sys._xoptions.get("tlbc", os.environ.get("PYTHON_TLBC", "1"))
    return unittest.skipIf(setting == "0",
                           "every thread runs the same bytecode with tlbc=0")


def transfer_policy(test):
    """Run *test* only under the transfer policy.

    For tests of how an object moves between threads: under "share" and
    "adaptive" a thread that takes an object may demote it (its owner
    becomes None).  test_policies runs this package under
    PYTHON_OWNERSHIP=transfer, where they run.
    """
    return unittest.skipUnless(
        POLICY == "transfer",
        f"asserts moves of the transfer policy, not {POLICY!r} "
        "(test_policies runs it under PYTHON_OWNERSHIP=transfer)")(test)

# The counters of the slow paths that move an object to a new owner; each
# transfer bumps exactly one of them.
TRANSFER_KINDS = ("claimed", "claimed_dead", "taken_detached",
                  "handoff_eval_breaker", "handoff_detach")


def stats():
    """Return a snapshot of the interpreter's ownership counters."""
    return sys._ownership_stats()


def delta(before, after=None):
    """Return how much each counter grew from *before* to *after* (or now).

    wait_ns_max is a maximum, not a sum; its "delta" means nothing.
    """
    if after is None:
        after = stats()
    return {key: after[key] - before[key] for key in before}


def transfers(counts):
    """Return how many objects changed owner according to *counts*."""
    return sum(counts[kind] for kind in TRANSFER_KINDS)


def counter_grows(key):
    """Return a predicate: has counter *key* grown since this call?"""
    start = stats()[key]
    return lambda: stats()[key] > start


def spin_until(predicate, timeout=TIMEOUT, monotonic=time.monotonic):
    """Busy-wait until predicate() is true; return False after *timeout*.

    The caller never blocks, so it stays attached and keeps its objects:
    they can only be handed over at its eval-breaker checks, one of which
    runs on every iteration.  Safe inside a critical section (see the
    module docstring) once the thread has run prepare_thread(), if
    predicate() is.
    """
    deadline = monotonic() + timeout
    while not predicate():
        if monotonic() > deadline:
            return False
    return True


def spin_until_grows(key, timeout=TIMEOUT, monotonic=time.monotonic,
                     ownership_stats=sys._ownership_stats):
    """Busy-wait until counter *key* grows past its value at the call.

    Return False after *timeout*.  Like spin_until(), which it is with a
    predicate that touches only objects the calling thread creates.
    """
    start = ownership_stats()[key]
    deadline = monotonic() + timeout
    while ownership_stats()[key] <= start:
        if monotonic() > deadline:
            return False
    return True


def prepare_thread():
    """Run spin_until() and spin_until_grows() once in the calling thread.

    Their first run specializes their loads of globals and attributes,
    which takes critical sections on the dicts they read (see the module
    docstring), so a thread calls this before it enters a critical section
    in which it uses them.
    """
    spin_until(bool, timeout=0)
    spin_until_grows("requests", timeout=0)


def signal_and_spin(go, done):
    """Raise Flag *go*, then busy-wait until another thread raises Flag
    *done*; return how much the counters grew meanwhile.

    The caller stays attached all along, so a thread that go lets run asks
    it for its objects and gets them at its eval-breaker checks.  Only
    code that cannot wait for that thread runs after go (see the module
    docstring).  Raises AssertionError if done is not raised in TIMEOUT.
    """
    prepare_thread()
    wait_done = functools.partial(spin_until, done.is_set)
    before = stats()
    go.set()
    if not wait_done():
        raise AssertionError("the other thread did not finish")
    return delta(before)


def sleep_until(predicate, timeout=TIMEOUT):
    """Poll predicate() between short sleeps; return False after *timeout*.

    Sleeping detaches the caller, so its objects can be taken meanwhile.
    """
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.001)
    return True


class Flag:
    """A one-way flag, raised with set() and polled with is_set().

    It is a lock that set() acquires without blocking: raising and polling
    involve no object that has an owner, so neither waits for another
    thread or moves an object, whichever thread calls them.  Both are C
    functions, safe inside a critical section (see the module docstring).
    """

    def __init__(self):
        lock = threading.Lock()
        self.set = functools.partial(lock.acquire, False)
        self.is_set = lock.locked


class ReprHook:
    """A list item whose repr() calls *action*.

    repr(lst) holds a critical section on lst while it calls repr() on the
    items (list_repr() in Objects/listobject.c), so repr([ReprHook(f)])
    runs f inside a section on that list.  Unlike list.sort(key=f), whose
    section also calls back into Python, list_repr() tolerates the list
    being changed meanwhile (by a thread that got it while this one was
    blocked in f), which the deadlock and fork tests rely on.
    """

    def __init__(self, action):
        self.action = action

    def __repr__(self):
        self.action()
        return "ReprHook()"


def make_containers():
    """Return one object of each kind whose mutations are critical sections.

    Each starts with the single element 0; see mutate().
    """
    return {
        "list": [0],
        "dict": {0: 0},
        "set": {0},
        "deque": collections.deque([0]),
        "bytearray": bytearray(b"\0"),
    }


def mutate(container, value):
    """Add the small int *value* to a container from make_containers().

    Afterwards `value in container` is true.
    """
    if isinstance(container, dict):
        container[value] = value
    elif isinstance(container, set):
        container.add(value)
    else:
        container.append(value)


def start_thread(target, *args):
    """Start and return a daemon thread running target(*args).

    Daemon, so that a thread stuck by a bug under test cannot keep the
    test process alive after join_threads() has reported it.
    """
    thread = threading.Thread(target=target, args=args, daemon=True)
    thread.start()
    return thread


def join_threads(*threads):
    """Join each thread, failing if one is still alive after TIMEOUT."""
    for thread in threads:
        threading_helper.join_thread(thread, TIMEOUT)


# Time for a thread to get from a Flag's set() into the blocking call after
# it (blocked_owner()).
BLOCK_DELAY = 0.2


@contextlib.contextmanager
def blocked_owner(make):
    """Run make() in a new thread, which then blocks, detached, on a lock
    until the with block ends.

    Yields a list that holds what make() returned and nothing else refers
    to: popping its item leaves the caller the only reference.
    """
    made = []
    ready = Flag()
    gate = threading.Lock()
    gate.acquire()

    def owner():
        made.append(make())
        ready.set()
        gate.acquire()

    thread = start_thread(owner)
    try:
        if not sleep_until(ready.is_set):
            raise AssertionError("the owner thread did not make its object")
        time.sleep(BLOCK_DELAY)
        yield made
    finally:
        gate.release()
        join_threads(thread)


class OwnershipTest(unittest.TestCase):
    """Base class: no automatic collection, counter assertions."""

    def setUp(self):
        super().setUp()
        self.enterContext(support.disable_gc())

    def assertCounted(self, counts, key, minimum=1):
        """Assert that counter *key* grew by at least *minimum*."""
        self.assertGreaterEqual(counts[key], minimum,
                                f"counter {key!r} in {counts}")

    def assertDemotedUnlessTransfer(self, counts, obj, demotions=1):
        """Assert that *demotions* objects, *obj* among them, were demoted
        (their owner is None), or under "transfer", which demotes nothing,
        that obj stayed with the calling thread."""
        if POLICY == "transfer":
            self.assertEqual(counts["demotions"], 0, counts)
            self.assertOwner(obj, threading.get_ident())
        else:
            self.assertEqual(counts["demotions"], demotions, counts)
            self.assertOwner(obj, None)

    def assertOwner(self, obj, ident):
        """Assert that sys._get_object_owner(obj) is *ident*.

        The message does not repr() obj: that would be a critical section
        on it, which moves it to the calling thread.
        """
        self.assertEqual(sys._get_object_owner(obj), ident,
                         f"owner of the {type(obj).__name__} at {id(obj):#x}")
