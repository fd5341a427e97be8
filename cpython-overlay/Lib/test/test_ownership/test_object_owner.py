"""sys._get_object_owner(): which thread owns an object."""

import sys
import threading
import unittest

from test.support import threading_helper

TIMEOUT = 30


class GetObjectOwnerTests(unittest.TestCase):
    def test_new_object_is_owned_by_the_creating_thread(self):
        obj = [1, 2, 3]
        self.assertEqual(sys._get_object_owner(obj), threading.get_ident())

    def test_immortal_objects_have_no_owner(self):
        for obj in (None, True, False, 1, (), "", Ellipsis):
            with self.subTest(obj=obj):
                self.assertIsNone(sys._get_object_owner(obj))

    @threading_helper.reap_threads
    def test_object_made_in_another_thread_is_owned_by_it(self):
        made = {}
        checked = threading.Event()

        def worker():
            made["obj"] = {"made": "in worker"}
            made["ident"] = threading.get_ident()
            made["ready"].set()
            checked.wait(TIMEOUT)

        made["ready"] = threading.Event()
        thread = threading.Thread(target=worker)
        thread.start()
        try:
            self.assertTrue(made["ready"].wait(TIMEOUT))
            self.assertNotEqual(made["ident"], threading.get_ident())
            self.assertEqual(sys._get_object_owner(made["obj"]), made["ident"])
        finally:
            checked.set()
            thread.join(TIMEOUT)

    @threading_helper.reap_threads
    def test_objects_of_an_exited_thread_have_no_owner(self):
        made = []
        thread = threading.Thread(target=lambda: made.append({"made": "in worker"}))
        thread.start()
        thread.join(TIMEOUT)
        self.assertFalse(thread.is_alive())
        self.assertIsNone(sys._get_object_owner(made[0]))

    def test_takes_exactly_one_argument(self):
        with self.assertRaises(TypeError):
            sys._get_object_owner()
        with self.assertRaises(TypeError):
            sys._get_object_owner(1, 2)


if __name__ == "__main__":
    unittest.main()
