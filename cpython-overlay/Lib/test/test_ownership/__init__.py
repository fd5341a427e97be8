import os
import sysconfig
import unittest

from test.support import load_package_tests

if not sysconfig.get_config_var("Py_OWNERSHIP"):
    raise unittest.SkipTest("requires the ownership build (--with-ownership)")


def load_tests(*args):
    return load_package_tests(os.path.dirname(__file__), *args)
