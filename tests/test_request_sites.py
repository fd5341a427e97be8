"""requests: reading gdb's stops at ownership requests, the table, and what the task refuses."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path

import pytest

from ownbench.arch import native_arch
from ownbench.build import Installed
from ownbench.errors import ToolkitError
from ownbench.request_sites import (
    MARKER,
    RequestSite,
    markdown,
    parse_requests,
    program_slug,
    short_file,
    tally,
    trace_requests,
    write_requests,
)
from ownbench.variants import VARIANTS

# Two requests as gdb prints them (shortened backtraces): a critical section inlined into list_append, then a share
# from C code that runs no Python function, with no debug information below the protocol.
GDB_OUTPUT = f"""Breakpoint 1 at 0x1d5f30: file ../src/Python/ownership.c, line 841.
[New Thread 0x7ffff7c966c0 (LWP 23815)]
{MARKER}\tlist\t0\tappend_once\t/work/tests/fixtures/requests/append_from_a_worker.py
#0  wait_for_answer (req=0x555555dec7d8, tstate=0x555555de8b30) at ../src/Python/ownership.c:841
#1  acquire_owned (share=<optimized out>, op=0x5c3ac476d00) at ../src/Python/ownership.c:1095
#4  0x0000555555824a6d in enter_object (op=0x5c3ac476d00) at ../src/Python/critical_section.c:182
#5  _PyCriticalSection_BeginObjectSlow (c=c@entry=0x7ffff7c955f0) at ../src/Python/critical_section.c:250
#6  0x00005555556cd2cb in _PyCriticalSection_Begin () at ../src/Include/internal/pycore_critical_section.h:220
#7  list_append (self=0x5c3ac476d00, object=0x555555cf4d90) at ../src/Objects/clinic/listobject.c.h:121
#8  0x0000555555687eb3 in _PyObject_VectorcallTstate () at ../src/Include/internal/pycore_call.h:177
{MARKER}\tdict\t1\t-\t-
#0  wait_for_answer (req=0x555555dec7d8, tstate=0x555555de8b30) at ../src/Python/ownership.c:841
#1  0x00007ffff7e1b5c0 in start_thread () from /lib/x86_64-linux-gnu/libc.so.6
{MARKER}\tlist\t0\tappend_once\t/work/tests/fixtures/requests/append_from_a_worker.py
#0  wait_for_answer (req=0x555555dec7d8, tstate=0x555555de8b30) at ../src/Python/ownership.c:841
#7  list_append (self=0x5c3ac476d00, object=0x555555cf4d90) at ../src/Objects/clinic/listobject.c.h:121
[Inferior 1 (process 23812) exited normally]
"""

APPEND = RequestSite("list", False, "append_once", "/work/tests/fixtures/requests/append_from_a_worker.py",
                     "list_append")


def test_parse_names_the_first_caller_outside_the_protocol() -> None:
    sites = parse_requests(GDB_OUTPUT)
    assert sites == [APPEND, RequestSite("dict", True, "-", "-", "start_thread"), APPEND]
    assert tally(sites) == [(APPEND, 2), (RequestSite("dict", True, "-", "-", "start_thread"), 1)]


def test_parse_rejects_a_request_line_it_cannot_read() -> None:
    with pytest.raises(ToolkitError, match="cannot read gdb's request line"):
        parse_requests(f"{MARKER}\tlist\t0\n")


@pytest.mark.parametrize(("file", "short"), [
    ("/x/install/lib/python3.14t/threading.py", "threading.py"),
    ("/x/src/Lib/queue.py", "queue.py"),
    ("/work/bench/ownership/contended.py", "ownership/contended.py"),
    ("script.py", "script.py"),
])
def test_short_file(file: str, short: str) -> None:
    assert short_file(file) == short


def test_markdown_rows_most_frequent_first() -> None:
    lines = markdown(tally(parse_requests(GDB_OUTPUT))).splitlines()
    assert lines[2] == ("| 2 | `list` | ownership | `append_once` (requests/append_from_a_worker.py) | "
                        "`list_append` |")
    assert lines[3] == "| 1 | `dict` | share | `-` | `start_thread` |"
    assert len(lines) == 4


def test_a_build_without_ownership_is_refused(tmp_path: Path) -> None:
    python = Path(sys.executable)
    ft = Installed(VARIANTS["ft"], native_arch(), python.parent.parent, python, {})
    with pytest.raises(ToolkitError, match="variant ft has no ownership requests"):
        trace_requests(ft, ["script.py"], tmp_path)
    assert not (tmp_path / "logs").exists()


@pytest.mark.parametrize(("program", "slug"), [
    (["bench/ownership/contended.py", "--cases", "threadpool_imap"], "contended-cases-threadpool_imap"),
    (["/x/script.py"], "script"),
    ([], "program"),
])
def test_program_slug(program: list[str], slug: str) -> None:
    assert program_slug(program) == slug


def test_each_program_has_its_files_and_the_report_holds_every_table(tmp_path: Path) -> None:
    python = Path(sys.executable)
    owner = Installed(VARIANTS["owner"], native_arch(), python.parent.parent, python, {})
    sites = parse_requests(GDB_OUTPUT)
    write_requests(tmp_path, owner, ["a.py"], sites)
    report = write_requests(tmp_path, owner, ["b.py", "--fast"], sites[:1])
    saved = json.loads((tmp_path / "requests" / "owner-b-fast.json").read_text())
    assert saved["program"] == ["b.py", "--fast"] and saved["sites"] == [{**asdict(APPEND), "requests": 1}]
    text = report.read_text()
    assert text.index("## `a.py` on `owner`\n\n3 requests") < text.index("## `b.py --fast` on `owner`\n\n1 requests")
    assert text.count("| `list` | ownership | `append_once`") == 2
