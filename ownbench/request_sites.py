"""`./toolkit requests`: which objects a program's threads ask running owners for, and from where.

gdb stops the `owner` interpreter wherever a thread posts an ownership request to a running owner and waits for its
answer (`wait_for_answer()` in `Python/ownership.c`). At each stop it prints the type of the requested object, whether
the request only asks to share it, the Python function the requesting thread runs (the code object of its innermost
frame) and a C backtrace, then lets the program go on. The stops slow the program down and change its interleaving,
and they stretch the time between two moves of an object past `adaptive`'s 5 ms window, so that policy demotes less
under gdb: the counts say which objects and which code the requests come from, not how many a run without gdb posts
(the ownership counters of the benchmarks say that).
"""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from . import system_deps
from .build import Installed
from .console import step
from .errors import ToolkitError
from .markdown import code, table
from .process import environment
from .results import write_json, write_text

MARKER = "OWNBENCH-REQUEST"
BACKTRACE_DEPTH = 16
GDB_PACKAGES: tuple[str, ...] = ("gdb",)
TIMEOUT_S = 1800

# The requesting thread's innermost frame runs a code object when its f_executable is one (a frame that C code
# pushed has none); its names are compact ASCII strings, whose characters follow the object header.
GDB_SCRIPT = f"""set pagination off
set print thread-events off
set confirm off
break wait_for_answer
commands
silent
set $object = (PyObject *)req->object
set $frame = tstate->current_frame
set $code = (PyObject *)0
if $frame != 0
  set $code = (PyObject *)($frame->f_executable.bits & ~(uintptr_t)3)
end
if $code != 0 && $code->ob_type == &PyCode_Type
  printf "{MARKER}\\t%s\\t%d\\t%s\\t%s\\n", $object->ob_type->tp_name, req->share, \
(char *)((PyASCIIObject *)((PyCodeObject *)$code)->co_qualname + 1), \
(char *)((PyASCIIObject *)((PyCodeObject *)$code)->co_filename + 1)
else
  printf "{MARKER}\\t%s\\t%d\\t-\\t-\\n", $object->ob_type->tp_name, req->share
end
bt {BACKTRACE_DEPTH}
continue
end
run
"""

# The code between a critical section (or a read that shares) and the wait, which is not where a request comes from.
PROTOCOL_FILES = ("Python/ownership.c", "Python/critical_section.c", "Include/internal/pycore_critical_section.h")
EXIT_LINE = re.compile(r"^\[Inferior \d+ \(process \d+\) (exited normally|exited with code \d+)\]$", re.M)
FRAME = re.compile(r"^#\d+\s+(?:0x[0-9a-f]+ in )?([A-Za-z_]\w*) \(.*?(?: at (\S+):\d+)?$")


@dataclass(frozen=True)
class RequestSite:
    """Where one request came from."""

    type_name: str
    """The requested object's type (tp_name)."""
    share: bool
    """A share request (a read), not a request for ownership (a write or a critical section)."""
    function: str
    """The qualified name of the Python function the requesting thread ran, or '-' in C code alone."""
    file: str
    """That function's file name, or '-'."""
    caller: str
    """The innermost C function of the backtrace outside the ownership protocol and critical sections' code."""


def parse_requests(output: str) -> list[RequestSite]:
    """The requests in gdb's output of GDB_SCRIPT, in the order they were posted."""
    sites: list[RequestSite] = []
    pending: list[str] | None = None
    caller = "-"

    def close() -> None:
        if pending is not None:
            type_name, share, function, file = pending
            sites.append(RequestSite(type_name, share == "1", function, file, caller))

    for line in output.splitlines():
        if line.startswith(MARKER + "\t"):
            close()
            fields = line.split("\t")[1:]
            if len(fields) != 4:
                raise ToolkitError(f"cannot read gdb's request line {line!r}")
            pending, caller = fields, "-"
            continue
        frame = FRAME.match(line)
        if pending is not None and caller == "-" and frame and not (frame.group(2) or "").endswith(PROTOCOL_FILES):
            caller = frame.group(1)
    close()
    return sites


def tally(sites: Iterable[RequestSite]) -> list[tuple[RequestSite, int]]:
    """Each distinct site with the number of its requests, most frequent first."""
    return Counter(sites).most_common()


def short_file(file: str) -> str:
    """A file's name, with its directory unless that is the standard library's (`threading.py`,
    `ownership/contended.py`)."""
    path = Path(file)
    if path.parent.name.startswith("python3") or path.parent.name in ("Lib", ""):
        return path.name
    return f"{path.parent.name}/{path.name}"


def markdown(counted: Sequence[tuple[RequestSite, int]]) -> str:
    """The sites as a table, most frequent first."""
    rows = [[str(n), code(site.type_name), "share" if site.share else "ownership",
             code(site.function) + (f" ({short_file(site.file)})" if site.file != "-" else ""),
             code(site.caller)] for site, n in counted]
    return table(["requests", "object type", "kind", "Python function", "C caller"], rows)


def gdb_command(installed: Installed, script: Path, program: Sequence[str]) -> list[str]:
    return ["gdb", "-q", "-batch", "-x", str(script), "--args", str(installed.python), *program]


def trace_requests(installed: Installed, program: Sequence[str], out_dir: Path) -> list[RequestSite]:
    """Run `program` (a script and its arguments) on the variant under gdb; keep gdb's output in
    <out_dir>/logs/requests-<variant>.log and return the requests it saw."""
    if not installed.variant.ownership:
        raise ToolkitError(f"variant {installed.variant.label} has no ownership requests to trace; use owner")
    system_deps.ensure_packages(GDB_PACKAGES)
    script = out_dir / "logs" / "requests.gdb"
    log = out_dir / "logs" / f"requests-{installed.name}.log"
    write_text(script, GDB_SCRIPT)
    step(f"{installed.variant.label}: {' '.join(program)} under gdb, stopping at every request")
    try:
        result = subprocess.run(gdb_command(installed, script, program), capture_output=True, text=True,
                                errors="replace", env=environment(installed.variant.environment()),
                                timeout=TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired as exc:
        raise ToolkitError(f"{' '.join(program)} ran over {TIMEOUT_S} s under gdb on {installed.variant.label}"
                           ) from exc
    output = result.stdout + result.stderr
    write_text(log, output)
    if "Breakpoint 1 at" not in output:
        raise ToolkitError(f"gdb found no wait_for_answer() in {installed.python} (see {log})")
    exit_line = EXIT_LINE.search(output)
    if exit_line is None or exit_line.group(1) != "exited normally":
        ended = exit_line.group(1) if exit_line else "did not exit"
        raise ToolkitError(f"{' '.join(program)} {ended} under gdb on {installed.variant.label} (see {log})")
    return parse_requests(result.stdout)


def program_slug(program: Sequence[str]) -> str:
    """A file name for a program: its script's stem and its arguments (`contended-cases-threadpool_imap`)."""
    words = [Path(program[0]).stem, *program[1:]] if program else []
    return re.sub(r"[^A-Za-z0-9_.]+", "-", " ".join(words)).strip("-.") or "program"


def write_requests(out_dir: Path, installed: Installed, program: Sequence[str], sites: list[RequestSite]) -> Path:
    """requests/<variant>-<program>.json (every site and its count) and .md (the table), then report.md, which
    holds the tables of every program traced into `out_dir`."""
    counted = tally(sites)
    stem = f"{installed.name}-{program_slug(program)}"
    write_json(out_dir / "requests" / f"{stem}.json",
               {"variant": installed.variant.label, "program": list(program),
                "sites": [{**asdict(site), "requests": n} for site, n in counted]})
    write_text(out_dir / "requests" / f"{stem}.md",
               f"## `{' '.join(program)}` on `{installed.variant.label}`\n\n"
               f"{len(sites)} requests to a running owner.\n\n{markdown(counted)}\n")
    return write_report(out_dir)


def write_report(out_dir: Path) -> Path:
    """report.md: the request tables of every program traced into `out_dir`, by file name."""
    tables = [path.read_text() for path in sorted((out_dir / "requests").glob("*.md"))]
    path = out_dir / "report.md"
    write_text(path, "# Ownership requests, by where they come from\n\n"
               "Each table counts the requests a program's threads posted to a running owner, by the requested "
               "object's type, the kind of request, the Python function the requesting thread ran and the C function "
               "that asked (`./toolkit requests`). gdb stopped at each request, which changes the interleaving and "
               "stretches the time between two moves of an object past `adaptive`'s 5 ms window: the tables say "
               "where requests come from, not how many a run without gdb posts.\n\n" + "\n".join(tables))
    return path
