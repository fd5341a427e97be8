"""Pooling several runs of the same builds into one report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_report import host_installed, pyperf_timeit

from ownbench.bench.pyperformance_runner import merge_rounds
from ownbench.errors import ToolkitError
from ownbench.pipeline import record_run
from ownbench.pool import pool
from ownbench.report import write_report
from ownbench.results import read_json, write_json

STATEMENTS = {"ft": "sum(range(2000))", "owner": "sum(range(50))"}


def one_run(root: Path, name: str, build_keys: dict[str, str]) -> Path:
    """A results directory with one pyperformance round and one ownership record per variant."""
    out = root / name
    installed = [host_installed(v) for v in STATEMENTS]
    for inst in installed:
        inst.manifest["build_key"] = build_keys[inst.variant.name]
    record_run(out, name, "quick", installed)
    for variant, statement in STATEMENTS.items():
        raw = out / "raw" / "pyperformance" / variant / "summing.r0.json"
        raw.parent.mkdir(parents=True)
        pyperf_timeit(raw, "summing", statement)
        merge_rounds([raw], out / "pyperformance" / f"{variant}.json")
        write_json(out / "raw" / "ownership" / variant / "steal_roundtrip.r0.json",
                   {"benchmark": "steal_roundtrip", "variant": variant, "round": 0, "handoffs": 3, "seconds": 1.0,
                    "n": 3, "samples_ns": [100, 200, 300], "ownership_stats": None})
    return out


KEYS = {"ft": "ft-key", "owner": "owner-key"}


def test_pooled_report_has_the_rounds_of_every_run(tmp_path: Path) -> None:
    runs = [one_run(tmp_path, f"run{i}", KEYS) for i in (1, 2)]
    for run_dir, seconds in zip(runs, (600, 660), strict=True):
        write_json(run_dir / "run.json", {**read_json(run_dir / "run.json"), "pyperformance_seconds": seconds})
    dest = pool(runs, tmp_path / "pooled")
    suite = json.loads((dest / "pyperformance" / "owner.json").read_text())
    (bench,) = suite["benchmarks"]
    assert len([r for r in bench["runs"] if "values" in r]) == 6  # 3 processes in each of the 2 runs
    rounds = sorted(p.name for p in (dest / "raw" / "ownership" / "owner").glob("*.json"))
    assert rounds == ["steal_roundtrip.r0.json", "steal_roundtrip.r1.json"]
    run = read_json(dest / "run.json")
    assert run["rounds"] == 2 and [p["dir"] for p in run["pooled_from"]] == [str(r) for r in runs]
    assert run["pyperformance_seconds"] == 1260  # the time of both runs' rounds, not of the first run's only
    write_report(dest)
    summary = json.loads((dest / "summary.json").read_text())
    assert summary["pyperformance_geomean"]["owner_vs_ft"] < 0.5  # owner summed 40 times fewer numbers
    assert summary["ownership"]["steal_roundtrip"]["owner"]["n"] == 6  # the samples of both runs


def test_runs_of_other_builds_are_refused(tmp_path: Path) -> None:
    first = one_run(tmp_path, "run1", KEYS)
    rebuilt = one_run(tmp_path, "run2", {**KEYS, "owner": "rebuilt-owner-key"})
    with pytest.raises(ToolkitError, match="owner of .*run2 is another build"):
        pool([first, rebuilt], tmp_path / "pooled")
    assert not (tmp_path / "pooled").exists()


def test_pool_never_writes_into_a_directory_with_files(tmp_path: Path) -> None:
    runs = [one_run(tmp_path, f"run{i}", KEYS) for i in (1, 2)]
    dest = tmp_path / "mine"
    dest.mkdir()
    (dest / "notes.txt").write_text("keep me")
    with pytest.raises(ToolkitError, match="not empty"):
        pool(runs, dest)
    assert (dest / "notes.txt").read_text() == "keep me"
