"""Run CPython's own test suite (regrtest) on a built variant and count the outcome."""

from __future__ import annotations

import subprocess
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass
from pathlib import Path

from .build import Installed
from .console import note, step
from .results import write_json
from .variants import Variant

OWNERSHIP_TESTS: tuple[str, ...] = ("test_ownership",)
FREE_THREADING_TESTS: tuple[str, ...] = (
    "test_free_threading", "test_threading", "test_thread", "test_list", "test_dict", "test_set", "test_gc",
    "test_weakref", "test_capi", "test_sys", "test_queue", "test_descr", "test_class", "test_itertools",
    "test_functools", "test_concurrent_futures",
)
DEFAULT_TESTS: dict[str, tuple[str, ...]] = {
    "stock": ("test_threading", "test_thread", "test_list", "test_dict", "test_set", "test_queue"),
    "ft": FREE_THREADING_TESTS,
    "owner": (*OWNERSHIP_TESTS, *FREE_THREADING_TESTS),
}
SMOKE_TESTS: tuple[str, ...] = ("test_thread", "test_list")
EMULATED_TESTS: dict[str, tuple[str, ...]] = {
    "stock": ("test_thread", "test_list", "test_dict", "test_set", "test_queue"),
    "ft": ("test_thread", "test_list", "test_dict", "test_set", "test_queue", "test_free_threading"),
    "owner": (*OWNERSHIP_TESTS, "test_thread", "test_list", "test_dict", "test_set", "test_queue",
              "test_free_threading"),
}


def smoke_tests(variant: Variant) -> tuple[str, ...]:
    """A quick check that a build works; the ownership tests too where Py_OWNERSHIP is defined."""
    return (*OWNERSHIP_TESTS, *SMOKE_TESTS) if variant.ownership else SMOKE_TESTS


def default_tests(variant: Variant, emulated: bool) -> tuple[str, ...]:
    """The variant's default list; a shorter one under emulation, where everything is ~10x slower."""
    return (EMULATED_TESTS if emulated else DEFAULT_TESTS)[variant.name]


@dataclass(frozen=True)
class TestCounts:
    passed: int
    failed: int
    skipped: int
    exit_code: int
    tests: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and self.failed == 0 and self.passed > 0


def count_junit(xml_file: Path) -> tuple[int, int, int]:
    """(passed, failed, skipped) test cases in a regrtest --junit-xml file."""
    total = failed = skipped = 0
    for case in ET.parse(xml_file).getroot().iter("testcase"):
        total += 1
        if case.find("failure") is not None or case.find("error") is not None:
            failed += 1
        elif case.find("skipped") is not None:
            skipped += 1
    return total - failed - skipped, failed, skipped


def run_tests(installed: Installed, tests: tuple[str, ...], out: Path, jobs: int = 2) -> TestCounts:
    """Run `tests` with `python -m test -jN`, write the counts to `out` and return them."""
    step(f"regrtest on {installed.variant.name}: {' '.join(tests)}")
    with tempfile.TemporaryDirectory(prefix="ownbench-regrtest-") as tmp:
        junit = Path(tmp) / "junit.xml"
        command = [str(installed.python), "-m", "test", f"-j{jobs}", "--junit-xml", str(junit), *tests]
        exit_code = subprocess.run(command, check=False).returncode
        passed, failed, skipped = count_junit(junit) if junit.is_file() else (0, 0, 0)
    counts = TestCounts(passed, failed, skipped, exit_code, tests)
    write_json(out, {"variant": installed.variant.name, "arch": installed.arch.machine,
                     "build_key": installed.manifest.get("build_key"), **asdict(counts)})
    note(f"{installed.variant.name}: {passed} passed, {failed} failed, {skipped} skipped (exit {exit_code})")
    return counts
