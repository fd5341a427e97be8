"""legacy_mix (lxml beside pure Python): the real script on this interpreter, the resumable runner, the report."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from ownbench.arch import native_arch
from ownbench.bench import legacy, pyperformance_runner
from ownbench.bench.profiles import PROFILES
from ownbench.build import Installed
from ownbench.errors import ToolkitError
from ownbench.pipeline import record_run
from ownbench.report import write_report
from ownbench.variants import VARIANTS

TINY = replace(PROFILES["quick"], legacy_rounds=1, legacy_seconds=0.05)


def host_installed(variant: str, prefix: Path | None = None, python: Path | None = None) -> Installed:
    python = python or Path(sys.executable)
    manifest: dict[str, object] = {"variant": variant, "version": sys.version, "configure_flags": ["(host)"]}
    return Installed(VARIANTS[variant], native_arch(), prefix or python.parent.parent, python, manifest)


@pytest.fixture()
def host_lxml(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run the script with this interpreter, which has lxml from the toolkit's test requirements."""
    monkeypatch.setattr(legacy, "venv_python", lambda inst, log: Path(sys.executable))


@pytest.fixture()
def results_dir(tmp_path: Path, host_lxml: None) -> Path:
    out = tmp_path / "2026-12-03-legacy-x86_64-quick"
    installed = [host_installed("stock"), host_installed("ft"), host_installed("owner")]
    record_run(out, "legacy", "quick", installed)
    assert legacy.run_legacy(installed, TINY, out) == []
    return out


def test_ft_also_runs_with_the_gil_forced_off() -> None:
    modes = legacy.modes_of([host_installed("stock"), host_installed("ft"), host_installed("owner")])
    assert [(m.name, m.env) for m in modes] == [
        ("stock", {}), ("ft", {}), ("ft-gil0", {"PYTHON_GIL": "0"}), ("owner", {})]


def test_every_mode_gets_a_checked_record(results_dir: Path) -> None:
    runs = legacy.load_legacy(results_dir)
    assert sorted(runs) == ["ft", "ft-gil0", "owner", "stock"]
    for mode, (run,) in runs.items():
        assert run["python_gil_env"] == ("0" if mode == "ft-gil0" else None)
        assert set(run["fractions"]) == {"lxml", *(f"python{i}" for i in range(1, run["threads"]))}
        assert run["sum_of_fractions"] == pytest.approx(sum(run["fractions"].values()))
        assert all(rate > 0 for rate in run["solo_units_per_s"].values())


def test_a_rerun_resumes_instead_of_running_again(results_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def must_not_run(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"ran again: {args}")

    monkeypatch.setattr(pyperformance_runner, "run_logged", must_not_run)
    installed = [host_installed("stock"), host_installed("ft"), host_installed("owner")]
    assert legacy.run_legacy(installed, TINY, results_dir) == []


def test_a_failing_run_is_reported_and_leaves_no_record(tmp_path: Path, host_lxml: None,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    broken = tmp_path / "broken.py"
    broken.write_text("raise SystemExit('lxml tree differs')\n")
    monkeypatch.setattr(legacy, "SCRIPT", broken)
    out = tmp_path / "run"
    assert legacy.run_legacy([host_installed("owner")], TINY, out) == ["legacy_mix on owner (round 1)"]
    assert not list(legacy.raw_dir(out, "owner").glob("*.json*"))
    assert "lxml tree differs" in (out / "logs" / "legacy.log").read_text()


def test_a_venv_left_half_made_is_removed(tmp_path: Path) -> None:
    prefix = tmp_path / "install"
    stale = legacy.venv_dir(host_installed("owner", prefix))
    (stale / "bin").mkdir(parents=True)
    (stale / "bin" / "python").write_text("left by an interrupted run")
    failing = host_installed("owner", prefix, Path("/bin/false"))
    with pytest.raises(ToolkitError, match="venv for lxml on owner"):
        legacy.venv_python(failing, tmp_path / "legacy.log")
    assert not stale.exists()


def test_report_gives_each_mode_its_sum_and_the_headline_says_why_owner_has_the_gil(results_dir: Path) -> None:
    report = write_report(results_dir).read_text()
    summary = json.loads((results_dir / "summary.json").read_text())["legacy"]
    assert list(summary) == ["stock", "ft", "ft-gil0", "owner"]
    assert "## Legacy extension beside Python (lxml)" in report
    for mode, found in summary.items():
        assert f"| {mode} | on | " in report  # this host interpreter always has a GIL
        assert f"**{found['sum_of_fractions']:.2f}**" in report
    assert "owner / ft: " in report
    headline = report.split("## Headline", 1)[1].split("\n## ", 1)[0]
    assert "owner turns the GIL on at `import lxml.etree`" in headline
    assert f"owner {summary['owner']['sum_of_fractions']:.2f}" in headline
