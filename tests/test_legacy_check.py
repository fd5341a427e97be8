"""legacy-check: lxml's suite driver on this interpreter's lxml with a stand-in sdist, the resume, the report."""

from __future__ import annotations

import sys
import tarfile
import textwrap
from pathlib import Path
from typing import Any

import pytest

from ownbench import legacy_check
from ownbench.arch import native_arch
from ownbench.build import Installed
from ownbench.errors import ToolkitError
from ownbench.variants import VARIANTS


def host(variant: str) -> Installed:
    python = Path(sys.executable)
    return Installed(VARIANTS[variant], native_arch(), python.parent.parent, python, {"build_key": "k1"})


def stand_in_sdist(root: Path) -> Path:
    """An sdist whose tests pass, fail, skip, and read a file relative to the sdist's root."""
    tests = root / "src" / "lxml" / "tests"
    tests.mkdir(parents=True)
    (tests / "__init__.py").write_text("")
    (tests / "test_a.py").write_text(textwrap.dedent("""
        import unittest
        import lxml.etree

        class A(unittest.TestCase):
            def test_reads_a_file_of_the_sdist(self):
                self.assertEqual(open("data.txt").read(), "x")

            def test_fails(self):
                self.fail("on purpose")

        def test_suite():
            return unittest.defaultTestLoader.loadTestsFromTestCase(A)
    """))
    (tests / "test_b.py").write_text(textwrap.dedent("""
        import unittest

        class B(unittest.TestCase):
            @unittest.skip("on purpose")
            def test_skipped(self):
                pass
    """))
    (tests / "helper.py").write_text("raise AssertionError('not a test module: never imported')\n")
    (root / "data.txt").write_text("x")
    return root


@pytest.fixture()
def host_lxml(monkeypatch: pytest.MonkeyPatch) -> None:
    """This interpreter has lxml from the toolkit's test requirements."""
    monkeypatch.setattr(legacy_check, "venv_python", lambda inst, log: Path(sys.executable))


def test_suite_runs_from_the_sdist_against_the_installed_lxml_and_resumes(
        tmp_path: Path, host_lxml: None, monkeypatch: pytest.MonkeyPatch) -> None:
    source = stand_in_sdist(tmp_path / "lxml-src")
    out = tmp_path / "run"
    counts = legacy_check.run_suite(host("owner"), source, out, out / "log")
    assert counts["totals"] == {"run": 3, "failures": 1, "errors": 0, "skipped": 1}
    assert sorted(counts["modules"]) == ["test_a", "test_b"]
    assert counts["modules"]["test_a"]["failed_tests"] == ["test_fails (lxml.tests.test_a.A.test_fails)"]
    assert counts["variant"] == "owner" and counts["build_key"] == "k1"
    assert (out / "lxml-suite" / "owner.json").is_file()

    def no_second_run(inst: Installed, log: Path) -> Path:
        raise AssertionError("ran again on the same build")

    monkeypatch.setattr(legacy_check, "venv_python", no_second_run)
    assert legacy_check.run_suite(host("owner"), source, out, out / "log") == counts


def variant_counts(failed: list[str], gil: bool) -> dict[str, Any]:
    return {"lxml": "6.1.3", "libxml2": "2.14.4", "gil_enabled": gil, "clock_acquisitions": 0 if gil else 5,
            "totals": {"run": 10, "failures": len(failed), "errors": 0, "skipped": 1},
            "modules": {"test_a": {"failures": len(failed), "errors": 0, "failed_tests": failed},
                        "test_b": {"failures": 0, "errors": 0, "failed_tests": []}}}


def test_report_names_only_the_modules_whose_failures_differ() -> None:
    same = legacy_check.suite_markdown({"ft": variant_counts([], True), "owner": variant_counts([], False)}, "cpu")
    assert "| ft | on | 0 | 10 | 0 | 0 | 1 |" in same and "| owner | off | 5 | 10 | 0 | 0 | 1 |" in same
    assert "Every module has the same failures and errors on every variant." in same
    differ = legacy_check.suite_markdown({"ft": variant_counts([], True),
                                          "owner": variant_counts(["test_x"], False)}, "cpu")
    assert "| test_a | - | test_x |" in differ and "test_b |" not in differ


def test_a_cached_sdist_is_used_and_a_bad_download_leaves_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def fake_download(command: list[str], log: Path, title: str, **kwargs: Any) -> None:
        Path(command[command.index("-d") + 1], "lxml-6.1.3.tar.gz").write_bytes(b"not a tarball")

    monkeypatch.setattr(legacy_check, "run_logged", fake_download)
    with pytest.raises(tarfile.ReadError):
        legacy_check.lxml_source(tmp_path, tmp_path / "log")
    assert [p.name for p in tmp_path.iterdir()] == []  # nothing half unpacked
    cached = tmp_path / "lxml-6.1.3" / "src" / "lxml" / "tests"
    cached.mkdir(parents=True)

    def no_download(*args: Any, **kwargs: Any) -> None:
        raise ToolkitError("downloaded again")

    monkeypatch.setattr(legacy_check, "run_logged", no_download)
    assert legacy_check.lxml_source(tmp_path, tmp_path / "log") == tmp_path / "lxml-6.1.3"
