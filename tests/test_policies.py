"""Policy variants (owner:transfer, owner:share, owner:adaptive): parsing, file names, the environment of every
process a variant runs, run.json and the report."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pyperf
import pytest
from invoke import Context  # type: ignore[attr-defined]
from test_report import pyperf_timeit
from test_tsan import load_tasks
from test_variants import SPELLINGS, invoke

from ownbench import pipeline
from ownbench.arch import native_arch
from ownbench.bench import callgrind, legacy, pyperformance_runner, single_thread
from ownbench.bench.ownership import raw_file, run_ownership
from ownbench.bench.profiles import PROFILES, OwnershipSizes
from ownbench.bench.scaling import load_scaling, run_scaling
from ownbench.build import BuildOptions, Installed, interpreter_path
from ownbench.errors import ToolkitError
from ownbench.headline import policy_rows
from ownbench.pool import pool
from ownbench.process import environment
from ownbench.report import write_report
from ownbench.results import read_json, write_json
from ownbench.results_index import write_index
from ownbench.variants import (
    POLICY_ENV,
    VARIANTS,
    builds_of,
    file_name,
    get_variant,
    label_of_file,
    select_variants,
    valid_spellings,
)
from ownbench.versions import get_release

TINY = replace(PROFILES["quick"], rounds=1, scaling_threads=(1,), scaling_repeats=1, callgrind_repeats=1,
               single_thread_mode=("--debug-single-value",), legacy_rounds=1,
               ownership=OwnershipSizes(1, 30, 10.0, 4, (1, 2), 2_000, 0.01, 1))

# Stands in for an owner build that has sys._ownership_policy(): it appends its arguments and PYTHON_OWNERSHIP to
# FAKE_RECORD, refuses an unknown policy at startup as the real build does, reports the policy (adaptive when
# unset), and prints what each kind of caller parses.
FAKE_OWNER = """#!{python}
import json, os, sys
policy = os.environ.get("PYTHON_OWNERSHIP")
args = [a for a in sys.argv[1:] if a != "-s"]
with open(os.environ["FAKE_RECORD"], "a") as f:
    f.write(json.dumps({{"args": args[:3], "policy": policy}}) + "\\n")
if policy not in (None, "transfer", "share", "adaptive"):
    sys.exit(f"Fatal Python error: unknown ownership policy {{policy!r}}")
sys._ownership_policy = lambda: policy or "adaptive"
if args[0] == "-c":
    exec(args[1])
elif args[:2] == ["-m", "test"]:
    if "--junit-xml" in args:
        with open(args[args.index("--junit-xml") + 1], "w") as f:
            f.write('<testsuites><testsuite><testcase name="a"/></testsuite></testsuites>')
    print("0:00:01 load avg: 0.10 [1/1] test_list passed")
elif args[0].endswith("ftscalingbench.py"):
    print("work 10.0 ms")
elif args[0].endswith("warm_runs.py"):
    stats = {{"requests": 3, "taken_detached": 1, "demotions": 5}}
    print(json.dumps({{"cases": {{"work": {{"ms": [12.0, 10.0, 11.0], "first_stats": stats,
                                          "warm_stats": stats}}}}}}))
else:
    print("{{}}")
"""


# --- spelling -------------------------------------------------------------------------------------------------


def test_a_policy_variant_runs_the_owner_build() -> None:
    variant = get_variant("owner:transfer")
    assert (variant.name, variant.policy, variant.label, variant.file_name) == \
        ("owner", "transfer", "owner:transfer", "owner-transfer")
    assert variant.build == VARIANTS["owner"] and variant != VARIANTS["owner"]
    assert get_variant("owner").label == "owner" and get_variant("owner").policy is None
    assert valid_spellings() == SPELLINGS.removeprefix("valid variants: ").split(", ")


@pytest.mark.parametrize(("spec", "message"), [
    ("owner:foo", "'owner:foo': unknown ownership policy 'foo'"),
    ("owner:", "'owner:': unknown ownership policy ''"),
    ("ft:transfer", "'ft:transfer': ft has no ownership policy"),
    ("stock:share", "'stock:share': stock has no ownership policy"),
    ("nope:share", "unknown variant 'nope:share'"),
])
def test_a_bad_policy_spelling_is_refused_with_the_valid_ones(spec: str, message: str) -> None:
    with pytest.raises(ToolkitError) as caught:
        get_variant(spec)
    assert message in str(caught.value) and str(caught.value).endswith(SPELLINGS)


def test_selection_keeps_each_spelling_once_and_all_means_the_three_builds() -> None:
    chosen = select_variants("ft,owner,owner:transfer,owner:transfer")
    assert [v.label for v in chosen] == ["ft", "owner", "owner:transfer"]
    assert [v.label for v in select_variants("all,owner:share")] == ["stock", "ft", "owner", "owner:share"]
    assert builds_of(select_variants("owner:share,ft,owner,owner:transfer")) == [VARIANTS["owner"], VARIANTS["ft"]]


def test_file_names_are_safe_and_map_back_to_labels() -> None:
    for label in valid_spellings()[:-1]:
        assert ":" not in file_name(label) and label_of_file(file_name(label)) == label
    assert file_name("owner:adaptive") == "owner-adaptive"
    for stem in ("owner", "ft-gil0", "owner-tsan", "owner-pgo", "owner-foo", "ft-transfer"):
        assert label_of_file(stem) == stem


def test_cli_refuses_a_policy_on_another_variant() -> None:
    result = invoke("bench", "--variant", "ft,ft:transfer")
    assert result.returncode == 1
    assert "'ft:transfer': ft has no ownership policy" in result.stderr and SPELLINGS in result.stderr


def test_build_and_patch_make_the_owner_build_once(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[object] = []
    monkeypatch.setattr(pipeline, "fetch_source", lambda *a, **k: None)
    monkeypatch.setattr(pipeline, "build", lambda variant, *a: built.append(variant))
    pipeline.build_variants(select_variants("owner,owner:transfer,owner:share,ft"), get_release(), BuildOptions())
    assert built == [VARIANTS["owner"], VARIANTS["ft"]]
    patched: list[object] = []

    def patch_variant(variant: object, release: object) -> Path:
        patched.append(variant)
        return Path()

    monkeypatch.setattr(pipeline, "patch_variant", patch_variant)
    load_tasks().patch(Context(), variant="owner:transfer,owner:share")
    assert patched == [VARIANTS["owner"]]


# --- the environment of every process ---------------------------------------------------------------------------


def test_plain_variants_drop_an_inherited_policy_and_policy_variants_set_theirs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(POLICY_ENV, "share")
    assert POLICY_ENV not in environment(get_variant("owner").environment())
    assert POLICY_ENV not in environment(get_variant("ft").environment())
    assert environment(get_variant("owner:transfer").environment())[POLICY_ENV] == "transfer"
    assert environment({POLICY_ENV: "adaptive"}, base={"PATH": "/bin"}) == {"PATH": "/bin", POLICY_ENV: "adaptive"}


@pytest.fixture
def fake_owner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The fake owner build installed where the toolkit looks for it; a user's shell has PYTHON_OWNERSHIP=share."""
    python = interpreter_path(VARIANTS["owner"], get_release(), native_arch())
    python.parent.mkdir(parents=True)
    python.write_text(FAKE_OWNER.format(python=sys.executable))
    python.chmod(0o755)
    write_json(python.parent / "ownbench-manifest.json",
               {"variant": "owner", "version": "3.14.7", "build_key": "owner-key"})
    record = tmp_path / "record.jsonl"
    monkeypatch.setenv("FAKE_RECORD", str(record))
    monkeypatch.setenv(POLICY_ENV, "share")
    return record


def owners() -> list[Installed]:
    return pipeline.installed_variants(select_variants("owner,owner:transfer"), get_release(), native_arch())


def policies_seen(record: Path, *args: str) -> list[str | None]:
    """PYTHON_OWNERSHIP of every process of the fake whose arguments start with `args`."""
    runs = [json.loads(line) for line in record.read_text().splitlines()]
    return [r["policy"] for r in runs if r["args"][:len(args)] == list(args)]


def test_run_json_records_the_policy_each_interpreter_reports(fake_owner: Path, tmp_path: Path) -> None:
    out = tmp_path / "results"
    assert pipeline.test_variants(select_variants("owner,owner:transfer"), get_release(), ("test_list",), out,
                                  native_arch(), "t")
    run = read_json(out / "run.json")
    assert run["variants"] == ["owner", "owner:transfer"] and list(run["manifests"]) == ["owner"]
    assert run["policies"] == {"owner": "adaptive", "owner:transfer": "transfer"}  # not the shell's share
    assert policies_seen(fake_owner, "-m", "test") == [None, "transfer"]
    assert read_json(out / "regrtest" / "owner-transfer.json")["variant"] == "owner:transfer"
    assert read_json(out / "regrtest" / "owner.json")["variant"] == "owner"


def test_an_interpreter_that_refuses_its_policy_stops_the_run(fake_owner: Path, tmp_path: Path) -> None:
    inst = replace(owners()[1], variant=replace(get_variant("owner:transfer"), policy="bogus"))
    with pytest.raises(ToolkitError, match="owner:bogus .* does not start with PYTHON_OWNERSHIP=bogus"):
        pipeline.record_run(tmp_path / "results", "t", "quick", [inst])


def test_whole_suite_rounds_run_with_the_policy(fake_owner: Path, tmp_path: Path) -> None:
    out = tmp_path / "results"
    assert pipeline.whole_suite_variants(select_variants("owner,owner:transfer"), get_release(), out, "t", 1)
    assert policies_seen(fake_owner, "-m", "test") == [None, "transfer"]
    assert read_json(out / "regrtest" / "whole" / "owner-transfer-round1.json")["variant"] == "owner:transfer"


def test_ownership_scripts_and_scaling_run_with_the_policy(fake_owner: Path, tmp_path: Path) -> None:
    out = tmp_path / "results"
    assert run_ownership(owners(), TINY, out) == []
    seen = policies_seen(fake_owner)
    assert len(seen) == 8 and sorted(seen, key=str) == [None] * 4 + ["transfer"] * 4
    assert read_json(raw_file(out, "owner:transfer", "contended", 0))["variant"] == "owner:transfer"
    assert (out / "raw" / "ownership" / "owner-transfer" / "contended.r0.json").is_file()
    fake_owner.unlink()
    run_scaling(owners(), TINY, out)
    assert sorted(policies_seen(fake_owner), key=str) == [None, None, "transfer", "transfer"]
    assert (out / "scaling" / "owner-transfer.json").is_file()
    warm = read_json(out / "scaling" / "owner-transfer.json")["warm"]
    assert warm["timings_ms"]["work"]["1"] == [10.5]  # the median of the runs after the first
    assert warm["moves"]["work"]["1"] == {"first": [4], "warm": [2.0]}  # requests and takes, not demotions
    assert sorted(load_scaling(out)) == ["owner", "owner:transfer"]


def fake_callgrind(command: list[str]) -> subprocess.CompletedProcess[str]:
    """What valgrind would do for `command`: a profile of 1,000 instructions, 300 of them in the GC, where
    --callgrind-out-file points."""
    out_file = next(a.split("=", 1)[1] for a in command if a.startswith("--callgrind-out-file="))
    Path(out_file).write_text("positions: line\nevents: Ir I1mr\nfn=(1) main\n1 700 7\ncfn=(2) gc_collect_main\n"
                              "calls=1 5\n2 300 3\nfn=(2)\n5 300 3\ntotals: 1000 10\n")
    return subprocess.CompletedProcess(command, 0, "", "")


def test_callgrind_counts_run_with_the_policy(fake_owner: Path, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    envs: list[dict[str, str]] = []

    def fake_valgrind(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        envs.append(kwargs["env"])
        return fake_callgrind(command)

    monkeypatch.setattr(callgrind.system_deps, "ensure_packages", lambda packages: None)
    monkeypatch.setattr(callgrind.subprocess, "run", fake_valgrind)
    measured: list[Path] = []
    monkeypatch.setattr(callgrind, "measure_atomic_cost", measured.append)
    out = tmp_path / "results"
    callgrind.run_callgrind(owners(), TINY, out)
    assert measured == [out]
    per_variant = len(callgrind.workloads())
    assert [e.get(POLICY_ENV) for e in envs] == [None] * per_variant + ["transfer"] * per_variant
    assert all(e["PYTHONHASHSEED"] == "0" for e in envs)
    assert read_json(out / "callgrind" / "owner-transfer.json")["variant"] == "owner:transfer"
    assert sorted(callgrind.load_callgrind(out)) == ["owner", "owner:transfer"]
    assert set(callgrind.load_callgrind(out, "gc_instructions")["owner"]["startup"]) == {300}


def test_callgrind_counts_only_the_workloads_a_current_count_lacks(fake_owner: Path, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    counted: list[str] = []

    def fake_valgrind(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        counted.append(Path(command[-1]).stem)
        return fake_callgrind(command)

    monkeypatch.setattr(callgrind.system_deps, "ensure_packages", lambda packages: None)
    monkeypatch.setattr(callgrind.subprocess, "run", fake_valgrind)
    monkeypatch.setattr(callgrind, "measure_atomic_cost", lambda out_dir: None)
    out, owner = tmp_path / "results", owners()[:1]
    callgrind.run_callgrind(owner, TINY, out)
    names = sorted(w.stem for w in callgrind.workloads())
    assert sorted(set(counted)) == names
    target = out / "callgrind" / "owner.json"
    recorded = read_json(target)
    del recorded["atomics"]["startup"]  # as a count made before the toolkit kept atomics
    write_json(target, recorded)
    counted.clear()
    callgrind.run_callgrind(owner, TINY, out)
    assert counted == ["startup"] * TINY.callgrind_repeats
    assert read_json(target)["atomics"]["startup"] == [0] * TINY.callgrind_repeats
    assert sorted(read_json(target)["instructions"]) == names
    counted.clear()
    callgrind.run_callgrind(owner, TINY, out)
    assert counted == []


def fake_run_logged(calls: list[tuple[list[str], dict[str, str]]]) -> Any:
    """run_logged that records the command and the environment it would get, and writes a one-value pyperf file
    where `-o` points."""
    def run(command: list[str], log: Path, title: str, **kwargs: Any) -> None:
        calls.append((list(command), environment(kwargs.get("env"))))
        bench = pyperf.Benchmark([pyperf.Run([1.0], metadata={"name": "bench"}, collect_metadata=False)])
        pyperf.BenchmarkSuite([bench]).dump(command[command.index("-o") + 1])
    return run


def test_pyperformance_passes_the_policy_to_pyperfs_workers_and_resumes(
    fake_owner: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[list[str], dict[str, str]]] = []
    monkeypatch.setattr(pyperformance_runner, "run_logged", fake_run_logged(calls))
    profile = replace(TINY, pyperformance_benchmarks=("xml_etree", "asyncio_tcp_ssl"))
    out = tmp_path / "results"
    assert pyperformance_runner.run_pyperformance(owners(), profile, out) == {"owner": [], "owner:transfer": []}
    assert len(calls) == 4
    for command, env in calls:
        assert command[command.index("--inherit-environ") + 1] == POLICY_ENV
        policy = "transfer" if "/owner-transfer/" in command[command.index("-o") + 1] else None
        assert env.get(POLICY_ENV) == policy
    assert sorted((env.get(POLICY_ENV) for _, env in calls), key=str) == [None, None, "transfer", "transfer"]
    assert (out / "raw" / "pyperformance" / "owner-transfer" / "xml_etree.r0.json").is_file()
    assert (out / "pyperformance" / "owner-transfer.json").is_file()
    calls.clear()
    assert pyperformance_runner.run_pyperformance(owners(), profile, out) == {"owner": [], "owner:transfer": []}
    assert calls == []  # every (benchmark, variant) was done: nothing runs again


PROBE_SCRIPT = """import os, sys, pyperf
if "--worker" in sys.argv:
    with open(os.path.join({seen!r}, f"{{os.getpid()}}.txt"), "w") as f:
        f.write(os.environ.get("PYTHON_OWNERSHIP", "unset"))
pyperf.Runner().timeit("probe", "pass")
"""


@pytest.mark.parametrize(("spec", "expected"), [("owner", "unset"), ("owner:share", "share"),
                                                ("owner:transfer", "transfer")])
def test_single_thread_workers_get_the_policy(spec: str, expected: str, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A real pyperf run: pyperf's workers see only the variables it is told to pass on."""
    scripts, seen = tmp_path / "scripts", tmp_path / "seen"
    scripts.mkdir()
    seen.mkdir()
    (scripts / "probe_env.py").write_text(PROBE_SCRIPT.format(seen=str(seen)))
    monkeypatch.setattr(single_thread, "SCRIPT_DIR", scripts)
    monkeypatch.setenv(POLICY_ENV, "adaptive")  # the user's shell; only the variant decides
    python = Path(sys.executable)
    inst = Installed(get_variant(spec), native_arch(), python.parent.parent, python, {"build_key": "k"})
    out = tmp_path / "results"
    assert single_thread.run_single_thread([inst], TINY, out) == []
    assert [p.read_text() for p in seen.glob("*.txt")] == [expected]
    assert single_thread.suite_file(out, spec).name == f"{file_name(spec)}.json"
    assert single_thread.suite_file(out, spec).is_file()


def test_legacy_modes_run_with_the_policy_and_share_the_builds_lxml(
    fake_owner: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[list[str], dict[str, str]]] = []
    venvs: list[str] = []

    def venv_python(inst: Installed, log: Path) -> Path:
        venvs.append(inst.build_name)
        return inst.python

    monkeypatch.setattr(pyperformance_runner, "run_logged", fake_run_logged(calls))
    monkeypatch.setattr(legacy, "venv_python", venv_python)
    python = Path(sys.executable)
    ft = Installed(VARIANTS["ft"], native_arch(), python.parent.parent, python, {"build_key": "k"})
    out = tmp_path / "results"
    assert legacy.run_legacy([ft, *owners()], TINY, out) == []
    assert venvs == ["ft", "owner"]
    env_of = {c[c.index("-o") + 1].split("/raw/legacy/")[1].split("/")[0]: e for c, e in calls}
    assert {m: (e.get(POLICY_ENV), e.get("PYTHON_GIL")) for m, e in env_of.items()} == {
        "ft": (None, None), "ft-gil0": (None, "0"), "owner": (None, None), "owner-transfer": ("transfer", None)}
    assert (out / "raw" / "legacy" / "owner-transfer" / "legacy_mix.r0.json").is_file()
    assert sorted(legacy.load_legacy(out)) == ["ft", "ft-gil0", "owner", "owner:transfer"]


# --- the report -------------------------------------------------------------------------------------------------

STATEMENTS = {"stock": "sum(range(50))", "ft": "sum(range(2000))", "owner": "sum(range(50))",
              "owner:transfer": "sum(range(500))"}
STEAL_NS = {"ft": 1000, "owner": 1500, "owner:transfer": 2000}
CONTENDED_S = {"ft": 0.010, "owner": 0.008, "owner:transfer": 0.005}
INSTRUCTIONS = {"stock": 100, "ft": 200, "owner": 150, "owner:transfer": 300}


def host_installed(spec: str) -> Installed:
    python = Path(sys.executable)
    return Installed(get_variant(spec), native_arch(), python.parent.parent, python,
                     {"variant": get_variant(spec).name, "version": sys.version, "build_key": f"{spec}-key"})


@pytest.fixture
def policy_results(fake_owner: Path, tmp_path: Path) -> Path:
    """A run of stock, ft, owner and owner:transfer: pyperformance, steal round trip, contended, callgrind."""
    out = tmp_path / "results" / "2026-12-10-policies-x86_64-quick"
    pipeline.record_run(out, "policies", "quick", [host_installed("stock"), host_installed("ft"), *owners()])
    for variant, statement in STATEMENTS.items():
        raw = pyperformance_runner.raw_file(out / "raw" / "pyperformance", variant, "summing", 0)
        raw.parent.mkdir(parents=True)
        pyperf_timeit(raw, "summing", statement)
        pyperformance_runner.merge_rounds([raw], pyperformance_runner.suite_file(out, variant))
        write_json(out / "callgrind" / f"{file_name(variant)}.json",
                   {"variant": variant, "instructions": {"startup": [INSTRUCTIONS[variant]]}})
    for variant in STEAL_NS:
        samples = [STEAL_NS[variant] + d for d in range(-10, 11)]  # 21 samples, median STEAL_NS[variant]
        write_json(raw_file(out, variant, "steal_roundtrip", 0),
                   {"benchmark": "steal_roundtrip", "variant": variant, "round": 0, "handoffs": 21, "seconds": 1.0,
                    "n": 21, "samples_ns": samples, "median_ns": statistics.median(samples), "ownership_stats": None})
        for round_no in range(3):  # the fewest rounds with an interval
            write_json(raw_file(out, variant, "contended", round_no),
                       {"benchmark": "contended", "variant": variant, "round": round_no, "threads": 2, "repeats": 3,
                        "cases": {"shared_list_append": {"median_s": CONTENDED_S[variant],
                                                          "seconds": [CONTENDED_S[variant]] * 3}}})
    return out


def test_report_sets_each_policy_beside_ft(policy_results: Path) -> None:
    out = policy_results
    report = write_report(out).read_text()
    assert report.startswith("# policies: stock, ft, owner, owner:transfer (quick profile)")
    assert "owner-transfer" not in report  # file names never show
    assert "| `owner` | unset (the build's default) | adaptive |" in report
    assert "| `owner:transfer` | transfer | transfer |" in report
    pyperf_header = next(ln for ln in report.splitlines() if ln.startswith("| Benchmark"))
    assert [c.strip() for c in pyperf_header.split("|")[1:-1]] == ["Benchmark", "stock", "ft", "owner",
                                                                   "owner:transfer"]
    assert "`owner`, `owner:transfer` against `ft`:" in report
    summary = read_json(out / "summary.json")
    geo = summary["pyperformance_geomean"]
    assert set(geo) == {"ft_vs_stock", "owner_vs_stock", "owner:transfer_vs_stock", "owner_vs_ft",
                        "owner:transfer_vs_ft"}
    assert f"| owner:transfer / ft | {geo['owner:transfer_vs_ft']:.3f} [" in report
    # The medians' 97.5 % intervals of 21 samples are their 5th and 17th values (median -+ 6 ns): owner / ft is
    # bounded by 1494 / 1006 and 1506 / 994; p99 (inclusive) is median + 9.8 ns.
    assert "owner / ft: median 1.500 [1.485, 1.515], 1.500x slower; p99 1.50 (latency ratios" in report
    assert "owner:transfer / ft: median 2.000 [1.982, 2.018], 2.000x slower; p99 1.99 (latency ratios" in report
    assert "| case | ft | owner | owner:transfer | owner / ft | owner:transfer / ft |" in report
    assert "| shared_list_append | 10.0 | 8.0 | 5.0 | 0.800 [0.800, 0.800] | 0.500 [0.500, 0.500] |" in report
    assert "| workload | stock | ft | owner | owner:transfer | owner / ft | owner:transfer / ft |" in report
    assert "| startup | 100 | 200 (2.000) | 150 (1.500) | 300 (3.000) | 0.750 | 1.500 |" in report
    headline = report.split("## Headline", 1)[1].split("\n## ", 1)[0]
    assert "| Steal round trip: latency, owner / ft | median 1.500 [1.485, 1.515], p99 1.50 | median: 1.500x slower" \
        in headline
    assert "| Contended workloads: time, owner / ft (geomean of the cases) | 0.800 [0.800, 0.800] | 1.250x faster" \
        in headline
    assert "interval over the rounds); worst case shared_list_append at 0.80 [0.80, 0.80] |" in headline
    assert ("| Policy owner:transfer (PYTHON_OWNERSHIP=transfer): contended time (geomean of the cases) and steal "
            "round trip median, / ft | contended 0.50, steal median 2.00 |") in headline
    assert "Single thread: pyperformance geomean time, owner / ft" in headline
    assert "owner:transfer / stock" not in headline


def test_an_older_run_has_no_reported_policy_and_still_reports(policy_results: Path) -> None:
    run = read_json(policy_results / "run.json")
    del run["policies"]
    write_json(policy_results / "run.json", run)
    report = write_report(policy_results).read_text()
    assert "| `owner` | unset (the build's default) | - |" in report
    assert "| `owner:transfer` | transfer | - |" in report
    index = write_index(policy_results.parent).read_text()
    assert "2026-12-10-policies-x86_64-quick" in index and "owner/ft" in index


def test_headline_has_a_row_per_policy_variant_with_what_it_measured() -> None:
    steal = {"ft": {"median_ns": 100.0}, "owner": {"median_ns": 150.0}, "owner:share": {"median_ns": 50.0},
             "requests_per_handoff": {}}
    contended = {"ft": {"a": 1.0, "b": 1.0}, "owner": {"a": 1.0, "b": 1.0}, "owner:adaptive": {"a": 0.5, "b": 2.0}}
    rows = policy_rows({"ownership": {"steal_roundtrip": steal, "contended": contended}})
    assert [r[:2] for r in rows] == [
        ["Policy owner:adaptive (PYTHON_OWNERSHIP=adaptive): contended time (geomean of the cases) and steal round "
         "trip median, / ft", "contended 1.00"],
        ["Policy owner:share (PYTHON_OWNERSHIP=share): contended time (geomean of the cases) and steal round trip "
         "median, / ft", "steal median 0.50"],
    ]
    assert policy_rows({"ownership": {"steal_roundtrip": {"owner": {"median_ns": 1.0}}}}) == []


def test_runs_with_a_policy_variant_pool(tmp_path: Path) -> None:
    runs = []
    for name in ("run1", "run2"):
        out = tmp_path / name
        pipeline.record_run(out, name, "quick", [host_installed("ft"), host_installed("owner:share")])
        for spec in ("ft", "owner:share"):
            raw = pyperformance_runner.raw_file(out / "raw" / "pyperformance", spec, "summing", 0)
            raw.parent.mkdir(parents=True)
            pyperf_timeit(raw, "summing", STATEMENTS["ft"])
            pyperformance_runner.merge_rounds([raw], pyperformance_runner.suite_file(out, spec))
        runs.append(out)
    run = read_json(runs[0] / "run.json")
    assert run["variants"] == ["ft", "owner:share"] and list(run["manifests"]) == ["ft", "owner"]
    dest = pool(runs, tmp_path / "pooled")
    suite = pyperf.BenchmarkSuite.load(str(dest / "pyperformance" / "owner-share.json"))
    assert len([r for r in suite.get_benchmark("summing").get_runs() if r.values]) == 6
