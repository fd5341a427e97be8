"""A thread that puts an object into a queue.SimpleQueue that other
threads use shares it, and the objects it refers to up to two levels down,
at the put (patch 0023): the thread that gets it reads them without asking
the putter.  Under "share" and "adaptive" the put also gives them up to
ft's locking (patch 0024): the thread that gets them writes them without
taking them.  ThreadPoolExecutor passes its work items so: a work item,
its future, the future's condition.  Under "share" and "adaptive" a new
queue.SimpleQueue starts demoted (patch 0027): no thread takes it from
another to put or get.  A put only shares a tuple, which nobody writes
(patch 0031).  Starting a thread publishes its Thread object as a
put publishes an item (patch 0028): the new thread runs it."""

import operator
import sys
import threading
import unittest
from queue import SimpleQueue

from test.support import threading_helper
from test.test_ownership import util


class Node:
    def __init__(self, child=None):
        self.child = child
        self.value = (1,)


def chain():
    """Return an item two levels above a leaf: item.child.child."""
    return Node(Node(Node()))


def counted_put(queue, item):
    """Put *item* on *queue*; return how much the counters grew."""
    before = util.stats()
    queue.put(item)
    return util.delta(before)


class PublishTests(util.OwnershipTest):

    def queue_another_thread_used(self):
        """Return an empty SimpleQueue that another thread has taken to
        put on it: a put on it publishes the item."""
        queue = SimpleQueue()
        util.join_threads(util.start_thread(queue.put, None))
        self.assertIsNone(queue.get())
        return queue

    def put_to_consumer(self, reach, act):
        """Put chain() on a queue that a consumer thread has used, which
        then runs act(reach(item)); return the item, the counters the put
        moved, those the consumer's act moved, and what act returned.
        *reach* and *act* are C functions: a Python one could share or take
        module dicts and cells as it specializes."""
        queue = SimpleQueue()
        done = SimpleQueue()
        got = {}

        def consumer(queue=queue, reach=reach, act=act,
                     ownership_stats=sys._ownership_stats,
                     node_dict=vars(Node)):
            act(reach(chain()))
            # Shares Node's type dict now: a type cache miss while counting
            # (the cache is the interpreter's, and the main thread runs)
            # would read it, a share of an object the put did not pass.
            node_dict.get("child")
            item = queue.get()      # takes the queue; blocks until the put
            before = ownership_stats()
            result = act(reach(item))
            after = ownership_stats()
            # got is the main thread's: write it only after counting.
            got["result"] = result
            got["counts"] = util.delta(before, after)
            done.put(None)

        me = threading.get_ident()
        thread = util.start_thread(consumer)
        try:
            self.assertTrue(util.sleep_until(
                lambda: sys._get_object_owner(queue) != me))
            item = chain()
            counts = counted_put(queue, item)
            done.get(timeout=util.TIMEOUT)
        finally:
            util.join_threads(thread)
        return item, counts, got["counts"], got["result"]

    @threading_helper.reap_threads
    def test_put_on_a_queue_of_other_threads_shares_the_item(self):
        # The consumer's get() takes the queue from this thread: a queue
        # that other threads use.  The consumer reads what the put shared.
        item, counts, reads, value = self.put_to_consumer(
            operator.attrgetter("child.child.value"), tuple)
        # item, item.child and item.child.child
        self.assertCounted(counts, "published", 3)
        if util.POLICY == "transfer":
            # It only shares; the other policies demote too (below).
            self.assertEqual(counts["demotions"], 0, counts)
        self.assertEqual(value, (1,))
        self.assertEqual(reads["shared"], 0, reads)
        self.assertEqual(reads["share_requests"], 0, reads)
        self.assertEqual(util.transfers(reads), 0, reads)

    @threading_helper.reap_threads
    def test_put_gives_the_item_up_to_ft_locking(self):
        if util.POLICY == "transfer":
            self.skipTest("transfer only shares at a put")
        # Writes a new attribute of item.child.child: a section on the
        # leaf.  (Replacing `value` would drop the leaf's reference to a
        # tuple that the put only shared: biased reference counting gives
        # that decref to the tuple's detached owner, a take that is not a
        # write.)
        item, counts, writes, _ = self.put_to_consumer(
            operator.attrgetter("child.child"),
            operator.methodcaller("__setattr__", "written", (2,)))
        self.assertCounted(counts, "published", 3)
        self.assertCounted(counts, "demotions", 3)
        for obj in (item, item.child, item.child.child):
            self.assertOwner(obj, None)
        self.assertEqual(item.child.child.written, (2,))
        self.assertEqual(writes["requests"], 0, writes)
        self.assertEqual(writes["share_requests"], 0, writes)
        self.assertEqual(util.transfers(writes), 0, writes)

    @threading_helper.reap_threads
    def test_put_skips_what_other_threads_may_write(self):
        # A generator runs in whichever thread calls it, with no section:
        # its traversal could read a frame that another thread changes.
        queue = self.queue_another_thread_used()
        item = Node(child=(n for n in range(3)))
        item.value = None
        counts = counted_put(queue, item)
        # The item alone: not its generator, nor its class.
        self.assertEqual(counts["published"], 1, counts)
        self.assertEqual(list(queue.get().child), [0, 1, 2])

    @threading_helper.reap_threads
    def test_put_only_shares_a_tuple(self):
        # Nobody writes a tuple once it is made: it needs no ft locking,
        # and its putter keeps counting its references without atomics.
        queue = self.queue_another_thread_used()
        node = Node()
        item = tuple([node])    # made here, not a constant
        counts = counted_put(queue, item)
        self.assertCounted(counts, "published", 2)
        self.assertOwner(item, threading.get_ident())
        self.assertDemotedUnlessTransfer(counts, node)
        self.assertIs(queue.get(), item)

    @threading_helper.reap_threads
    def test_new_queue_starts_demoted(self):
        if util.POLICY == "transfer":
            self.skipTest("transfer demotes nothing")
        before = util.stats()
        queue = SimpleQueue()
        counts = util.delta(before)
        self.assertEqual(counts["demotions"], 1, counts)
        self.assertOwner(queue, None)
        queue.put(chain())      # published: the queue counts as shared
        done = SimpleQueue()
        got = {}

        def consumer(queue=queue, SimpleQueue=SimpleQueue,
                     ownership_stats=sys._ownership_stats):
            warm = SimpleQueue()    # this thread's first get is not timed
            warm.put(None)
            warm.get()
            before = ownership_stats()
            item = queue.get()
            got["counts"] = util.delta(before, ownership_stats())
            got["item"] = item
            done.put(None)

        thread = util.start_thread(consumer)
        try:
            done.get(timeout=util.TIMEOUT)
        finally:
            util.join_threads(thread)
        gets = got["counts"]
        self.assertEqual(gets["requests"], 0, gets)
        self.assertEqual(util.transfers(gets), 0, gets)
        self.assertOwner(queue, None)
        self.assertEqual(got["item"].child.child.value, (1,))

    @threading_helper.reap_threads
    def test_starting_a_thread_publishes_it(self):
        class Worker(threading.Thread):
            """A subclass, as multiprocessing's ThreadPool starts."""

        lst = []
        got = {}

        def write(lst, get_owner=sys._get_object_owner):
            lst.append(1)
            # The owner of lst as the write left it: the interpreter-wide
            # counters would also count the main thread's takes meanwhile.
            got["owner"] = get_owner(lst)

        # The Thread, its args tuple, and the list in it.
        thread = Worker(target=write, args=(lst,))
        before = util.stats()
        thread.start()
        counts = util.delta(before)
        util.join_threads(thread)
        self.assertCounted(counts, "published", 3)
        self.assertEqual(lst, [1])
        if util.POLICY == "transfer":
            self.assertEqual(counts["demotions"], 0, counts)
        else:
            self.assertCounted(counts, "demotions", 3)
            self.assertOwner(thread, None)
            # The worker wrote the list without taking it.
            self.assertIsNone(got["owner"])
            self.assertOwner(lst, None)

    @util.transfer_policy
    def test_put_on_a_queue_of_one_thread_shares_nothing(self):
        queue = SimpleQueue()
        queue.put(chain())      # a queue this thread made and alone uses
        before = util.stats()
        queue.put(chain())
        counts = util.delta(before)
        self.assertEqual(counts["published"], 0, counts)
        self.assertEqual(queue.get().child.child.value, (1,))


if __name__ == "__main__":
    unittest.main()
