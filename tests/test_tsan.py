"""ThreadSanitizer builds and runs: flags, directories, refusals, TSAN_OPTIONS, report counting."""

from __future__ import annotations

import importlib.util
import json
import platform
import subprocess
import sys
from pathlib import Path
from types import ModuleType, SimpleNamespace

import git
import pytest
from invoke import Context  # type: ignore[attr-defined]

from ownbench import pipeline, system_deps, tsan
from ownbench.arch import ARCHES, Arch, native_arch
from ownbench.build import BuildOptions, Installed, build, build_dirs, configure_flags, interpreter_path, load_installed
from ownbench.errors import ToolkitError
from ownbench.regrtest import count_junit, run_tests
from ownbench.report import ReportWriter
from ownbench.variants import VARIANTS, get_variant
from ownbench.versions import get_release
from ownbench.worktree import BASELINE_TAG, work_tree

REPO = Path(__file__).resolve().parent.parent
PRISTINE = "race_top:assign_version_tag\nrace_top:rangeiter_next\n"

RACE = """==================
WARNING: ThreadSanitizer: data race (pid=4242)
  Write of size 8 at 0x7b0400000100 by thread T2:
    #0 list_ass_item Objects/listobject.c:812 (python3.14t+0x1234)
  Previous read of size 8 at 0x7b0400000100 by thread T1:
    #0 list_item Objects/listobject.c:345 (python3.14t+0x5678)
SUMMARY: ThreadSanitizer: data race Objects/listobject.c:812 in list_ass_item
==================
"""
LEAK = """==================
WARNING: ThreadSanitizer: thread leak (pid=4243)
  Thread T1 (tid=4244, finished) created by main thread at:
SUMMARY: ThreadSanitizer: thread leak Modules/_threadmodule.c:300 in do_start_joinable_thread
==================
ThreadSanitizer: reported 1 warnings
"""

# Stands in for a TSan interpreter running regrtest: answers the toolkit's `-c` policy probe (no
# sys._ownership_policy, as an older build), records its command line, TSAN_OPTIONS and PYTHON_OWNERSHIP, writes a
# junit file with two passing cases and, when REPORT is set, a TSan report where log_path tells it to.
FAKE_PYTHON = """#!{python}
import json, os, sys
argv = sys.argv[1:]
if argv[0] == "-c":
    exec(argv[1])
    sys.exit()
options = dict(o.split("=", 1) for o in os.environ.get("TSAN_OPTIONS", "").split())
with open(os.environ["FAKE_RECORD"], "w") as f:
    json.dump({{"argv": argv, "options": options, "policy": os.environ.get("PYTHON_OWNERSHIP")}}, f)
junit = argv[argv.index("--junit-xml") + 1]
with open(junit, "w") as f:
    f.write('<testsuites><testsuite><testcase name="a"/><testcase name="b"/></testsuite></testsuites>')
if os.environ.get("REPORT") and "log_path" in options:
    with open(options["log_path"] + "." + str(os.getpid()), "w") as f:
        f.write(os.environ["REPORT"])
print("== Tests result: SUCCESS ==")
"""


def other_arch() -> Arch:
    return next(a for a in ARCHES.values() if not a.native)


def test_tsan_configure_flags_add_thread_sanitizer_only_when_asked() -> None:
    for name in ("ft", "owner"):
        flags = configure_flags(VARIANTS[name], BuildOptions(tsan=True))
        assert "--with-thread-sanitizer" in flags
        assert set(VARIANTS[name].configure_flags) <= set(flags)
        assert "--with-thread-sanitizer" not in configure_flags(VARIANTS[name], BuildOptions())


def test_tsan_build_has_its_own_directories() -> None:
    owner, release, native = VARIANTS["owner"], get_release(), native_arch()
    tree = work_tree(owner)
    normal = build_dirs(tree, owner, BuildOptions())
    sanitized = build_dirs(tree, owner, BuildOptions(tsan=True))
    assert [p.name for p in normal] == ["obj", "install", "build.log"]
    assert [p.name for p in sanitized] == ["obj-tsan", "install-tsan", "build-tsan.log"]
    assert all(p.parent == tree.root for p in sanitized)
    python = interpreter_path(owner, release, native, True)
    assert python.parent.parent.name == "install-tsan" and python.name == "python3.14t"
    assert python != interpreter_path(owner, release, native)
    assert Installed(owner, native, python.parent.parent, python, {}, True).name == "owner-tsan"
    assert Installed(owner, native, python.parent.parent, python, {}).name == "owner"
    with pytest.raises(ToolkitError, match="not built with ThreadSanitizer.*--variant owner .*--tsan`"):
        load_installed(owner, release, native, tsan_build=True)


@pytest.mark.parametrize(("variant", "arch", "pgo", "message"), [
    ("stock", None, False, r"--tsan is for the free-threaded variants \(ft, owner\): stock has the GIL"),
    ("owner", "other", False, r"--tsan with --arch \w+ is not supported: ThreadSanitizer builds are native only"),
    ("ft", None, True, "--tsan with --pgo is not supported"),
])
def test_unsupported_tsan_builds_are_refused_before_anything_runs(
    variant: str, arch: str | None, pgo: bool, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def must_not_run(*args: object, **kwargs: object) -> None:
        raise AssertionError("refusal came too late")

    monkeypatch.setattr(pipeline, "fetch_source", must_not_run)
    monkeypatch.setattr(system_deps, "ensure_packages", must_not_run)
    options = BuildOptions(tsan=True, pgo=pgo, arch=other_arch() if arch else native_arch())
    with pytest.raises(ToolkitError, match=message):
        pipeline.build_variants([VARIANTS[variant]], get_release(), options)
    with pytest.raises(ToolkitError, match=message):
        build(VARIANTS[variant], get_release(), None, options)  # type: ignore[arg-type]


def test_tsan_tests_refuse_stock_and_foreign_arch_before_writing_results(tmp_path: Path) -> None:
    with pytest.raises(ToolkitError, match="stock has the GIL"):
        pipeline.test_variants([VARIANTS["stock"]], get_release(), (), tmp_path, native_arch(), "t", True)
    with pytest.raises(ToolkitError, match="native only"):
        pipeline.test_variants([VARIANTS["owner"]], get_release(), (), tmp_path, other_arch(), "t", True)
    assert not (tmp_path / "run.json").exists()


def invoke(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "invoke", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=120)


def load_tasks() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ownbench_tasks", REPO / "tasks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_build_task_passes_tsan_on_and_refuses_stock(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """In-process, with the build itself replaced: a broken wiring must not start a real build."""
    tasks = load_tasks()
    seen: list[BuildOptions] = []
    monkeypatch.setattr(pipeline, "fetch_source", lambda *a, **k: None)
    def fake_build(variant: object, release: object, archive: object, options: BuildOptions) -> SimpleNamespace:
        seen.append(options)
        return SimpleNamespace(python="")

    monkeypatch.setattr(pipeline, "build", fake_build)
    tasks.build(Context(), variant="ft,owner", tsan=True)
    assert [o.tsan for o in seen] == [True, True]
    with pytest.raises(SystemExit):
        tasks.build(Context(), variant="stock", tsan=True)
    assert "stock has the GIL" in capsys.readouterr().err
    assert len(seen) == 2


def test_cli_refuses_cross_tsan_tests() -> None:
    result = invoke("test", "--variant", "owner", "--tsan", "--arch", other_arch().debian)
    assert result.returncode == 1 and "ThreadSanitizer builds are native only" in result.stderr


def test_tsan_options_are_cpythons_ci_options(tmp_path: Path) -> None:
    run = tsan.TsanRun(tmp_path / "supp.txt", tmp_path / "logs")
    options = run.env()["TSAN_OPTIONS"].split()
    assert f"suppressions={tmp_path / 'supp.txt'}" in options
    assert f"log_path={tmp_path / 'logs' / 'tsan_log'}" in options
    assert "handle_segv=0" in options
    assert tsan.tsan_options(tmp_path / "s.txt").split() == [f"suppressions={tmp_path / 's.txt'}", "handle_segv=0"]
    with pytest.raises(ToolkitError, match="cannot hold a path with spaces"):
        tsan.tsan_options(Path("/a b/supp.txt"))
    command = run.command(["python", "-m", "test"], ["test_x"])
    assert f"--timeout={tsan.TEST_TIMEOUT_S}" in command and command[-1] == "test_x"


def test_aslr_is_switched_off_only_above_28_random_bits(tmp_path: Path) -> None:
    bits = tmp_path / "mmap_rnd_bits"
    bits.write_text("32\n")
    assert tsan.command_prefix(bits) == ["setarch", platform.machine(), "--addr-no-randomize"]
    bits.write_text("28\n")
    assert tsan.command_prefix(bits) == []
    assert tsan.command_prefix(tmp_path / "missing") == []


def test_reports_are_counted_in_logs() -> None:
    clean = tsan.scan_text("0:00:01 load avg: 1.0 [1/1] test_free_threading passed\nThreadSanitizer: nothing\n")
    assert (clean.reports, clean.fatal) == (0, 0)
    found = tsan.scan_text(RACE + "unrelated output\n" + LEAK + RACE)
    assert (found.reports, found.fatal) == (3, 0)
    assert found.summaries["data race Objects/listobject.c:812 in list_ass_item"] == 2
    assert found.to_json()["summaries"] == [  # type: ignore[comparison-overlap]
        {"summary": "data race Objects/listobject.c:812 in list_ass_item", "count": 2},
        {"summary": "thread leak Modules/_threadmodule.c:300 in do_start_joinable_thread", "count": 1},
    ]
    fatal = tsan.scan_text("FATAL: ThreadSanitizer: unexpected memory mapping 0x7f0000000000-0x7f0000001000\n")
    assert (fatal.reports, fatal.fatal) == (0, 1)
    assert tsan.scan_text("ThreadSanitizer: failed to read suppressions file '/x/supp.txt'\n").fatal == 1


def test_run_scans_every_process_log_and_forgets_old_ones(tmp_path: Path) -> None:
    run = tsan.TsanRun(tmp_path / "supp.txt", tmp_path / "logs")
    run.log_dir.mkdir()
    (run.log_dir / "tsan_log.1").write_text(RACE)
    run.clear()
    assert run.scan().reports == 0
    (run.log_dir / "tsan_log.2").write_text(RACE)
    (run.log_dir / "tsan_log.3").write_text(LEAK)
    run.output_log.write_text("a child without TSAN_OPTIONS printed\n" + RACE)
    assert run.scan().reports == 3


def make_owner_tree(changed: str = "") -> Path:
    """A work tree for owner whose baseline holds the pristine suppressions (optionally changed after)."""
    src = work_tree(VARIANTS["owner"]).src
    (src / "Tools" / "tsan").mkdir(parents=True)
    (src / tsan.SUPPRESSIONS).write_text(PRISTINE)
    repo = git.Repo.init(src)
    repo.git.add("--all")
    repo.git.commit("-m", "pristine", env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t",
                                           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"})
    repo.create_tag(BASELINE_TAG)
    if changed:
        (src / tsan.SUPPRESSIONS).write_text(PRISTINE + changed)
    return src


def test_suppressions_are_the_pristine_ones(tmp_path: Path) -> None:
    make_owner_tree(changed="race:_PyOwnership_Steal\n")
    copied = tsan.pristine_suppressions(work_tree(VARIANTS["owner"]), tmp_path / "out" / "supp.txt")
    assert copied.read_text() == PRISTINE


def fake_tsan_install(tmp_path: Path) -> Path:
    python = interpreter_path(VARIANTS["owner"], get_release(), native_arch(), True)
    python.parent.mkdir(parents=True)
    python.write_text(FAKE_PYTHON.format(python=sys.executable))
    python.chmod(0o755)
    (python.parent / "ownbench-manifest.json").write_text(json.dumps(
        {"variant": "owner", "tsan": True, "build_key": "k", "configure_flags": ["--with-thread-sanitizer"]}))
    return python


@pytest.mark.parametrize("report", ["", RACE])
def test_tsan_test_run_end_to_end(report: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_owner_tree(changed="race:_PyOwnership_Steal\n")
    fake_tsan_install(tmp_path)
    record = tmp_path / "record.json"
    monkeypatch.setenv("FAKE_RECORD", str(record))
    monkeypatch.setenv("REPORT", report)
    out = tmp_path / "results"
    ok = pipeline.test_variants([VARIANTS["owner"]], get_release(), (), out, native_arch(), "t", True)
    assert ok is (not report)
    seen = json.loads(record.read_text())
    assert seen["argv"][:2] == ["-m", "test"] and seen["argv"][-2:] == ["test_ownership", "test_free_threading"]
    assert f"--timeout={tsan.TEST_TIMEOUT_S}" in seen["argv"]
    suppressions = Path(seen["options"]["suppressions"])
    assert suppressions == out / "tsan" / "owner" / "suppressions_free_threading.txt"
    assert suppressions.read_text() == PRISTINE  # ft's list, not the owner tree's edited one
    assert seen["options"]["handle_segv"] == "0"
    result = json.loads((out / "regrtest" / "owner-tsan.json").read_text())
    assert (result["passed"], result["failed"], result["tsan"], result["tsan_reports"]) == (2, 0, True, 1 if report
                                                                                            else 0)
    assert not (out / "regrtest" / "owner.json").exists()
    run = json.loads((out / "run.json").read_text())
    assert run["profile"] == "tsan" and list(run["manifests"]) == ["owner-tsan"]
    assert run["policies"] == {"owner": None} and seen["policy"] is None


def test_tsan_run_of_a_policy_variant_has_its_own_files_and_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_owner_tree()
    fake_tsan_install(tmp_path)
    record = tmp_path / "record.json"
    monkeypatch.setenv("FAKE_RECORD", str(record))
    monkeypatch.setenv("REPORT", "")
    out = tmp_path / "results"
    assert pipeline.test_variants([get_variant("owner:share")], get_release(), (), out, native_arch(), "t", True)
    seen = json.loads(record.read_text())
    assert seen["policy"] == "share"
    assert Path(seen["options"]["log_path"]) == out / "tsan" / "owner-share" / "tsan_log"
    result = json.loads((out / "regrtest" / "owner-share-tsan.json").read_text())
    assert result["variant"] == "owner:share" and result["tsan"] is True
    run = json.loads((out / "run.json").read_text())
    assert run["variants"] == ["owner:share"] and list(run["manifests"]) == ["owner-tsan"]


def test_run_tests_without_tsan_sets_no_tsan_options(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    python = fake_tsan_install(tmp_path)
    record = tmp_path / "record.json"
    monkeypatch.setenv("FAKE_RECORD", str(record))
    monkeypatch.delenv("TSAN_OPTIONS", raising=False)
    installed = Installed(VARIANTS["owner"], native_arch(), python.parent.parent, python, {})
    counts = run_tests(installed, ("test_list",), tmp_path / "owner.json")
    assert counts.ok and counts.tsan_reports == 0
    assert json.loads(record.read_text())["options"] == {}
    assert "tsan" not in json.loads((tmp_path / "owner.json").read_text())


def tsan_results_dir(tmp_path: Path) -> Path:
    """A results directory of a tsan-profile run of owner, with its run.json and an empty regrtest/."""
    out = tmp_path / "results"
    (out / "regrtest").mkdir(parents=True)
    machine = {"arch": "x86_64", "cpu": "c", "cores": 2, "memory_gib": 1, "kernel": "k"}
    (out / "run.json").write_text(json.dumps({"label": "t", "profile": "tsan", "date": "d", "variants": ["owner"],
                                              "manifests": {}, "machine": machine}))
    return out


def test_report_marks_tsan_rows(tmp_path: Path) -> None:
    out = tsan_results_dir(tmp_path)
    common = {"variant": "owner", "arch": "x86_64", "passed": 5, "failed": 0, "skipped": 0, "tests": ["test_x"]}
    (out / "regrtest" / "owner.json").write_text(json.dumps(common))
    (out / "regrtest" / "owner-tsan.json").write_text(json.dumps({**common, "tsan": True, "tsan_reports": 3}))
    writer = ReportWriter(out)
    writer.regrtest()
    section = writer.sections[0]
    assert "TSan reports" in section
    assert "| owner (TSan) | x86_64 | 5 | 0 | 0 | 3 | test_x |" in section
    assert "| owner | x86_64 | 5 | 0 | 0 |  | test_x |" in section


@pytest.mark.parametrize(("key", "failed", "named"), [
    ("failed_tests", 1, "Failed on owner (TSan): `test.A.test_x`"),
    ("flaky_tests", 0, "Flaky on owner (TSan) (failed, then passed when re-run): `test.A.test_x`"),
])
def test_report_names_the_failed_and_the_flaky_cases(tmp_path: Path, key: str, failed: int, named: str) -> None:
    out = tsan_results_dir(tmp_path)
    record = {"variant": "owner", "arch": "x86_64", "passed": 5, "failed": failed, "skipped": 0, "tests": ["test_x"],
              "tsan": True, "tsan_reports": 0, key: ["test.A.test_x"]}
    (out / "regrtest" / "owner-tsan.json").write_text(json.dumps(record))
    writer = ReportWriter(out)
    writer.regrtest()
    assert named in writer.sections[0]


def test_junit_counts_name_the_failed_and_skipped_cases(tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"
    junit.write_text('<testsuites><testsuite>'
                     '<testcase classname="test.A" name="test_ok"/>'
                     '<testcase classname="test.A" name="test_bad"><failure/></testcase>'
                     '<testcase classname="test.B" name="test_later"><skipped/></testcase>'
                     '</testsuite></testsuites>')
    assert count_junit(junit) == (1, ("test.A.test_bad",), ("test.B.test_later",), ())


def test_a_case_regrtest_re_ran_counts_by_its_last_run_and_is_flaky_if_it_passed(tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"
    junit.write_text('<testsuites><testsuite>'
                     '<testcase classname="test.A" name="test_ok"/>'
                     '<testcase classname="test.A" name="test_flaky"><failure/></testcase>'
                     '<testcase classname="test.A" name="test_bad"><error/></testcase>'
                     '</testsuite><testsuite>'
                     '<testcase classname="test.A" name="test_flaky"/>'
                     '<testcase classname="test.A" name="test_bad"><failure/></testcase>'
                     '</testsuite></testsuites>')
    assert count_junit(junit) == (2, ("test.A.test_bad",), (), ("test.A.test_flaky",))
