"""Reading the text of a callgrind profile: its cost lines, with callgrind's name and position compression undone."""

from __future__ import annotations

import functools
import posixpath
import re
from collections.abc import Callable, Iterable, Iterator
from typing import NamedTuple

CALLED = re.compile(r"\((\d+)\)(?: (.*))?")
"""A compressed name: '(12) name' defines number 12, '(12)' refers to it."""
RECURSION = re.compile(r"'\d+$")
"""The suffix callgrind gives a function's deeper recursion levels (_PyEval_EvalFrameDefault'2)."""
CPYTHON_PATH = re.compile(r"^(?:.*/)?((?:Include|Modules|Objects|Parser|Programs|Python)/.+)$")
"""A source file of CPython's tree, wherever it was built: the part of its normalized path from the last directory
named like one at the tree's top."""
MIMALLOC_PATH = re.compile(r"^(.*?/mimalloc/)")
"""A file of CPython's copy of mimalloc (Objects/mimalloc/, Include/internal/mimalloc/): counted as its directory."""
FILE_KEYS = ("fl", "fi", "fe", "cfi", "cfl", "jfi")
"""Lines that name a source file; they share one name compression. fl sets the file of the function that follows,
fi (inlined code) and fe (back from it) the file of the cost lines that follow; the others name a called
function's or a jump's file."""


class CostLine(NamedTuple):
    """One cost line of a callgrind profile: its Ir (first event) in `function` of `object`; `callee` is the called
    function for a call's inclusive cost and None for the function's own; `address` is the instruction's address in
    its object file (profiles made with --dump-instr=yes), else None; `file` is the source file of the code, an
    inlined function's own file for inlined code (empty if the profile names none, "???" without line
    information)."""

    object: str
    function: str
    callee: str | None
    address: int | None
    ir: int
    file: str


def position(token: str, last: int) -> int:
    """A subposition of a cost line: absolute (hex or decimal), relative to the last one (+n, -n) or the same (*)."""
    if token == "*":
        return last
    if token[0] in "+-":
        return last + int(token)
    return int(token, 0)


def cost_lines(profile: str) -> Iterator[CostLine]:
    """The cost lines of the text of a callgrind profile. Names come back from callgrind's name compression as
    written, a recursion level's suffix ('2) included; subpositions from its position compression."""
    names: dict[str, dict[str, str]] = {"ob": {}, "fn": {}, "fl": {}}
    current = {"ob": "", "fn": "", "fl": "", "file": ""}  # fl: the function's file; file: its cost lines'
    callee: str | None = None
    positions: list[str] = ["line"]
    last = [0]
    call_cost_next = False
    for line in profile.splitlines():
        if line.startswith("positions:"):
            positions = line.split()[1:]
            last = [0] * len(positions)
            continue
        key, equals, rest = line.partition("=")
        if equals and key in ("ob", "fn", "cob", "cfn", *FILE_KEYS):
            kind = "fl" if key in FILE_KEYS else key.removeprefix("c")
            named = CALLED.match(rest)
            if named and named.group(2) is not None:
                names[kind][named.group(1)] = named.group(2)
            name = names[kind][named.group(1)] if named else rest
            if key == "cfn":
                callee = name
            elif key in ("ob", "fn", "fl"):
                current[key] = name
            if key in ("fn", "fl", "fi", "fe"):  # a function's cost lines start in its own file
                current["file"] = name if key in ("fi", "fe") else current["fl"]
        elif key == "calls" and equals:
            call_cost_next = True
        elif line and (line[0].isdigit() or line[0] in "+-*"):
            costs = line.split()
            if len(costs) > len(positions):
                last = [position(t, p) for t, p in zip(costs, last, strict=False)]
                address = last[positions.index("instr")] if "instr" in positions else None
                yield CostLine(current["ob"], current["fn"], callee if call_cost_next else None, address,
                               int(costs[len(positions)]), current["file"])
            call_cost_next = False


def exclusive(lines: Iterable[CostLine], key: Callable[[CostLine], str]) -> dict[str, int]:
    """The exclusive Ir among `lines` of each `key` of a cost line: its own cost lines, not the inclusive cost of
    the calls made there."""
    found: dict[str, int] = {}
    for c in lines:
        if c.callee is None:
            name = key(c)
            found[name] = found.get(name, 0) + c.ir
    return found


def by_function(lines: Iterable[CostLine]) -> dict[str, int]:
    """The exclusive Ir of each function among `lines`; a recursion level's suffix ('2) is merged into its
    function."""
    return exclusive(lines, lambda c: RECURSION.sub("", c.function))


@functools.cache
def source_file(file: str, object_file: str) -> str:
    """What `file` (of code in `object_file`) counts as: a path in CPython's tree from its top, every file of
    mimalloc as its directory, and anything else (the C library, system headers inlined into CPython, code without
    line information) as the object file's name."""
    found = CPYTHON_PATH.match(posixpath.normpath(file))
    if found is None:
        return posixpath.basename(object_file) or "???"
    path = found.group(1)
    mimalloc = MIMALLOC_PATH.match(path)
    return mimalloc.group(1) if mimalloc else path


def by_source_file(lines: Iterable[CostLine]) -> dict[str, int]:
    """The exclusive Ir of the code of each source file (source_file()) among `lines`: inlined code counts in the
    file it was inlined from."""
    return exclusive(lines, lambda c: source_file(c.file, c.object))
