"""PYTHON_OWNERSHIP and -X ownership: the policy of the ownership build.

The policy is read once, at startup, so each policy is tried in a child
process.  This package runs in-process under the policy of the test run
(the default, "adaptive", unless PYTHON_OWNERSHIP says otherwise);
test_package_under_* run it again under the other two, so that every
test, the deadlock shapes among them, runs under all three.
"""

import os
import subprocess
import sys
import unittest

from test import support
from test.test_ownership import util

POLICIES = ("transfer", "share", "adaptive")
PRINT_POLICY = "import sys; print(sys._ownership_policy())"


def child_env(policy=None):
    """The environment of a child process, with PYTHON_OWNERSHIP=*policy*."""
    env = dict(os.environ)
    env.pop("PYTHON_OWNERSHIP", None)
    if policy is not None:
        env["PYTHON_OWNERSHIP"] = policy
    return env


def run_child(args, policy=None, timeout=util.TIMEOUT):
    return subprocess.run([sys.executable, *args], env=child_env(policy),
                          capture_output=True, text=True, timeout=timeout)


class PolicySettingTests(unittest.TestCase):

    def test_default_is_adaptive(self):
        proc = run_child(["-c", PRINT_POLICY])
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stdout.strip(), "adaptive")

    def test_environment_variable(self):
        for policy in POLICIES:
            with self.subTest(policy):
                proc = run_child(["-c", PRINT_POLICY], policy)
                self.assertEqual(proc.returncode, 0, proc.stderr)
                self.assertEqual(proc.stdout.strip(), policy)

    def test_xoption_wins_over_environment(self):
        proc = run_child(["-X", "ownership=share", "-c", PRINT_POLICY],
                         "transfer")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stdout.strip(), "share")

    def test_ignore_environment(self):
        proc = run_child(["-E", "-c", PRINT_POLICY], "share")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stdout.strip(), "adaptive")

    def test_unknown_policy_is_an_error_naming_the_three(self):
        for args, policy in ((["-c", "pass"], "lend"),
                             (["-X", "ownership=", "-c", "pass"], None)):
            with self.subTest(args=args, policy=policy):
                proc = run_child(args, policy)
                self.assertNotEqual(proc.returncode, 0)
                for name in POLICIES:
                    self.assertIn(f'"{name}"', proc.stderr)


@unittest.skipIf("PYTHON_OWNERSHIP" in os.environ,
                 "this run already chose its policy")
class PackageUnderPolicyTests(unittest.TestCase):

    def run_package(self, policy):
        proc = run_child(["-m", "test", "test_ownership",
                          "--timeout", str(int(support.LONG_TIMEOUT))],
                         policy, timeout=2 * support.LONG_TIMEOUT)
        self.assertEqual(proc.returncode, 0,
                         f"test_ownership under {policy}:\n"
                         f"{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
        self.assertIn("Result: SUCCESS", proc.stdout)

    def test_package_under_transfer(self):
        self.run_package("transfer")

    def test_package_under_share(self):
        self.run_package("share")


if __name__ == "__main__":
    unittest.main()
