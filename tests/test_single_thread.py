"""The single-thread microbenchmarks: real pyperf runs on this interpreter, resumable runner, report section."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

import pyperf
import pytest

from ownbench.arch import native_arch
from ownbench.bench import pyperformance_runner, single_thread
from ownbench.bench.profiles import PROFILES
from ownbench.build import Installed
from ownbench.pipeline import record_run
from ownbench.report import write_report
from ownbench.variants import VARIANTS

TINY = replace(PROFILES["quick"], single_thread_mode=("--debug-single-value",), rounds=1)
NAMES = {"mutate_list", "mutate_dict", "read_list_item", "read_dict_str", "detach_sleep0", "detach_lock"}


def host_installed(variant: str) -> Installed:
    python = Path(sys.executable)
    manifest: dict[str, object] = {"variant": variant, "version": sys.version, "configure_flags": ["(host)"]}
    return Installed(VARIANTS[variant], native_arch(), python.parent.parent, python, manifest)


@pytest.fixture(scope="module")
def results_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("results") / "2026-12-03-st-x86_64-quick"
    installed = [host_installed("ft"), host_installed("owner")]
    record_run(out, "st", "quick", installed)
    assert single_thread.run_single_thread(installed, TINY, out) == []
    return out


def test_every_variant_gets_a_suite_of_every_benchmark(results_dir: Path) -> None:
    for variant in ("ft", "owner"):
        suite = pyperf.BenchmarkSuite.load(str(single_thread.suite_file(results_dir, variant)))
        assert NAMES <= set(suite.get_benchmark_names())
        assert all(b.mean() > 0 for b in suite.get_benchmarks())


def test_a_rerun_resumes_instead_of_running_again(results_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def must_not_run(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"ran again: {args}")

    monkeypatch.setattr(pyperformance_runner, "run_logged", must_not_run)
    installed = [host_installed("ft"), host_installed("owner")]
    assert single_thread.run_single_thread(installed, TINY, results_dir) == []


def test_a_failing_script_is_reported_and_leaves_no_record(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    broken = tmp_path / "scripts"
    broken.mkdir()
    (broken / "broken.py").write_text("raise SystemExit('no benchmark here')\n")
    monkeypatch.setattr(single_thread, "SCRIPT_DIR", broken)
    out = tmp_path / "run"
    failures = single_thread.run_single_thread([host_installed("ft")], TINY, out)
    assert failures == ["broken on ft (round 1)"]
    assert not list(single_thread.raw_dir(out, "ft").glob("*.json*"))
    assert "no benchmark here" in (out / "logs" / "single_thread.log").read_text()


def test_report_has_owner_against_ft_per_benchmark(results_dir: Path) -> None:
    report = write_report(results_dir).read_text()
    assert "## Single-thread microbenchmarks" in report
    summary = json.loads((results_dir / "summary.json").read_text())
    ratios = summary["single_thread"]["owner / ft"]
    assert NAMES <= set(ratios)
    for name in NAMES:
        r = ratios[name]
        assert r["ci_low"] <= r["ratio"] <= r["ci_high"]
        assert f"| {name} | {r['ratio']:.3f} [" in report
    assert "microbenchmark time by group (geomean), owner / ft" in report  # the headline row
