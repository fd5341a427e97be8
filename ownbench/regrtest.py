"""Run CPython's own test suite (regrtest) on a built variant and count the outcome."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import NamedTuple

from .build import Installed
from .console import note, step
from .process import EnvChanges, environment
from .results import write_json
from .tsan import Scan, TsanRun
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
    tsan_reports: int = 0
    """ThreadSanitizer warnings (data races and the like) the run printed; 0 without TSan."""
    tsan_fatal: int = 0
    skipped_tests: tuple[str, ...] = ()
    """The skipped test cases, as 'class.method'."""
    failed_tests: tuple[str, ...] = ()
    """The test cases that failed or raised, as 'class.method'."""
    flaky_tests: tuple[str, ...] = ()
    """The test cases that failed, then passed when regrtest re-ran them (runs with `rerun` only)."""

    @property
    def ok(self) -> bool:
        clean = self.tsan_reports == 0 and self.tsan_fatal == 0
        return self.exit_code == 0 and self.failed == 0 and self.passed > 0 and clean


class JunitCases(NamedTuple):
    """What a regrtest --junit-xml file says of its test cases, named 'class.method'."""

    passed: int
    failed: tuple[str, ...]
    skipped: tuple[str, ...]
    flaky: tuple[str, ...] = ()


def count_junit(xml_file: Path) -> JunitCases:
    """The passed count and the failed, skipped and flaky test cases of a regrtest --junit-xml file. A case that
    regrtest re-ran (--rerun) appears once per run and counts by its last one; it is flaky if it failed before."""
    outcomes: dict[str, str] = {}
    failed_once: set[str] = set()
    for case in ET.parse(xml_file).getroot().iter("testcase"):
        name = f"{case.get('classname')}.{case.get('name')}"
        if case.find("failure") is not None or case.find("error") is not None:
            outcomes[name] = "failed"
            failed_once.add(name)
        else:
            outcomes[name] = "skipped" if case.find("skipped") is not None else "passed"

    def having(outcome: str) -> tuple[str, ...]:
        return tuple(n for n, o in outcomes.items() if o == outcome)

    passed = having("passed")
    return JunitCases(len(passed), having("failed"), having("skipped"), tuple(n for n in passed if n in failed_once))


def _run_teed(command: list[str], env: EnvChanges, log: Path) -> int:
    """Run `command` with `env`'s changes to the environment, its output both shown and written to `log`; return its
    exit code."""
    with log.open("w") as out, subprocess.Popen(command, env=environment(env), stdout=subprocess.PIPE,
                                                stderr=subprocess.STDOUT, text=True, errors="replace") as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
            out.write(line)
        return proc.wait()


def run_tests(installed: Installed, tests: tuple[str, ...], out: Path, jobs: int = 2,
              tsan: TsanRun | None = None, rerun: bool = False) -> TestCounts:
    """Run `tests` with `python -m test -jN`, write the counts to `out` and return them.

    With `rerun`, regrtest re-runs the tests that failed (--rerun, as CPython's own CI does): a test that then
    passes counts as passed and is named in `flaky_tests`.

    With `tsan` (a ThreadSanitizer build), TSAN_OPTIONS point at its suppressions and log directory, and the
    reports found there and in regrtest's output are counted: any report fails the run. Every process runs with the
    variant's environment (its ownership policy).
    """
    step(f"regrtest on {installed.name}: {' '.join(tests)}")
    with tempfile.TemporaryDirectory(prefix="ownbench-regrtest-") as tmp:
        junit = Path(tmp) / "junit.xml"
        command = [str(installed.python), "-m", "test", f"-j{jobs}", "--junit-xml", str(junit),
                   *(["--rerun"] if rerun else [])]
        env = installed.variant.environment()
        if tsan is None:
            exit_code = subprocess.run([*command, *tests], check=False, env=environment(env)).returncode
        else:
            tsan.clear()
            exit_code = _run_teed(tsan.command(command, tests), {**env, **tsan.env()}, tsan.output_log)
        cases = count_junit(junit) if junit.is_file() else JunitCases(0, (), ())
    scan = tsan.scan() if tsan else Scan()
    counts = TestCounts(cases.passed, len(cases.failed), len(cases.skipped), exit_code, tests, scan.reports,
                        scan.fatal, cases.skipped, cases.failed, cases.flaky)
    record = {"variant": installed.variant.label, "arch": installed.arch.machine,
              "build_key": installed.manifest.get("build_key"), **asdict(counts)}
    if tsan:
        record.update(tsan=True, tsan_logs=str(tsan.log_dir), suppressions=str(tsan.suppressions),
                      tsan_summaries=scan.to_json()["summaries"])
    write_json(out, record)
    note(f"{installed.name}: {cases.passed} passed, {len(cases.failed)} failed, {len(cases.skipped)} skipped "
         f"(exit {exit_code})")
    for name in cases.failed:
        note(f"[red]  failed:[/] {name}")
    for name in cases.flaky:
        note(f"[yellow]  flaky (failed, then passed when re-run):[/] {name}")
    if tsan:
        colour = "green" if scan.reports == scan.fatal == 0 else "red"
        note(f"[{colour}]{installed.name}: {scan.reports} ThreadSanitizer report(s), {scan.fatal} fatal[/] "
             f"(logs: {tsan.log_dir})")
        for summary, times in scan.summaries.most_common(10):
            note(f"  {times}x {summary}")
    return counts
