"""`./toolkit profile`: reading perf's report, ranking the gaps, profile.md, resuming and the command line's errors."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_single_thread import host_installed
from test_variants import REPO, invoke

from ownbench.bench.raw_records import build_key_of
from ownbench.build import Installed
from ownbench.errors import ToolkitError
from ownbench.perf_profile import perf, runner, switches
from ownbench.perf_profile.gaps import beyond, comparisons
from ownbench.perf_profile.summary import Run, RunInfo, SwitchRun, profile_markdown
from ownbench.report import write_report
from ownbench.versions import get_release

REPORT = """\
# To display the perf.data header info, please use --header/--header-only options.
#
# Total Lost Samples: 0
#
# Samples: 1K of event 'cpu-clock'
# Event count (approx.): 250000000
#
# Overhead       Samples  Symbol
# ........  ............  ..........................
#
    60.00%           600  [.] _PyEval_EvalFrameDefault
            |
            ---_PyEval_EvalFrameDefault
               |
                --59.00%--PyEval_EvalCode
                          0x7fc69b3bea80

    25.00%           250  [.] list_pop
            |
            ---list_pop

    10.00%           100  [k] clear_page_erms
            |
             --9.00%--do_anonymous_page
                       __handle_mm_fault

     4.90%            49  [.] operator new(unsigned long)
     0.10%             1  [.] list_pop
"""
"""What `perf report --stdio --no-children -F overhead,sample,sym` prints, call chains included; list_pop twice, as
for one name in two libraries."""


SCRIPT = """\

\tffffffff82248208 __schedule ([kernel.kallsyms])
\tffffffff82248b73 schedule ([kernel.kallsyms])
\tffffffff8224a001 do_sched_yield ([kernel.kallsyms])
\tffffffff8224a002 __x64_sys_sched_yield ([kernel.kallsyms])
\t           e2a17 __GI_sched_yield (inlined)
\t           e2a17 __sched_yield (/usr/lib/x86_64-linux-gnu/libc.so.6)
\t          2c3f01 _Py_yield (inlined)
\t          2c3f01 _PyMutex_LockTimed (inlined)
\t          2c3f01 PyMutex_Lock (/work/build/owner/install/lib/libpython3.14t.so.1.0)
\t          2c3f01 _PyCriticalSection_BeginSlow (/work/build/owner/install/lib/libpython3.14t.so.1.0)
\t          2c3f01 _queue_SimpleQueue_get_nowait (/work/build/owner/install/lib/python3.14t/_queue.so)
\t          2c3f01 PyObject_Vectorcall (/work/build/owner/install/lib/libpython3.14t.so.1.0)
\t          2c3f01 _PyEval_EvalFrameDefault (/work/build/owner/install/lib/libpython3.14t.so.1.0)
\t          2c3f01 _PyEval_Vector (/work/build/owner/install/lib/libpython3.14t.so.1.0)

\tffffffff82248208 __schedule ([kernel.kallsyms])
\tffffffff82248b73 schedule ([kernel.kallsyms])
\tffffffff8224b000 futex_wait ([kernel.kallsyms])
\t           9a001 __new_sem_wait_slow64 (inlined)
\t          2c3f02 _PySemaphore_Wait (inlined)
\t          2c3f02 _PyParkingLot_Park (/work/build/owner/install/lib/libpython3.14t.so.1.0)
\t          2c3f02 _queue_SimpleQueue_get_impl (inlined)

\tffffffff82248208 __schedule ([kernel.kallsyms])
\tffffffff82242f2f irqentry_exit_to_user_mode ([kernel.kallsyms])

\tffffffff82248208 __schedule ([kernel.kallsyms])
\tffffffff82248b73 schedule ([kernel.kallsyms])
\tffffffff8224a001 do_sched_yield ([kernel.kallsyms])
\t          2c3f01 _Py_yield (inlined)
\t          2c3f01 _PyCriticalSection_BeginSlow (/work/build/owner/install/lib/libpython3.14t.so.1.0)
\t          2c3f01 _queue_SimpleQueue_get_nowait (/work/build/owner/install/lib/python3.14t/_queue.so)
\t          2c3f01 _PyEval_EvalFrameDefault (/work/build/owner/install/lib/libpython3.14t.so.1.0)
\t          2c3f01 _PyEval_Vector (/work/build/owner/install/lib/libpython3.14t.so.1.0)
"""
"""What `perf script -F ip,sym,dso` prints for four sched:sched_switch events: two yields from one site (one with
libc's frames), a futex sleep of a parked thread and a preemption with no frame outside the kernel."""


def test_switches_are_counted_by_kind_and_site() -> None:
    found = switches.parse_script(SCRIPT)
    site = "_PyCriticalSection_BeginSlow < _queue_SimpleQueue_get_nowait < _PyEval_EvalFrameDefault"
    assert dict(found.counts) == {("yield", site): 2, ("sleep", "_queue_SimpleQueue_get_impl"): 1,
                                  ("preempted", "(no frame of CPython)"): 1}
    assert (found.total, found.of_kind("yield"), found.of_kind("other")) == (4, 2, 0)
    assert switches.parse_counts(switches.format_counts(found)) == found
    assert switches.format_counts(found).splitlines()[0] == f"2\tyield\t{site}"


def profile_of(**counts: int) -> perf.Profile:
    return perf.Profile(counts)


def test_perf_report_is_read_as_symbols_and_their_samples() -> None:
    found = perf.parse_report(REPORT)
    assert dict(found.counts) == {"_PyEval_EvalFrameDefault": 600, "list_pop": 251, "[k] clear_page_erms": 100,
                                  "operator new(unsigned long)": 49}
    assert found.total == 1000
    assert found.kernel_share == pytest.approx(0.1)
    assert found.share("list_pop") == pytest.approx(0.251)
    assert found.share("absent") == 0
    assert found.top(2) == ["_PyEval_EvalFrameDefault", "list_pop"]


def test_a_report_without_symbols_is_an_error() -> None:
    with pytest.raises(ToolkitError, match="no symbols in the perf report"):
        perf.parse_report("# Samples: 0 of event 'cpu-clock'\n#\n")


def test_gaps_compare_shares_and_rank_only_what_is_ahead() -> None:
    owner = profile_of(eval=500, dealloc=300, lookup=200)  # 50 %, 30 %, 20 % of 1000
    stock = profile_of(eval=60, lookup=25, pop=15)  # 60 %, 25 %, 15 % of 100
    found = beyond(owner, stock)
    assert [g.symbol for g in found.gaps] == ["dealloc"]
    assert found.gaps[0].difference == pytest.approx(0.30)
    assert found.total == pytest.approx(0.30)
    reverse = beyond(stock, owner)
    assert [g.symbol for g in reverse.gaps] == ["pop", "eval", "lookup"]
    assert [g.difference for g in reverse.gaps] == pytest.approx([0.15, 0.10, 0.05])
    assert reverse.total == pytest.approx(0.30)
    assert [reverse.share_of_gap(g) for g in reverse.gaps] == pytest.approx([1 / 2, 1 / 3, 1 / 6])
    assert (reverse.gaps[0].other_samples, reverse.gaps[0].base_samples) == (15, 0)
    assert beyond(owner, owner).gaps == ()


def test_comparisons_follow_the_variants_that_ran() -> None:
    assert comparisons(["stock", "ft", "owner", "owner:transfer"]) == [
        ("owner", "stock"), ("owner:transfer", "stock"), ("ft", "stock"), ("owner", "ft"), ("owner:transfer", "ft")]
    assert comparisons(["ft", "owner"]) == [("owner", "ft")]
    assert comparisons(["stock"]) == []


def run_of(variant: str, turns: int, **counts: int) -> Run:
    return Run(RunInfo(variant, "mut", "k" * 64, 10, turns, "2026-12-03"), profile_of(**counts))


def test_profile_markdown_has_samples_tops_and_ranked_gaps() -> None:
    runs = {"mut": {"stock": run_of("stock", 1_000_000, eval=3, pop=1),
                    "owner": run_of("owner", 2_000_000, eval=2, pop=1, **{"[k] a|b": 1})}}
    text = profile_markdown(runs, "test machine", {"mut": "Mutates containers."}, {})
    assert "### Context switches" not in text
    assert "## `mut`\n\nMutates containers.\n" in text
    assert "| `stock` | 4 | 1,000,000 | 4.0 | 0.0 | 0.00 % |" in text
    assert "| `owner` | 4 | 2,000,000 | 2.0 | 0.5 | 25.00 % |" in text
    assert "| 1 | `eval` | 75.00 % | `eval` | 50.00 % |" in text
    assert "| 2 | `pop` | 25.00 % | `[k] a\\|b` | 25.00 % |" in text  # ties go by name
    assert "| 3 |  |  | `pop` | 25.00 % |" in text
    assert "#### `owner` beyond `stock`" in text and "spends 25.00 % of its samples beyond" in text
    assert "| `[k] a\\|b` | 25.00 % | 0.00 % | +25.00 | 100.00 % | 1 | 0 |" in text
    assert "#### `stock` beyond" not in text and "`ft`" not in text


def test_profile_markdown_gives_switches_per_thousand_turns_by_kind_and_site() -> None:
    info = RunInfo("ft", "pool", "k" * 64, 10, 2_000, "2026-12-06")
    ft = SwitchRun(info, switches.Switches({("yield", "get"): 10, ("sleep", "park"): 4}))
    owner = SwitchRun(RunInfo("owner", "pool", "k" * 64, 10, 1_000, "2026-12-06"),
                      switches.Switches({("yield", "get"): 30, ("preempted", "eval"): 1}))
    runs = {"pool": {"ft": Run(info, profile_of(eval=1)), "owner": Run(owner.info, profile_of(eval=1))}}
    text = profile_markdown(runs, "test machine", {"pool": "A pool."}, {"pool": {"ft": ft, "owner": owner}})
    assert "| `ft` | 2,000 | 14 | 7.0 | 5.0 | 2.0 | 0.0 | 0.0 |" in text
    assert "| `owner` | 1,000 | 31 | 31.0 | 30.0 | 0.0 | 1.0 | 0.0 |" in text
    assert "| yield | `get` | 5.0 | 30.0 |\n| sleep | `park` | 2.0 | 0.0 |\n| preempted | `eval` | 0.0 | 1.0 |" in text


def test_unknown_workload_is_refused_with_the_valid_ones() -> None:
    result = invoke("profile", "--workloads", "mut,nope")
    assert result.returncode == 1
    assert "unknown workload 'nope'; valid workloads: mut, rd, pool, pingpong" in result.stderr


def test_missing_perf_names_the_debian_package(tmp_path: Path) -> None:
    """Only git on PATH (which GitPython needs), so no perf and no dpkg to install it with: the error names
    linux-perf."""
    (tmp_path / "git").symlink_to(shutil.which("git") or "/usr/bin/git")
    env = {**os.environ, "PATH": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "invoke", "profile", "--variant", "owner"], cwd=REPO,
                            capture_output=True, text=True, env=env)
    assert result.returncode == 1
    assert "perf is not installed" in result.stderr and "linux-perf" in result.stderr


def fake_perf(tmp_path: Path, record: str) -> str:
    """A `perf` that runs `record` (shell) for `perf record`, prints SCRIPT for `perf script` and REPORT for
    `perf report`."""
    (tmp_path / "report.txt").write_text(REPORT)
    (tmp_path / "script.txt").write_text(SCRIPT)
    script = tmp_path / "perf"
    script.write_text(f'#!/bin/sh\nif [ "$1" = record ]; then\n{record}\nfi\n'
                      f'if [ "$1" = script ]; then cat "{tmp_path / "script.txt"}"; exit 0; fi\n'
                      f'cat "{tmp_path / "report.txt"}"\n')
    script.chmod(0o755)
    return str(script)


@pytest.mark.parametrize(("uid", "reason"), [(1000, r"kernel.perf_event_paranoid is \S+, and .* needs root or a "
                                                    r"value of 1 or less"),
                                             (0, r"the kernel refuses root too here: perf_event_open is forbidden")])
def test_a_kernel_refusal_says_why(uid: int, reason: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(perf.os, "geteuid", lambda: uid)
    refusing = fake_perf(tmp_path, "echo 'Error: No permission to enable cpu-clock event.' >&2\n"
                                   "echo 'Consider adjusting /proc/sys/kernel/perf_event_paranoid' >&2; exit 255")
    with pytest.raises(ToolkitError, match=rf"(?s)perf refused to sample mut on owner: {reason}.*No permission"):
        perf.record(refusing, tmp_path / "perf.data", ["true"], {}, "mut on owner")


def test_a_failing_workload_is_an_error_with_its_output(tmp_path: Path) -> None:
    failing = fake_perf(tmp_path, 'shift; while [ "$1" != -- ]; do shift; done; shift; exec "$@"')
    with pytest.raises(ToolkitError, match=r"(?s)perf record of rd on ft failed \(exit 3.*boom"):
        perf.record(failing, tmp_path / "perf.data",
                    [sys.executable, "-c", "import sys; print('boom', file=sys.stderr); sys.exit(3)"], {}, "rd on ft")


def test_profile_writes_reports_and_resumes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With a fake perf that runs the workload: one report per variant and workload, profile.md, and a re-run
    that profiles only what another build made."""
    monkeypatch.setattr(perf, "find_perf", lambda: fake_perf(
        tmp_path, 'shift; while [ "$1" != -- ]; do shift; done; shift; exec "$@" --turns 100'))
    installed = [host_installed("stock"), host_installed("owner")]
    pgo_asked: list[bool] = []
    monkeypatch.setattr(runner, "installed_variants",
                        lambda *a, pgo=False: (pgo_asked.append(pgo), installed)[1])
    out = tmp_path / "run"
    variants = [i.variant for i in installed]
    summary = runner.profile_variants(variants, get_release(), ["rd"], 0.01, out, "t")
    assert pgo_asked == [False]
    assert sorted(p.name for p in (out / "profile").iterdir()) == ["owner-rd.txt", "profile.md", "stock-rd.txt"]
    run = runner.read_run(out / "profile" / "owner-rd.txt")
    assert run is not None and run.info.variant == "owner" and run.info.turns >= 100 and run.profile.total == 1000
    assert run.info.build_key == build_key_of(installed[1].manifest)
    text = summary.read_text()
    assert "#### `owner` beyond `stock`" in text
    assert "## `rd`\n\nProfile workload `rd`: one thread reads items" in text
    assert "[profile/profile.md](profile/profile.md)" in write_report(out).read_text()

    profiled: list[str] = []
    monkeypatch.setattr(runner, "profile_one", lambda _perf, inst, *a: profiled.append(inst.variant.label))
    installed[1] = Installed(installed[1].variant, installed[1].arch, installed[1].prefix, installed[1].python,
                             {**installed[1].manifest, "build_key": "another"})
    runner.profile_variants(variants, get_release(), ["rd"], 0.01, out, "t", pgo=True)
    assert profiled == ["owner"] and pgo_asked == [False, True]


def test_threaded_workloads_also_record_their_context_switches(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """With a fake perf: `pool` gets a time profile and a switch count per variant, profile.md shows them, and a
    re-run records neither again."""
    monkeypatch.setattr(perf, "find_perf", lambda: fake_perf(
        tmp_path, 'shift; while [ "$1" != -- ]; do shift; done; shift; exec "$@" --turns 100'))
    installed = [host_installed("ft"), host_installed("owner")]
    monkeypatch.setattr(runner, "installed_variants", lambda *a, pgo=False: installed)
    out = tmp_path / "run"
    summary = runner.profile_variants([i.variant for i in installed], get_release(), ["pool"], 0.01, out, "t")
    counted = runner.read_switch_run(out / "profile" / "switches" / "owner-pool.tsv")
    assert counted is not None and counted.info.turns >= 100 and counted.switches.total == 4
    assert counted.info.seconds == 0.01
    assert counted.info.build_key == build_key_of(installed[1].manifest)
    text = summary.read_text()
    turns = counted.info.turns
    assert "### Context switches" in text
    assert f"| `owner` | {turns:,} | 4 | {4000 / turns:,.1f} | {2000 / turns:,.1f} | {1000 / turns:,.1f} |" in text

    monkeypatch.setattr(runner, "profile_one", lambda *a: pytest.fail("profiled again"))
    monkeypatch.setattr(runner, "record_switches_one", lambda *a: pytest.fail("switches recorded again"))
    runner.profile_variants([i.variant for i in installed], get_release(), ["pool"], 0.01, out, "t")


def test_workload_scripts_report_their_turns() -> None:
    for name in runner.WORKLOADS:
        script = str(runner.WORKLOAD_DIR / f"{name}.py")
        once = subprocess.run([sys.executable, script, "--turns", "50"], capture_output=True, text=True, check=True)
        assert json.loads(once.stdout) == {"turns": 50}
        timed = subprocess.run([sys.executable, script, "--turns", "1000", "--seconds", "0.05"], capture_output=True,
                               text=True, check=True)
        turns = json.loads(timed.stdout)["turns"]
        assert turns >= 1000 and turns % 1000 == 0


@pytest.mark.integration
@pytest.mark.skipif(shutil.which("perf") is None, reason="perf is not installed")
def test_real_perf_samples_a_tiny_script(tmp_path: Path) -> None:
    data = tmp_path / "perf.data"
    out = perf.record(shutil.which("perf") or "perf", data, [sys.executable, str(runner.WORKLOAD_DIR / "rd.py"),
                                                              "--seconds", "0.3"], {}, "rd on the host")
    found = perf.parse_report(perf.report(shutil.which("perf") or "perf", data))
    assert runner.turns_done(out, "rd") > 0
    assert found.total > 100 and found.share(found.top(1)[0]) > 0.05
