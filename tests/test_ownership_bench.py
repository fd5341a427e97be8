"""The ownership benchmarks: scripts run on this interpreter, resumable runner, report from real runs."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from ownbench import pipeline
from ownbench.arch import native_arch
from ownbench.bench.callgrind import count_instructions, workloads
from ownbench.bench.ownership import SCRIPT_DIR, raw_file, run_ownership
from ownbench.bench.profiles import PROFILES, OwnershipSizes, Profile, get_profile
from ownbench.build import Installed
from ownbench.headline import contended_rows
from ownbench.ownership_report import contended_cpu_table, contended_table, contended_waits_table
from ownbench.pipeline import record_run
from ownbench.report import write_report
from ownbench.results import read_json, write_json
from ownbench.variants import VARIANTS
from ownbench.versions import get_release

TINY = replace(PROFILES["quick"], ownership=OwnershipSizes(2, 30, 10.0, 4, (1, 2), 2_000, 0.01, 1))
SCRIPTS = ("steal_roundtrip", "take_detached", "local_scaling", "contended")
STAND_IN_STATS = '''
import sys
sys._ownership_reset_stats = lambda: None
sys._ownership_stats = lambda: {"fast": 0, "taken_detached": 2, "wait_ns_max": 7}
'''


def host_installed(variant: str, python: Path = Path(sys.executable)) -> Installed:
    manifest: dict[str, object] = {"variant": variant, "version": sys.version, "configure_flags": ["(host)"]}
    return Installed(VARIANTS[variant], native_arch(), python.parent.parent, python, manifest)


def run_script(name: str, *args: str) -> dict[str, Any]:
    out = subprocess.run([sys.executable, str(SCRIPT_DIR / f"{name}.py"), *args],
                         capture_output=True, text=True, check=True).stdout
    return dict(json.loads(out))


def test_steal_roundtrip_measures_every_handoff() -> None:
    data = run_script("steal_roundtrip", "--handoffs", "20", "--warmup", "2")
    samples = data["samples_ns"]
    assert data["n"] == len(samples) == 20 and all(s > 0 for s in samples)
    assert data["median_ns"] == statistics.median(samples) and max(samples) >= data["p99_ns"] >= data["median_ns"]
    # The players alternate, so the kept handoffs split evenly between the two receivers.
    assert data["to_main"]["n"] == data["to_worker"]["n"] == 10
    assert all(min(samples) <= data[d]["median_ns"] <= max(samples) for d in ("to_main", "to_worker"))
    assert data["ownership_stats"] is None and data["gil"] is (getattr(sys, "_is_gil_enabled", lambda: True)())


def test_take_detached_counts_usable_and_late_repetitions() -> None:
    data = run_script("take_detached", "--reps", "6", "--warmup", "1", "--sleep-us", "3000")
    assert set(data["modes"]) == {"sleep", "lock"}
    for mode in data["modes"].values():
        assert mode["n"] + mode["late"] == 6 and len(mode["samples_ns"]) == mode["n"]
    # Only a sleeping owner can wake on its own, so every repetition of the lock mode is kept as a sample.
    assert data["modes"]["lock"]["n"] == 6
    bad = subprocess.run([sys.executable, str(SCRIPT_DIR / "take_detached.py"), "--modes", "nap"],
                         capture_output=True, text=True, check=False)
    assert bad.returncode != 0 and "unknown mode 'nap'" in bad.stderr


def test_local_scaling_always_has_one_thread_as_base() -> None:
    data = run_script("local_scaling", "--threads", "3", "--iterations", "1000")
    assert set(data["threads"]) == {"1", "3"}
    one, three = data["threads"]["1"], data["threads"]["3"]
    assert one["speedup"] == 1.0
    assert three["speedup"] == pytest.approx(three["mutations_per_s"] / one["mutations_per_s"])
    assert three["mutations_per_s"] == pytest.approx(3 * 1000 * 5 / three["seconds"])


def test_contended_cases_run_and_check_their_results() -> None:
    data = run_script("contended", "--threads", "2", "--repeats", "2", "--scale", "0.01")
    assert set(data["cases"]) == {"queue_pingpong", "shared_list_append", "shared_dict_update", "read_mostly",
                                  "threadpool_map", "threadpool_imap", "pipeline_writes"}
    for case in data["cases"].values():
        assert len(case["seconds"]) == 2 and case["median_s"] == statistics.median(case["seconds"]) > 0
        assert len(case["cpu_seconds"]) == len(case["voluntary_switches"]) == len(case["involuntary_switches"]) == 2
        assert min(case["cpu_seconds"]) >= 0 and min(case["voluntary_switches"] + case["involuntary_switches"]) >= 0
    # The CPU time is the process's: threads that pass 200 tasks through a pool spend some.
    assert sum(data["cases"]["threadpool_map"]["cpu_seconds"]) > 0
    assert len({case["pid"] for case in data["cases"].values()}) == len(data["cases"])  # a process each
    bad = subprocess.run([sys.executable, str(SCRIPT_DIR / "contended.py"), "--cases", "nope"],
                         capture_output=True, text=True, check=False)
    assert bad.returncode != 0 and "unknown case 'nope'" in bad.stderr


def contended_rounds(*round_seconds: list[float]) -> list[dict[str, Any]]:
    """Stored contended runs of one case ("c"), one per round, with these repeats."""
    return [{"round": i, "threads": 2, "repeats": len(seconds), "cases": {"c": {"seconds": seconds}}}
            for i, seconds in enumerate(round_seconds)]


def test_paired_ratios_cancel_slow_spells_that_hit_both_variants_of_a_round() -> None:
    # A slow spell of the machine triples rounds 1 and 2 for both variants, and round 3 for owner only.
    ft = contended_rounds([1.0], [3.0], [3.0], [1.0], [1.0])
    owner = contended_rounds([1.1], [3.3], [3.3], [3.3], [1.1])
    text, summary = contended_table({"ft": ft, "owner": owner}, ["ft", "owner"])
    assert summary["case_vs_ft"]["owner"]["c"]["ratio"] == pytest.approx(3.3)  # medians of each: 3.3 / 1.0
    paired = summary["paired_case_vs_ft"]["owner"]["c"]
    assert paired["ratio"] == pytest.approx(1.1) and paired["ci_low"] == pytest.approx(1.1)
    assert summary["paired_geomean_vs_ft"]["owner"]["ratio"] == pytest.approx(1.1)
    assert "| owner / ft, paired |" in text and "| 1.100 [1.100, " in text
    rows = contended_rows({"ownership": {"contended": summary}})
    assert rows[1][0].startswith("Contended workloads, paired by round") and rows[1][1].startswith("1.100 [")
    assert rows[1][2].endswith("worst case c at " + rows[1][1])
    # Rounds are matched by number, not by order.
    _, shuffled = contended_table({"ft": ft, "owner": owner[::-1]}, ["ft", "owner"])
    assert shuffled["paired_case_vs_ft"] == summary["paired_case_vs_ft"]


def test_contended_intervals_are_over_rounds_not_repeats() -> None:
    # Repeats that differ only within a round: each round's median is the same, so the interval is one point.
    ft = contended_rounds([1.0, 2.0, 3.0], [0.5, 2.0, 9.0], [2.0, 2.0, 2.0])
    owner = contended_rounds([3.0, 1.0, 5.0], [3.0, 3.0, 3.0], [0.1, 3.0, 7.0])
    text, summary = contended_table({"ft": ft, "owner": owner}, ["ft", "owner"])
    assert "| c | 2000.0 | 3000.0 | 1.500 [1.500, 1.500] |" in text
    assert summary["case_vs_ft"]["owner"]["c"] == {"ratio": 1.5, "ci_low": 1.5, "ci_high": 1.5}
    assert summary["geomean_vs_ft"]["owner"]["ratio"] == 1.5
    # Rounds that differ: the interval spans their ratios.
    moving = contended_rounds([2.0], [3.0], [4.0], [5.0], [6.0])
    _, spread = contended_table({"ft": contended_rounds(*[[4.0]] * 5), "owner": moving}, ["ft", "owner"])
    ratio = spread["case_vs_ft"]["owner"]["c"]
    assert ratio["ratio"] == 1.0 and ratio["ci_low"] < 1.0 < ratio["ci_high"]
    # Two rounds give a ratio without an interval.
    two, short = contended_table({"ft": ft[:2], "owner": owner[:2]}, ["ft", "owner"])
    assert "| c | 2000.0 | 3000.0 | 1.50 |" in two and short["geomean_vs_ft"] == {} and short["case_vs_ft"] == {
        "owner": {}}


def cpu_rounds(*rounds: tuple[float, int, int]) -> list[dict[str, Any]]:
    """Stored contended runs of one case ("c", 100 operations, wall time 1 s), one per round, each with one repeat
    of these CPU seconds, voluntary and involuntary context switches."""
    return [{"round": i, "threads": 2, "repeats": 1,
             "cases": {"c": {"ops": 100, "seconds": [1.0], "cpu_seconds": [cpu], "voluntary_switches": [voluntary],
                             "involuntary_switches": [involuntary]}}}
            for i, (cpu, voluntary, involuntary) in enumerate(rounds)]


def test_contended_cpu_time_is_paired_by_round_and_switches_counted_per_operation() -> None:
    ft = cpu_rounds((1.0, 50, 10), (2.0, 70, 30), (1.0, 60, 20))
    owner = cpu_rounds((1.2, 100, 40), (2.4, 120, 60), (1.2, 110, 50))
    found = contended_cpu_table({"ft": ft, "owner": owner}, ["ft", "owner"])
    assert found is not None
    text, summary = found
    assert summary["paired_case_vs_ft"]["owner"]["c"]["ratio"] == pytest.approx(1.2)
    assert summary["paired_geomean_vs_ft"]["owner"]["ratio"] == pytest.approx(1.2)
    assert summary["switches_per_op"]["owner"]["c"] == [pytest.approx(1.1), pytest.approx(0.5)]
    assert "| c | 1000.0 (0.60 / 0.20) | 1200.0 (1.10 / 0.50) | 1.200 [1.200, 1.200] |" in text
    row = contended_rows({"ownership": {"contended_cpu": summary}})
    assert row == []  # no wall-time table: no headline rows at all
    rows = contended_rows({"ownership": {"contended": contended_table({"ft": ft, "owner": owner}, ["ft", "owner"])[1],
                                         "contended_cpu": summary}})
    assert rows[-1][0].startswith("Contended workloads, paired by round: CPU time") and rows[-1][1].startswith("1.200")
    # Runs made before the CPU time was measured: no table.
    assert contended_cpu_table({"ft": contended_rounds([1.0]), "owner": contended_rounds([1.0])},
                               ["ft", "owner"]) is None


def waits_round(seconds: list[float], requests: int, share_requests: int, wait_ns: int, max_ns: int) -> dict[str, Any]:
    stats = {"requests": requests, "share_requests": share_requests, "wait_ns_total": wait_ns, "wait_ns_max": max_ns}
    return {"cases": {"c": {"seconds": seconds, "ownership_stats": stats}}}


def test_waits_for_an_owner_are_per_request_and_a_share_of_wall_time() -> None:
    owner = [waits_round([0.5, 0.5], 3, 1, 2_000_000, 900_000), waits_round([1.0, 1.0], 5, 1, 8_000_000, 1_500_000)]
    found = contended_waits_table({"ft": contended_rounds([1.0]), "owner": owner}, ["ft", "owner"])
    assert found is not None
    text, summary = found
    # 10 requests over 4 runs and 3 s of wall time, waiting 10 ms in all, 1.5 ms at most.
    assert summary["owner"]["c"] == {"requests_per_run": 2.5, "mean_wait_us": 1000.0, "max_wait_ms": 1.5,
                                     "wait_share": pytest.approx(10e-3 / 3)}
    assert "| c | owner | 2.5 | 1,000.0 | 1.50 | 0.33% |" in text
    # ft has no counters, and runs without them give no table.
    assert "| c | ft |" not in text
    assert contended_waits_table({"ft": contended_rounds([1.0])}, ["ft"]) is None


@pytest.fixture
def ownership_results(tmp_path: Path) -> Path:
    out = tmp_path / "results" / "2026-11-25-test-x86_64-quick"
    installed = [host_installed("stock"), host_installed("ft")]
    record_run(out, "test", "quick", installed)
    assert run_ownership(installed, TINY, out) == []
    return out


def test_runner_stores_each_round_and_resumes(ownership_results: Path) -> None:
    out = ownership_results
    files = [raw_file(out, v, s, r) for v in ("stock", "ft") for s in SCRIPTS for r in range(2)]
    assert all(f.is_file() for f in files)
    assert read_json(files[0])["variant"] == "stock" and read_json(files[1])["round"] == 1
    kept, redo = files[0].stat().st_mtime_ns, files[-1]
    redo.unlink()
    assert run_ownership([host_installed("stock"), host_installed("ft")], TINY, out) == []
    assert files[0].stat().st_mtime_ns == kept and redo.is_file()


def test_runner_reports_a_failing_interpreter(tmp_path: Path) -> None:
    broken = host_installed("owner", Path("/bin/false"))
    failures = run_ownership([broken], replace(TINY, ownership=replace(TINY.ownership, rounds=1)), tmp_path)
    assert failures == [f"{s} on owner (round 1)" for s in SCRIPTS]
    assert not list((tmp_path / "raw").glob("*/*/*.json"))  # no record, only the build stamp
    assert "# exit 1" in (tmp_path / "logs" / "ownership.log").read_text()


def test_report_tables_come_from_the_raw_runs(ownership_results: Path) -> None:
    out = ownership_results
    report = write_report(out).read_text()
    summary = json.loads((out / "summary.json").read_text())["ownership"]
    for variant in ("stock", "ft"):
        steal = [s for r in range(2) for s in read_json(raw_file(out, variant, "steal_roundtrip", r))["samples_ns"]]
        row = f"| {variant} | {len(steal):,} | {statistics.median(steal):,.0f} |"
        assert row in report
        by_direction = [[read_json(raw_file(out, variant, "steal_roundtrip", r))[d]["median_ns"] for r in range(2)]
                        for d in ("to_main", "to_worker")]
        spans = " | ".join(f"{min(m):,.0f}-{max(m):,.0f}" for m in by_direction)
        assert f"| {variant} | {spans} |" in report
        pooled = summary["steal_roundtrip"][variant]
        assert pooled["median_ns"] == statistics.median(steal)
        assert pooled["p99_ns"] == statistics.quantiles(steal, n=100, method="inclusive")[98]
        takes = [read_json(raw_file(out, variant, "take_detached", r))["modes"]["lock"] for r in range(2)]
        lock = [s for t in takes for s in t["samples_ns"]]
        assert f"| lock | {variant} | {len(lock):,} | {statistics.median(lock):,.0f} |" in report
        local = [read_json(raw_file(out, variant, "local_scaling", r))["threads"] for r in range(2)]
        rates = {t: statistics.median(run[t]["mutations_per_s"] for run in local) for t in ("1", "2")}
        assert summary["local_scaling"][variant]["speedup"]["2"] == pytest.approx(rates["2"] / rates["1"])
    assert "| threads | stock | ft |" in report and "\n| 2 | " in report
    contended = {v: [read_json(raw_file(out, v, "contended", r))["cases"]["read_mostly"]["median_s"]
                     for r in range(2)] for v in ("stock", "ft")}
    cells = " | ".join(f"{statistics.median(contended[v]) * 1e3:.1f}" for v in ("stock", "ft"))
    assert f"| read_mostly | {cells} |" in report
    cpu = {v: [read_json(raw_file(out, v, "contended", r))["cases"]["read_mostly"]["cpu_seconds"][0]
               for r in range(2)] for v in ("stock", "ft")}
    assert summary["contended_cpu"]["cpu_s"]["ft"]["read_mostly"] == statistics.median(cpu["ft"])
    assert "### Contended workloads: CPU time and context switches" in report
    assert (out / "ownership-scaling.png").stat().st_size > 1000
    assert "### Ownership counters" not in report  # this interpreter has no sys._ownership_stats


def test_counters_are_recorded_and_summed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(STAND_IN_STATS)
    monkeypatch.setenv("PYTHONPATH", str(site))
    out = tmp_path / "results"
    record_run(out, "test", "quick", [host_installed("owner")])
    assert run_ownership([host_installed("owner")], TINY, out) == []
    assert read_json(raw_file(out, "owner", "steal_roundtrip", 0))["ownership_stats"]["taken_detached"] == 2
    report = write_report(out).read_text()
    assert "| benchmark | case | variant | taken_detached | wait_ns_max |" in report  # "fast" stayed 0
    assert "| steal_roundtrip | - | owner | 4 | 7 |" in report  # two rounds summed, the maximum kept
    assert "| take_detached | sleep | owner | 4 | 7 |" in report and "| local_scaling | 2 | owner | 4 | 7 |" in report
    assert "| contended | shared_list_append | owner | 4 | 7 |" in report


@pytest.mark.usefixtures("valgrind")
def test_critical_sections_workload_is_counted_and_reported(tmp_path: Path) -> None:
    by_name = {w.stem: w for w in workloads()}
    python = Path(sys.executable)
    startup, sections = (count_instructions(python, by_name[n]) for n in ("startup", "critical_sections"))
    assert sections > startup + 10_000_000  # 200,000 container mutations
    out = tmp_path / "results"
    record_run(out, "test", "quick", [host_installed("stock")])
    write_json(out / "callgrind" / "stock.json",
               {"variant": "stock", "instructions": {"startup": [startup], "critical_sections": [sections]}})
    assert f"| critical_sections | {sections:,} |" in write_report(out).read_text()


def test_a_take_after_the_owner_woke_is_counted_late() -> None:
    # The worker sleeps 1 us, far less than the 2 ms the main thread waits before its take: every take of the
    # sleep mode comes after the owner woke, so none is usable, and the script says so instead of timing them.
    late = subprocess.run([sys.executable, str(SCRIPT_DIR / "take_detached.py"), "--modes", "sleep", "--reps", "4",
                           "--warmup", "0", "--sleep-us", "1", "--settle-us", "2000"],
                          capture_output=True, text=True, check=False)
    assert late.returncode != 0 and "sleep: only 0 usable repetitions (4 late)" in late.stderr


def test_requests_per_handoff_pools_the_rounds() -> None:
    from ownbench.ownership_report import requests_per_handoff

    runs = [{"n": 10, "ownership_stats": {"requests": 25}}, {"n": 10, "ownership_stats": {"requests": 5}}]
    assert requests_per_handoff(runs) == 1.5
    assert requests_per_handoff([{"n": 10, "ownership_stats": None}]) is None


def test_the_ownership_profile_runs_concurrent_imap_scaling_and_ownership_only(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ran: list[str] = []

    def other_part(*args: object) -> None:
        raise AssertionError("a part the profile does not run ran")

    for name in ("run_single_thread", "run_legacy", "run_callgrind"):
        monkeypatch.setattr(pipeline, name, other_part)

    def pyperformance(installed: object, profile: Profile, out: Path) -> dict[str, list[str]]:
        ran.append(f"{','.join(profile.pyperformance_benchmarks or ())} x{profile.rounds}")
        return {"ft": []}

    monkeypatch.setattr(pipeline, "run_pyperformance", pyperformance)
    monkeypatch.setattr(pipeline, "installed_variants", lambda *args, **kwargs: [host_installed("ft")])

    def scaling(installed: object, profile: Profile, out: Path) -> None:
        ran.append(f"scaling x{profile.scaling_repeats}")

    def ownership(installed: object, profile: Profile, out: Path) -> list[str]:
        ran.append(profile.name)
        return []

    monkeypatch.setattr(pipeline, "run_scaling", scaling)
    monkeypatch.setattr(pipeline, "run_ownership", ownership)
    pipeline.run_benchmarks([VARIANTS["ft"]], get_release(), get_profile("ownership"), tmp_path, "t", native_arch())
    assert ran == ["concurrent_imap x10", "scaling x20", "ownership"]
    assert read_json(tmp_path / "run.json")["ownership_failures"] == []
