"""Atomic read-modify-writes counted from callgrind's per-instruction profile: the parser, the instructions that
count, a real program whose count is known, and the report's tables."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from test_report import host_installed

from ownbench.bench.atomic_cost import FILE_NAME, run_atomic_cost
from ownbench.bench.atomics import atomic_lines, is_atomic
from ownbench.bench.callgrind import ATOMIC_FLOOR, profile_text
from ownbench.bench.callgrind_profile import CostLine, by_function, cost_lines
from ownbench.errors import ToolkitError
from ownbench.headline import critical_section_rows
from ownbench.pipeline import record_run
from ownbench.report import write_report
from ownbench.results import read_json, write_json

PROFILE = """\
positions: instr line
events: Ir I1mr
ob=(1) /lib/libc.so
fn=(1) main
0x1000 10 4 1
+4 * 2
cfn=(2) work
calls=3 0x2000 20
* * 90 3
ob=(2) /bin/python
fn=(2)
0x2000 20 30
+2 +1 60
fn=(3) work'2
-1 -1 7
"""
"""main (in libc) runs two instructions of its own, then calls work three times at its second instruction (an
inclusive 90); work (in python) runs 30 and 60; its second recursion level 7, at the address before."""


def test_cost_lines_undo_name_and_position_compression() -> None:
    assert list(cost_lines(PROFILE)) == [
        CostLine("/lib/libc.so", "main", None, 0x1000, 4, ""),
        CostLine("/lib/libc.so", "main", None, 0x1004, 2, ""),
        CostLine("/lib/libc.so", "main", "work", 0x1004, 90, ""),
        CostLine("/bin/python", "work", None, 0x2000, 30, ""),
        CostLine("/bin/python", "work", None, 0x2002, 60, ""),
        CostLine("/bin/python", "work'2", None, 0x2001, 7, ""),
    ]


def test_a_profile_by_line_has_no_addresses() -> None:
    lines = list(cost_lines("positions: line\nevents: Ir\nfn=(1) main\n\n1 10\n+2 5\n"))
    assert [(c.address, c.ir) for c in lines] == [(None, 10), (None, 5)]
    assert atomic_lines(lines) == []


@pytest.mark.parametrize("instruction", [
    "lock cmpxchg %rcx,(%rdx)", "lock addq $0x1,0x8(%rax)", "lock xadd %eax,(%rdi)", "xchg   %rax,0x0(%r13)",
    "xchg   %al,(%rdx)", "ldaddal\tw1, w0, [x2]", "casal\tx0, x1, [x2]", "swpal\tw0, w1, [x3]",
    "stlxr\tw3, x1, [x0]", "stxrb\tw2, w1, [x0]", "stadd\tw1, [x0]", "ldsetalh\tw1, w0, [x2]",
])
def test_atomic_read_modify_writes_are_recognized(instruction: str) -> None:
    assert is_atomic(instruction)


@pytest.mark.parametrize("instruction", [
    "xchg   %ax,%ax", "xchg   %rax,%rbx", "mov    %rax,(%rdx)", "cmpxchg %rcx,(%rdx)", "stlr\tx1, [x0]",
    "ldaxr\tx1, [x0]", "ldr\tx0, [x1]", "str\tx0, [x1]", "mfence", "clock_gettime@plt",
])
def test_other_instructions_are_not(instruction: str) -> None:
    assert not is_atomic(instruction)


COUNTER = """\
#include <stdatomic.h>

static _Atomic long counter;
static long plain;

__attribute__((noinline)) void bump(int n)
{
    for (int i = 0; i < n; i++) {
        atomic_fetch_add(&counter, 1);
        plain++;
    }
}

int main(void)
{
    bump(%d);
    return atomic_load(&counter) != %d;
}
"""


@pytest.mark.usefixtures("valgrind")
def test_a_real_program_executes_exactly_its_atomics(tmp_path: Path) -> None:
    if shutil.which("gcc") is None:
        pytest.skip("no C compiler")
    source, program = tmp_path / "counter.c", tmp_path / "counter"
    source.write_text(COUNTER % (5000, 5000))
    subprocess.run(["gcc", "-O1", "-o", str(program), str(source)], check=True)
    found = by_function(atomic_lines(list(cost_lines(profile_text([str(program)], "counter")))))
    # Every iteration's fetch-add, nothing for the plain increment; the C library's start-up has a few of its own.
    assert found["bump"] == 5000
    assert "main" not in found
    assert sum(found.values()) < 5000 + ATOMIC_FLOOR


def write_counts(results_dir: Path, atomics: dict[str, int], functions: dict[str, dict[str, int]]) -> None:
    for variant, n in atomics.items():
        write_json(results_dir / "callgrind" / f"{variant}.json",
                   {"variant": variant, "instructions": {"critical_sections": [1_000_000]},
                    "atomics": {"critical_sections": [n, n]},
                    "atomic_functions": {"critical_sections": functions[variant]}})


def test_the_report_counts_atomics_and_ranks_where_they_are(tmp_path: Path) -> None:
    out = tmp_path / "run"
    record_run(out, "test", "callgrind", [host_installed("stock"), host_installed("ft")])
    write_counts(out, {"stock": 2_000, "ft": 1_390_000, "owner": 131_000},
                 {"stock": {}, "ft": {"PyDict_SetItem": 415_000, "list_pop": 80_000, "_Py_DecRefShared": 20_000},
                  "owner": {"_Py_DecRefShared": 24_000}})
    report = write_report(out).read_text()
    assert "## Atomic read-modify-writes (callgrind)" in report
    assert "| critical_sections | 2,000 (2.00) | 1,390,000 (1390.00) | 131,000 (131.00) | 0.094 |" in report
    assert "## Where the atomic read-modify-writes are, by function (callgrind)" in report
    rows = report.split("### `critical_sections`: owner", 1)[1].split("\n\n")[1].splitlines()[2:]
    assert [r.split(" | ")[0] for r in rows] == ["| `_Py_DecRefShared`", "| `list_pop`", "| `PyDict_SetItem`"]
    assert "| `PyDict_SetItem` | 0.00 | 415.00 | 0.00 | -415.00 | +0.00 |" in report
    summary = read_json(out / "summary.json")
    assert summary["atomics"]["owner"]["critical_sections"] == 131_000
    assert ["Critical sections: atomic read-modify-writes executed, owner / ft", "0.094 (131,000 / 1,390,000)",
            "callgrind, deterministic; what ft's locks cost"] in critical_section_rows(summary)


def test_the_cost_of_an_atomic_is_measured() -> None:
    if shutil.which("gcc") is None:
        pytest.skip("no C compiler")
    cost = run_atomic_cost(200_000)
    assert cost["operations"] == 200_000 and cost["rounds"] == 11
    assert 0 < cost["plain_ns"] < 1_000 and 0 < cost["atomic_ns"] < 1_000
    with pytest.raises(ToolkitError, match="must be at least 1, not -5"):
        run_atomic_cost(-5)


def test_the_report_puts_a_time_on_the_atomics_ft_executes_and_owner_does_not(tmp_path: Path) -> None:
    out = tmp_path / "run"
    record_run(out, "test", "callgrind", [host_installed("stock"), host_installed("ft")])
    write_counts(out, {"stock": 2_000, "ft": 1_390_000, "owner": 131_000},
                 {"stock": {}, "ft": {}, "owner": {}})
    write_json(out / FILE_NAME, {"atomic_ns": 6.0, "plain_ns": 2.0, "operations": 1000, "rounds": 11})
    report = write_report(out).read_text()
    assert "an atomic read-modify-write took 6.00 ns" in report
    assert "| workload | stock | ft | owner | owner / ft | ft − owner, at 6.00 ns each (ms) |" in report
    assert "| 131,000 (131.00) | 0.094 | 7.55 |" in report  # (1,390,000 - 131,000) x 6 ns
    summary = read_json(out / "summary.json")
    assert summary["atomic_cost_ns"] == 6.0
    assert "ft's extra ones take about 7.6 ms" in critical_section_rows(summary)[1][2]
