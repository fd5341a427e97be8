"""Report generation from real pyperf output and real callgrind counts."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import pyperf
import pytest

from ownbench.arch import native_arch
from ownbench.bench.callgrind import (
    FUNCTION_FLOOR,
    count_events,
    count_instructions,
    count_run,
    profile_text,
    workloads,
)
from ownbench.bench.callgrind_profile import by_function, by_source_file, cost_lines, source_file
from ownbench.bench.pyperformance_runner import merge_rounds
from ownbench.bench.scaling import speedup_ratios, speedups
from ownbench.build import Installed
from ownbench.headline import critical_section_rows, single_thread_rows
from ownbench.pipeline import record_run
from ownbench.ratios import Ratio, median_ratio
from ownbench.report import (
    all_benchmarks_table,
    benchmark_rounds_table,
    common_round_suites,
    every_round,
    round_by_round,
    round_ratios,
    write_report,
)
from ownbench.results import write_json
from ownbench.results_index import write_index
from ownbench.variants import VARIANTS

STATEMENTS = {"stock": ("sum(range(50))", "sorted(range(50))"), "ft": ("sum(range(2000))", "sorted(range(50))")}


def pyperf_timeit(out: Path, name: str, statement: str) -> None:
    """A tiny but real pyperf benchmark, appended to `out`."""
    subprocess.run(
        [sys.executable, "-m", "pyperf", "timeit", "--quiet", "-p", "3", "-n", "3", "-w", "1", "-l", "200",
         "--name", name, "--append", str(out), statement],
        check=True,
    )


def host_installed(variant: str) -> Installed:
    python = Path(sys.executable)
    manifest: dict[str, object] = {"variant": variant, "version": sys.version, "configure_flags": ["(host)"]}
    return Installed(VARIANTS[variant], native_arch(), python.parent.parent, python, manifest)


@pytest.fixture
def results_dir(tmp_path: Path) -> Path:
    out = tmp_path / "results" / "2026-11-25-test-x86_64-quick"
    record_run(out, "test", "quick", [host_installed("stock"), host_installed("ft")])
    for variant, (first, second) in STATEMENTS.items():
        raw = [out / "raw" / variant / f"{name}.r0.json" for name in ("summing", "sorting")]
        raw[0].parent.mkdir(parents=True)
        pyperf_timeit(raw[0], "summing", first)
        pyperf_timeit(raw[1], "sorting", second)
        merge_rounds(raw, out / "pyperformance" / f"{variant}.json")
    return out


def test_report_from_pyperf_json(results_dir: Path) -> None:
    report = write_report(results_dir).read_text()
    assert "# test: stock, ft (quick profile)" in report
    assert "Machine:" in report and "cores" in report
    assert "| summing |" in report and "| sorting |" in report  # pyperf compare_to's table
    assert "Geometric mean" in report
    assert "Time ratio, < 1 is faster" in report
    summary = json.loads((results_dir / "summary.json").read_text())
    ci = summary["pyperformance_geomean_ci"]["ft_vs_stock"]
    assert ci["ci_low"] <= ci["ratio"] <= ci["ci_high"]
    assert ci["ci_low"] > 1  # ft is slower on summing by far: the interval excludes 1
    assert f"| ft / stock | {ci['ratio']:.3f} [{ci['ci_low']:.3f}, {ci['ci_high']:.3f}] | " \
           f"{ci['ratio']:.3f}x slower |" in report
    suites = {v: pyperf.BenchmarkSuite.load(str(results_dir / "pyperformance" / f"{v}.json")) for v in STATEMENTS}
    ratios = {n: suites["ft"].get_benchmark(n).mean() / suites["stock"].get_benchmark(n).mean()
              for n in ("summing", "sorting")}
    assert ratios["summing"] > 3  # ft summed 40 times as many numbers
    expected = math.sqrt(ratios["summing"] * ratios["sorting"])
    assert summary["pyperformance_geomean"]["ft_vs_stock"] == pytest.approx(expected)
    assert (results_dir / "pyperformance.png").stat().st_size > 1000
    assert "Max RSS" in report and summary["max_rss_mib_median"]["stock"] > 1


def test_merge_keeps_runs_of_every_round(tmp_path: Path) -> None:
    rounds = [tmp_path / "bench.r0.json", tmp_path / "bench.r1.json"]
    for f in rounds:
        pyperf_timeit(f, "bench", "pass")
    merge_rounds(rounds, tmp_path / "merged.json")
    merged = json.loads((tmp_path / "merged.json").read_text())
    (bench,) = merged["benchmarks"]
    assert len([r for r in bench["runs"] if "values" in r]) == 6  # 3 processes per round, 2 rounds



def test_round_by_round_ratios_come_from_each_rounds_own_records(tmp_path: Path) -> None:
    """ft is slower than stock in round 1 only: the rounds' ratios differ, each the ratio of that round's means."""
    statements = {("stock", 0): "sum(range(50))", ("stock", 1): "sum(range(50))",
                  ("ft", 0): "sum(range(3000))", ("ft", 1): "sum(range(50))"}
    for (variant, number), statement in statements.items():
        record = tmp_path / "raw" / "pyperformance" / variant / f"summing.r{number}.json"
        record.parent.mkdir(parents=True, exist_ok=True)
        pyperf_timeit(record, "summing", statement)
    pairs = [("stock", "ft")]
    by_round = common_round_suites(tmp_path, ["stock", "ft"])
    rounds = round_ratios(by_round, pairs)
    means = {key: pyperf.Benchmark.load(str(tmp_path / "raw" / "pyperformance" / key[0] / f"summing.r{key[1]}.json"))
             .mean() for key in statements}
    assert rounds == {n + 1: {"ft_vs_stock": pytest.approx(means[("ft", n)] / means[("stock", n)])} for n in (0, 1)}
    assert rounds[1]["ft_vs_stock"] > 3 > rounds[2]["ft_vs_stock"]
    lines = "\n".join(round_by_round(rounds, pairs)).splitlines()
    table_rows = [line for line in lines if line[:4] in ("| 1 ", "| 2 ")]
    assert table_rows == [f"| {n} | {rounds[n]['ft_vs_stock']:.3f} |" for n in (1, 2)]
    each = [rounds[1]["ft_vs_stock"], rounds[2]["ft_vs_stock"]]
    benchmarks = "\n".join(benchmark_rounds_table(by_round, "stock", "ft", {}))
    assert f"| summing | - | {each[0]:.3f}, {each[1]:.3f} | {every_round(each)} |" in benchmarks
    (tmp_path / "raw" / "pyperformance" / "ft" / "summing.r1.json").unlink()
    by_round = common_round_suites(tmp_path, ["stock", "ft"])
    rounds = round_ratios(by_round, pairs)
    assert list(rounds) == [1] and round_by_round(rounds, pairs) == []  # one common round: nothing to add
    assert benchmark_rounds_table(by_round, "stock", "ft", {}) == []


def test_every_round_names_the_side_all_rounds_share() -> None:
    assert every_round([1.2, 1.01, 1.5]) == "slower"
    assert every_round([0.8, 0.99]) == "faster"
    assert every_round([0.8, 1.2]) == every_round([1.0, 1.1]) == "mixed"

@pytest.mark.usefixtures("valgrind")
def test_callgrind_counts_are_real_and_reported(results_dir: Path) -> None:
    names = [w.stem for w in workloads()]
    assert {"startup", "containers", "objects"} <= set(names)
    python = Path(sys.executable)
    startup = next(w for w in workloads() if w.stem == "startup")
    containers = next(w for w in workloads() if w.stem == "containers")
    small, big = count_instructions(python, startup), count_instructions(python, containers)
    assert 1_000_000 < small < big
    for variant in ("stock", "ft"):
        write_json(results_dir / "callgrind" / f"{variant}.json",
                   {"variant": variant, "instructions": {"startup": [small], "containers": [big]}})
    report = write_report(results_dir).read_text()
    assert f"| containers | {big:,} | {big:,} (1.000) |" in report
    assert json.loads((results_dir / "summary.json").read_text())["instructions"]["ft"]["startup"] == small


CALLGRIND_PROFILE = """\
positions: line
events: Ir I1mr
fn=(1) main
1 10 1
cfn=(2) work
calls=1 5
2 100 3
fn=(2)
3 100 2
+1 5
fn=(3) work'2
4 7
"""
"""A callgrind profile: main costs 10 of its own and calls work, whose inclusive 100 is not main's; work costs 105
at its first recursion level and 7 at its second."""


def test_exclusive_instructions_leave_out_calls_and_merge_recursion_levels() -> None:
    assert by_function(cost_lines(CALLGRIND_PROFILE)) == {"main": 10, "work": 112}


FILES_PROFILE = """\
positions: line
events: Ir
ob=(1) /work/build/owner/install/bin/python3.14t
fl=(1) /work/build/owner/src/Objects/dictobject.c
fn=(1) insertdict
1 10
fi=(2) /work/build/owner/src/Include/refcount.h
2 4
fe=(1)
3 6
cfi=(3) /work/build/owner/src/Objects/mimalloc/page.c
cfn=(2) _mi_malloc_generic
calls=1 7
4 50
5 3
fi=(2)
6 2
fn=(4) dict_dealloc
7 8
fl=(3)
fn=(2)
7 30
fi=(4) ../src/Objects/mimalloc/segment.c
8 20
ob=(2) /lib/x86_64-linux-gnu/libc.so.6
fl=(5) ???
fn=(3) memcpy
1 9
"""
"""insertdict (dictobject.c) runs 19 of its own, 4 of them in an inlined Py_DECREF from refcount.h, then calls
_mi_malloc_generic, whose inclusive 50 is not its own, runs 3 more after the call (the called function's file does
not change its own) and 2 in refcount.h again; dict_dealloc, in dictobject.c, starts in its own file although the
function before it ended in inlined code, and runs 8; _mi_malloc_generic (page.c) runs 30, and 20 more in code
inlined from segment.c; libc's memcpy, with no line information, 9."""


def test_instructions_by_source_file_count_inlined_code_in_its_own_file() -> None:
    lines = list(cost_lines(FILES_PROFILE))
    assert [c.file.rsplit("/", 1)[-1] for c in lines if c.callee is None] == [
        "dictobject.c", "refcount.h", "dictobject.c", "dictobject.c", "refcount.h", "dictobject.c", "page.c",
        "segment.c", "???"]
    assert by_source_file(lines) == {"Objects/dictobject.c": 27, "Include/refcount.h": 6, "Objects/mimalloc/": 50,
                                     "libc.so.6": 9}
    assert by_function(lines) == {"insertdict": 25, "dict_dealloc": 8, "_mi_malloc_generic": 50, "memcpy": 9}


@pytest.mark.parametrize(("file", "object_file", "counted_as"), [
    ("/work/main/build/owner/src/Python/ceval.c", "/x/python3.14t", "Python/ceval.c"),
    ("Python/generated_cases.c.h", "/x/python3.14t", "Python/generated_cases.c.h"),
    ("../src/Include/internal/pycore_object.h", "/x/python3.14t", "Include/internal/pycore_object.h"),
    ("../src/Python/../Include/object.h", "/x/python3.14t", "Include/object.h"),
    ("/home/me/Python/ownbench/build/owner/src/Objects/dictobject.c", "/x/python3.14t", "Objects/dictobject.c"),
    ("/src/Include/internal/mimalloc/mimalloc/internal.h", "/x/python3.14t", "Include/internal/mimalloc/"),
    ("/usr/include/x86_64-linux-gnu/bits/string_fortified.h", "/x/python3.14t", "python3.14t"),
    ("./string/../sysdeps/x86_64/multiarch/memmove-vec-unaligned-erms.S", "/lib/libc.so.6", "libc.so.6"),
    ("???", "/x/lib/python3.14t/lib-dynload/_json.cpython-314t-x86_64-linux-gnu.so",
     "_json.cpython-314t-x86_64-linux-gnu.so"),
])
def test_source_files_are_named_from_the_top_of_cpythons_tree(file: str, object_file: str, counted_as: str) -> None:
    assert source_file(file, object_file) == counted_as


INLINED_HEADER = """\
static inline __attribute__((always_inline)) int
square(int x)
{
    int r = 0;
    for (int i = 0; i < x; i++) {
        r += x;
    }
    return r;
}
"""
PROGRAM = """\
#include "../Include/square.h"

__attribute__((noinline)) int
sum_squares(int n)
{
    int s = 0;
    for (int i = 0; i < n; i++) {
        s += square(i & 7);
    }
    return s;
}

int
main(void)
{
    return sum_squares(1000) == 0;
}
"""
"""A program laid out as in CPython's tree, whose header's inlined loop runs 3,500 times (1000 / 8 * (0 + ... + 7))."""


@pytest.mark.usefixtures("valgrind")
def test_a_real_program_counts_inlined_code_in_its_header(tmp_path: Path) -> None:
    if shutil.which("gcc") is None:
        pytest.skip("no C compiler")
    tree = tmp_path / "Python" / "src"  # a directory named like one of the tree's own above the tree
    (tree / "Include").mkdir(parents=True)
    (tree / "Python").mkdir()
    (tree / "Include" / "square.h").write_text(INLINED_HEADER)
    (tree / "Python" / "program.c").write_text(PROGRAM)
    program = tmp_path / "program"
    subprocess.run(["gcc", "-O2", "-g", "-o", str(program), str(tree / "Python" / "program.c")], check=True)
    found = by_source_file(cost_lines(profile_text([str(program)], "program")))
    assert found["Include/square.h"] >= 3500
    assert found["Python/program.c"] > 0


@pytest.mark.usefixtures("valgrind")
def test_exclusive_instructions_of_a_real_run_add_up_to_its_total() -> None:
    startup = next(w for w in workloads() if w.stem == "startup")
    run = count_run(Path(sys.executable), startup)
    assert min(run.functions.values()) >= FUNCTION_FLOOR
    # The functions under the floor are many but small: what is kept is most of the total, never more.
    assert 0.5 * run.events["Ir"] < sum(run.functions.values()) <= run.events["Ir"]


def test_function_gaps_rank_what_owner_runs_more_and_fewer_of(results_dir: Path) -> None:
    counts = {"stock": {"eval": 100, "lookup": 50}, "ft": {"eval": 120, "lookup": 90, "lock": 30},
              "owner": {"eval": 125, "lookup": 60, "own": 8}}
    for variant, functions in counts.items():
        write_json(results_dir / "callgrind" / f"{variant}.json",
                   {"variant": variant, "instructions": {"w": [sum(functions.values())]},
                    "functions": {"w": {f: n * 1_000_000 for f, n in functions.items()}}})
    report = write_report(results_dir).read_text()
    assert "## Where the instructions differ, by function (callgrind)" in report
    assert "| function | stock (M) | ft (M) | owner (M) | owner − ft (M) | owner − stock (M) |" in report
    table_rows = report.split("### `w`: owner", 1)[1].split("\n\n")[1].splitlines()[2:]
    assert [r.split(" | ")[0] for r in table_rows] == ["| `own`", "| `eval`", "| `lock`", "| `lookup`"]
    assert "| `lookup` | 50.00 | 90.00 | 60.00 | -30.00 | +10.00 |" in report


def test_file_gaps_are_reported_beside_the_function_gaps(results_dir: Path) -> None:
    files = {"stock": {"Python/ceval.c": 100, "Objects/obmalloc.c": 20},
             "ft": {"Python/ceval.c": 110, "Objects/mimalloc/": 30, "Python/lock.c": 9},
             "owner": {"Python/ceval.c": 104, "Objects/mimalloc/": 30, "Python/ownership.c": 2}}
    for variant, counts in files.items():
        write_json(results_dir / "callgrind" / f"{variant}.json",
                   {"variant": variant, "instructions": {"w": [sum(counts.values())]},
                    "functions": {"w": {"main": 1_000_000}},
                    "files": {"w": {f: n * 1_000_000 for f, n in counts.items()}}})
    report = write_report(results_dir).read_text()
    section = report.split("## Where the instructions differ, by source file (callgrind)", 1)[1]
    assert "| source file | stock (M) | ft (M) | owner (M) | owner − ft (M) | owner − stock (M) |" in section
    assert "| `Objects/mimalloc/` | 0.00 | 30.00 | 30.00 | +0.00 | +30.00 |" in section
    assert "| `Python/lock.c` | 0.00 | 9.00 | 0.00 | -9.00 | +0.00 |" in section


@pytest.mark.usefixtures("valgrind")
def test_simulated_i1_misses_are_recorded_and_reported(results_dir: Path) -> None:
    startup = next(w for w in workloads() if w.stem == "startup")
    events = count_events(Path(sys.executable), startup)
    assert 0 < events["I1mr"] < events["Ir"]
    doubled = 2 * events["I1mr"]  # a second "build" with the same path and a worse layout
    for variant, misses in (("ft", events["I1mr"]), ("owner", doubled)):
        write_json(results_dir / "callgrind" / f"{variant}.json",
                   {"variant": variant, "instructions": {"startup": [events["Ir"]]},
                    "i1_misses": {"startup": [misses]}})
    report = write_report(results_dir).read_text()
    per_1k = 1000 * doubled / events["Ir"]
    assert "## Instruction-cache misses (callgrind's simulation)" in report
    assert f"| startup | {events['I1mr']:,} " in report
    assert f"{doubled:,} ({per_1k:.2f}) | 2.00 |" in report
    assert json.loads((results_dir / "summary.json").read_text())["i1_misses"]["owner"]["startup"] == doubled


@pytest.mark.usefixtures("valgrind")
def test_instructions_in_the_gc_are_counted_apart_and_reported(results_dir: Path, tmp_path: Path) -> None:
    python = Path(sys.executable)
    startup = next(w for w in workloads() if w.stem == "startup")
    collects = tmp_path / "collects.py"
    collects.write_text("import gc\nfor _ in range(20):\n    gc.collect()\n")
    plain, collecting = count_events(python, startup), count_events(python, collects)
    assert 0 < plain["Ir_gc"] < collecting["Ir_gc"] < collecting["Ir"]
    outside = plain["Ir"] - plain["Ir_gc"]
    # Twenty collections more: their instructions are the GC's, the loop that asks for them costs next to nothing.
    assert collecting["Ir_gc"] - plain["Ir_gc"] > 20 * abs(collecting["Ir"] - collecting["Ir_gc"] - outside)
    for variant, events in (("ft", plain), ("owner", collecting)):
        write_json(results_dir / "callgrind" / f"{variant}.json",
                   {"variant": variant, "instructions": {"startup": [events["Ir"]]},
                    "gc_instructions": {"startup": [events["Ir_gc"]]}})
    report = write_report(results_dir).read_text()
    ratio = (collecting["Ir"] - collecting["Ir_gc"]) / outside
    assert "## Instruction counts outside the cyclic GC (callgrind)" in report
    assert f"| startup | {outside:,} | {collecting['Ir'] - collecting['Ir_gc']:,} ({ratio:.3f}) |" in report
    assert json.loads((results_dir / "summary.json").read_text())["instructions_outside_gc"]["ft"]["startup"] == outside


def test_the_headline_compares_critical_sections_outside_the_gc_when_it_can() -> None:
    totals = {"instructions": {"ft": {"critical_sections": 100}, "owner": {"critical_sections": 110}}}
    ((label, ratio, _),) = critical_section_rows(totals)
    assert (label, ratio) == ("Critical sections: callgrind instructions, owner / ft", "1.100")
    outside = {"ft": {"critical_sections": 80}, "owner": {"critical_sections": 72}}
    ((label, ratio, _),) = critical_section_rows(totals | {"instructions_outside_gc": outside})
    assert (label, ratio) == ("Critical sections: callgrind instructions outside the cyclic GC, owner / ft", "0.900")


def test_ft_and_owner_alone_compare_owner_with_ft(tmp_path: Path) -> None:
    out = tmp_path / "results" / "2026-11-25-pair-x86_64-quick"
    record_run(out, "pair", "quick", [host_installed("ft"), host_installed("owner")])
    for variant, statement in (("ft", "sum(range(2000))"), ("owner", "sum(range(50))")):
        raw = out / "raw" / variant / "summing.r0.json"
        raw.parent.mkdir(parents=True)
        pyperf_timeit(raw, "summing", statement)
        merge_rounds([raw], out / "pyperformance" / f"{variant}.json")
    run = json.loads((out / "run.json").read_text())
    write_json(out / "run.json", {**run, "rounds": 1, "pyperformance_seconds": 120})
    report = write_report(out).read_text()
    summary = json.loads((out / "summary.json").read_text())
    ci = summary["pyperformance_geomean_ci"]["owner_vs_ft"]
    half = 100 * (ci["ci_high"] - ci["ci_low"]) / 2 / ci["ratio"]
    assert f"The owner / ft interval is ±{half:.1f} % with 1 rounds, which took 2 minutes." in report
    assert summary["pyperformance_baseline"] == "ft"
    ratio = summary["pyperformance_geomean"]["owner_vs_ft"]
    assert ratio < 0.5  # owner summed 40 times fewer numbers
    assert f"| owner / ft | {ratio:.3f} [" in report and f"{1 / ratio:.3f}x faster |" in report
    headline = report.split("## Headline", 1)[1].split("\n## ", 1)[0]  # the first section after the header
    assert report.index("## Headline") < report.index("## pyperformance")
    assert f"| Single thread: pyperformance geomean time, owner / ft | {ratio:.3f} [" in headline
    assert f"{1 / ratio:.3f}x faster (95 % bootstrap interval; < 1 is faster)" in headline
    assert "| Legacy extensions in parallel (CLock) | not measured in this run |" in headline
    assert (out / "owner-vs-ft.png").stat().st_size > 1000


def test_an_interval_that_spans_one_is_no_measurable_difference() -> None:
    assert Ratio(0.99, 0.97, 1.01).words() == "no measurable difference"
    assert Ratio(0.95, 0.93, 0.97).words() == "1.053x faster"
    assert Ratio(1.10, 1.05, 1.15).words() == "1.100x slower"


def test_a_ratio_of_medians_is_bounded_by_both_medians_intervals() -> None:
    base = [float(v) for v in range(1, 101)]  # median 50.5; 97.5 % interval: ranks 38 and 63 (z = 2.241)
    ratio = median_ratio(base, [2 * v for v in base])
    assert (ratio.value, ratio.low, ratio.high) == (2.0, 2 * 38 / 63, 2 * 63 / 38)
    assert ratio.words() == "2.000x slower"
    assert median_ratio(base, [v + 5 for v in base]).words() == "no measurable difference"  # 55.5 vs 50.5, n = 100
    assert median_ratio(base * 100, [v + 5 for v in base] * 100).words() == "1.099x slower"  # the same, n = 10,000
    # Below 9 samples the normal approximation puts the lower rank below 1: no interval, no claim.
    few = median_ratio([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], [10.0, 20.0, 30.0, 40.0, 50.0, 60.0])
    assert (few.value, few.low, few.high) == (10.0, 0.0, math.inf) and few.words() == "no measurable difference"
    assert median_ratio([1.0] * 9, [2.0] * 9).words() == "2.000x slower"


def test_pyperf_tag_tables_are_dropped() -> None:
    text = ("Benchmarks with tag 'math':\n===========================\n\n| a | 1 |\n\n"
            "All benchmarks:\n===============\n\n| a | 1 |\n| b | 2 |\n")
    assert all_benchmarks_table(text) == "| a | 1 |\n| b | 2 |"


def test_a_run_of_other_patches_is_flagged(results_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run = json.loads((results_dir / "run.json").read_text())
    assert set(run["toolkit"]) == {"commit", "dirty"}
    run["manifests"]["owner"] = {"version": "3.14.7", "series": "a" * 64}
    write_json(results_dir / "run.json", run)
    monkeypatch.setattr("ownbench.report.committed_series_digest", lambda: "b" * 64)
    assert "made from series `aaaaaaaaaaaa`, but patches/ at this commit is `bbbbbbbbbbbb`" in \
        write_report(results_dir).read_text()
    monkeypatch.setattr("ownbench.report.committed_series_digest", lambda: "a" * 64)
    assert "Warning: made from series" not in write_report(results_dir).read_text()


def test_index_marks_runs_of_other_patches_superseded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, series in (("2026-12-01-old-x86_64-quick", "a" * 64), ("2026-12-02-new-x86_64-tsan", "b" * 64)):
        run = {"date": name[:10], "label": name, "profile": "quick", "machine": {"cpu": "CPU", "cores": 2},
               "manifests": {"owner" if "quick" in name else "owner-tsan": {"series": series}}}
        write_json(tmp_path / name / "run.json", run)
    write_json(tmp_path / "2026-12-01-old-x86_64-quick" / "summary.json",
               {"pyperformance_geomean": {"owner_vs_ft": 0.97}})
    monkeypatch.setattr("ownbench.results_index.committed_series_digest", lambda: "b" * 64)
    text = write_index(tmp_path).read_text()
    new_row, old_row = (line for line in text.splitlines() if line.startswith("| 2026-12"))
    assert "2026-12-02-new" in new_row and "| current |" in new_row
    assert "2026-12-01-old" in old_row and "| superseded | owner/ft 0.970 |" in old_row


def test_index_names_files_bad_on_owner_only_and_gives_intervals(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    run = {"date": "2026-12-03", "profile": "tests", "machine": {"cpu": "CPU", "cores": 2},
           "manifests": {"owner": {"series": "b" * 64}}}
    for name in ("2026-12-03-whole-x86_64-tests", "2026-12-03-run-x86_64-quick"):
        write_json(tmp_path / name / "run.json", run)
    write_json(tmp_path / "2026-12-03-whole-x86_64-tests" / "summary.json",
               {"whole_suite": {"ft": [["test_socket"]], "owner": [["test_socket"], ["test_socket", "test_x"]]}})
    write_json(tmp_path / "2026-12-03-run-x86_64-quick" / "summary.json",
               {"pyperformance_geomean_ci": {"owner_vs_ft": {"ratio": 0.974, "ci_low": 0.957, "ci_high": 0.991}},
                "ownership": {"steal_roundtrip": {"median_vs_ft": {"owner": {"ratio": 0.968, "ci_low": 0.966,
                                                                              "ci_high": 0.981}}}},
                "atomics": {"ft": {"critical_sections": 1_000_000}, "owner": {"critical_sections": 94_000}}})
    monkeypatch.setattr("ownbench.results_index.committed_series_digest", lambda: "b" * 64)
    rows = {line.split("|")[2]: line for line in write_index(tmp_path).read_text().splitlines()
            if line.startswith("| 2026-12")}
    whole, quick = (next(r for k, r in rows.items() if n in k) for n in ("whole", "run"))
    assert whole.endswith("| whole suite: ft 1 round(s), owner 2 round(s); bad on owner only: test_x |")
    assert quick.endswith("| owner/ft 0.974 [0.957, 0.991]; steal median owner/ft 0.97 [0.97, 0.98]; "
                          "critical-section atomics owner/ft 0.094 |")


def test_scaling_shows_absolute_throughput_as_well_as_speedup(results_dir: Path) -> None:
    # stock: 100 ms at 1 thread, 200 ms for 2 threads' work (no scaling); ft: 400 ms at 1 and at 2 (perfect).
    timings = {"stock": {"1": [100.0, 100.0], "2": [200.0]}, "ft": {"1": [400.0], "2": [400.0, 400.0]}}
    for variant, by_threads in timings.items():
        data = {"variant": variant, "threads": [1, 2], "scale": 1, "repeats": 1,
                "timings_ms": {"work": by_threads}, "speedup": speedups({"work": by_threads})}
        write_json(results_dir / "scaling" / f"{variant}.json", data)
    report = write_report(results_dir).read_text()
    assert "| work | 1.00 | 2.00 |" in report  # speedups: stock does not scale, ft does
    assert "| work | 10.0 | 10.0 | 2.5 | 5.0 |" in report  # runs per second: stock is still faster at 2 threads
    assert (results_dir / "scaling-rates.png").stat().st_size > 1000
    rate = json.loads((results_dir / "summary.json").read_text())["scaling"]["rate_per_s"]
    assert rate["ft"]["work"]["2"] == pytest.approx(5.0)


def test_a_speedup_ratio_needs_enough_repeats_and_sees_a_real_difference() -> None:
    ft = {"work": {"1": [100.0, 101.0, 99.0, 100.0], "2": [100.0, 102.0, 98.0, 100.0]}}  # speedup 2
    slower = {"work": {"1": [100.0, 99.0, 101.0, 100.0], "2": [125.0, 124.0, 126.0, 125.0]}}  # speedup 1.6
    ratio = speedup_ratios(ft, slower, "2")["work"]
    assert ratio.value == pytest.approx(0.8) and ratio.high < 0.9 and ratio.measurable
    same = speedup_ratios(ft, {"work": {"1": [99.0, 101.0, 100.0], "2": [101.0, 99.0, 100.0]}}, "2")["work"]
    assert same.value == pytest.approx(1.0) and not same.measurable
    assert speedup_ratios(ft, {"work": {"1": [100.0, 100.0], "2": [100.0, 100.0]}}, "2") == {}


def test_scaling_gives_owner_speedup_over_ft_with_interval(results_dir: Path) -> None:
    timings = {"ft": {"1": [100.0, 101.0, 99.0], "2": [100.0, 101.0, 99.0]},
               "owner": {"1": [90.0, 91.0, 89.0], "2": [120.0, 121.0, 119.0]}}
    for variant, by_threads in timings.items():
        data = {"variant": variant, "threads": [1, 2], "scale": 1, "repeats": 3, "hash_seeds": ["1", "2", "3"],
                "timings_ms": {"work": by_threads}, "speedup": speedups({"work": by_threads})}
        write_json(results_dir / "scaling" / f"{variant}.json", data)
    report = write_report(results_dir).read_text()
    ratio = json.loads((results_dir / "summary.json").read_text())["scaling"]["speedup_vs_ft"]["owner"]["work"]
    assert ratio["ratio"] == pytest.approx(0.75) and ratio["ci_high"] < 1.0
    assert "| work | 0.750 [" in report
    assert "owner's lowest speedup over ft's: work 0.750 [" in report
    assert "measurably below ft's: work" in report
    assert "repeat r runs every variant with PYTHONHASHSEED=1+r" in report


def test_warm_runs_get_their_own_speedups_and_moves_per_run(results_dir: Path) -> None:
    # Cold (ftscalingbench's own times): owner scales worse than ft. Warm: owner scales as ft does, and its first
    # run moved 12 objects where the later ones moved 4 each.
    cold = {"ft": {"1": [100.0, 101.0, 99.0], "2": [100.0, 101.0, 99.0]},
            "owner": {"1": [90.0, 91.0, 89.0], "2": [120.0, 121.0, 119.0]}}
    warm = {"ft": {"1": [80.0, 81.0, 79.0], "2": [80.0, 81.0, 79.0]},
            "owner": {"1": [70.0, 71.0, 69.0], "2": [70.0, 71.0, 69.0]}}
    moves = {"ft": {}, "owner": {"work": {"2": {"first": [12, 12, 12], "warm": [4.0, 4.0, 4.0]}}}}
    for variant in cold:
        data = {"variant": variant, "threads": [1, 2], "scale": 1, "repeats": 3, "hash_seeds": ["1", "2", "3"],
                "timings_ms": {"work": cold[variant]}, "speedup": speedups({"work": cold[variant]}),
                "warm": {"runs": 3, "timings_ms": {"work": warm[variant]}, "speedup": speedups({"work": warm[variant]}),
                         "moves": moves[variant]}}
        write_json(results_dir / "scaling" / f"{variant}.json", data)
    report = write_report(results_dir).read_text()
    scaling = json.loads((results_dir / "summary.json").read_text())["scaling"]
    assert scaling["speedup_vs_ft"]["owner"]["work"]["ratio"] == pytest.approx(0.75)
    warm_ratio = scaling["warm_speedup_vs_ft"]["owner"]["work"]
    assert warm_ratio["ratio"] == pytest.approx(1.0) and warm_ratio["ci_low"] <= 1.0 <= warm_ratio["ci_high"]
    assert "### Warm runs" in report and "| work | 2.00 | 2.00 | 1.000 [" in report
    assert "| work | 12.0 / 4.0 |" in report
    assert "owner's speedup / ft's | lowest work 1.000 [" in report and "measurably below ft's: none" in report


def test_a_run_without_warm_runs_has_no_warm_section(results_dir: Path) -> None:
    by_threads = {"1": [100.0], "2": [100.0]}
    write_json(results_dir / "scaling" / "ft.json", {"variant": "ft", "threads": [1, 2], "scale": 1, "repeats": 1,
                                                     "timings_ms": {"work": by_threads},
                                                     "speedup": speedups({"work": by_threads})})
    report = write_report(results_dir).read_text()
    assert "## Thread scaling" in report and "### Warm runs" not in report
    assert "warm_speedup" not in json.loads((results_dir / "summary.json").read_text())["scaling"]


def test_the_headline_names_what_a_profiles_pyperformance_benchmarks_measure() -> None:
    ci = {"owner_vs_ft": {"ratio": 0.9, "ci_low": 0.85, "ci_high": 0.95}}
    quick = single_thread_rows({"profile": "quick", "pyperformance_geomean_ci": ci})
    ownership = single_thread_rows({"profile": "ownership", "pyperformance_geomean_ci": ci})
    assert quick[0][0] == "Single thread: pyperformance geomean time, owner / ft"
    assert ownership[0][0] == "Thread pools: pyperformance concurrent_imap geomean time, owner / ft"
    assert ownership[0][1] == quick[0][1] == "0.900 [0.850, 0.950]"


def test_the_headline_gives_each_rounds_geomean_in_round_order() -> None:
    ci = {"owner_vs_ft": {"ratio": 0.9, "ci_low": 0.85, "ci_high": 0.95}}
    by_round = {"10": {"owner_vs_ft": 0.95}, "2": {"owner_vs_ft": 0.87}, "1": {"owner_vs_ft": 0.91}}
    (row,) = single_thread_rows({"pyperformance_geomean_ci": ci, "pyperformance_geomean_by_round": by_round})
    assert row[2].endswith("; round by round 0.910, 0.870, 0.950)")
    (alone,) = single_thread_rows({"pyperformance_geomean_ci": ci, "pyperformance_geomean_by_round": {
        "1": {"owner_vs_ft": 0.91}}})
    assert "round by round" not in alone[2]


FIXTURE = Path(__file__).parent / "fixtures" / "pyperformance"
"""stock, ft and owner results of two benchmarks, 6 values each around these means (seconds):
alpha 0.100 / 0.120 / 0.108 and beta 0.200 / 0.220 / 0.220."""


def test_fixture_ratios_and_their_directions(tmp_path: Path) -> None:
    out = tmp_path / "results" / "2026-11-25-fixture-x86_64-quick"
    record_run(out, "fixture", "quick", [host_installed(v) for v in ("stock", "ft", "owner")])
    shutil.copytree(FIXTURE, out / "pyperformance")
    report = write_report(out).read_text()
    # Geomeans by hand: owner/ft sqrt(0.9 * 1.0) = 0.949 (1/0.949 = 1.054x faster), ft/stock sqrt(1.2 * 1.1) =
    # 1.149, owner/stock sqrt(1.08 * 1.1) = 1.090; the values spread by at most 0.6 %, so the intervals are tight.
    assert "| ft / stock | 1.149 [1.145, 1.153] | 1.149x slower |" in report
    assert "| owner / stock | 1.090 [1.086, 1.094] | 1.090x slower |" in report
    assert "| owner / ft | 0.949 [0.946, 0.952] | 1.054x faster |" in report
    assert "| Single thread: pyperformance geomean time, owner / ft | 0.949 [0.946, 0.952] | 1.054x faster" in report
    assert "Time ratio, < 1 is faster" in report
    # pyperf's own comparison: alpha 1.20x and 1.08x slower than stock, owner 1.11x faster than ft on alpha, and
    # beta (equal means for ft and owner) hidden as not significant.
    assert "| alpha          | 100 ms | 120 ms: 1.20x slower | 108 ms: 1.08x slower |" in report
    assert "| alpha          | 120 ms | 108 ms: 1.11x faster |" in report
    assert "Benchmark hidden because not significant (1): beta" in report
    summary = json.loads((out / "summary.json").read_text())
    assert summary["pyperformance_geomean"]["owner_vs_ft"] == pytest.approx(math.sqrt(0.9))


def test_mechanisms_sum_each_groups_files_beyond_stock_and_the_rest_of_the_totals(results_dir: Path) -> None:
    files = {"stock": {"Objects/obmalloc.c": 10, "Python/ceval.c": 50},
             "ft": {"Objects/mimalloc/": 30, "Python/ceval.c": 55, "Python/lock.c": 5},
             "owner": {"Objects/mimalloc/": 30, "Python/ceval.c": 52, "Python/ownership.c": 2}}
    totals = {"stock": 100, "ft": 125, "owner": 118}
    for variant, counts in files.items():
        write_json(results_dir / "callgrind" / f"{variant}.json",
                   {"variant": variant, "instructions": {"w": [totals[variant] * 1_000_000]},
                    "files": {"w": {f: n * 1_000_000 for f, n in counts.items()}}})
    report = write_report(results_dir).read_text()
    section = report.split("## What the free-threaded builds run beyond stock, by mechanism (callgrind)", 1)[1]
    rows = {r.split(" | ")[0].removeprefix("| "): r.split(" | ")[2:] for r in section.splitlines()
            if r.startswith("| ") and not r.startswith("| mechanism")}
    assert rows["allocator (mimalloc; stock: pymalloc)"] == ["+20.0 (+20.0%)", "+20.0 (+20.0%) |"]
    assert rows["critical sections and locks"] == ["+5.0 (+5.0%)", "+0.0 (+0.0%) |"]
    assert rows["interpreter loop"] == ["+5.0 (+5.0%)", "+2.0 (+2.0%) |"]
    assert rows["ownership protocol"] == ["+0.0 (+0.0%)", "+2.0 (+2.0%) |"]
    assert rows["everything else (other files, and files under 0.1 M in a workload)"] == [
        "-5.0 (-5.0%)", "-6.0 (-6.0%) |"]
    assert rows["**total**"] == ["+25.0 (+25.0%)", "+18.0 (+18.0%) |"]
