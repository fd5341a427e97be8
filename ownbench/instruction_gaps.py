"""Where an ownership build's callgrind counts differ from ft's and stock's, function by function or source file by
source file: exclusive instructions, or atomic read-modify-writes, of each workload's first run."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .markdown import code, table
from .variants import ownership_labels

ROWS = 6
"""Functions shown per workload from each end of a ranking."""

Functions = Mapping[str, Mapping[str, Mapping[str, int]]]
"""Variant label -> workload -> function -> count."""


@dataclass(frozen=True)
class Counted:
    """What a function table counts: its section's title and text, and the unit of its cells."""

    title: str
    text: str
    scale: float
    unit: str
    column: str = "function"


INSTRUCTIONS = Counted(
    "Where the instructions differ, by function (callgrind)",
    "Exclusive instructions of each function (its own code, not the functions it calls; inlined code counts in the "
    "function it was inlined into), in millions, from each workload's first run, for the functions where an "
    "ownership build runs most more than {bases} and most fewer than ft ({rows} of each). A function under 0.1 M "
    "instructions in a build counts as 0 there. Functions of the cyclic GC move with the number of collections "
    "(see above).",
    1e6, "M")
ATOMICS = Counted(
    "Where the atomic read-modify-writes are, by function (callgrind)",
    "Atomic read-modify-writes each function executed itself (inlined code counts in the function it was inlined "
    "into), in thousands, from each workload's first run, for the functions where an ownership build executes "
    "most more than {bases} and most fewer than ft ({rows} of each). A function under 1,000 in a build counts "
    "as 0 there.",
    1e3, "k")
BY_FILE = ("inlined code counts in the file it comes from (a function inlined from a header, in the header), so the "
           "counts do not move with what the compiler inlined where; the files of CPython's copy of mimalloc count as "
           "their directory (`Objects/mimalloc/`, `Include/internal/mimalloc/`), and code outside CPython's tree (the "
           "C library, the dynamic loader, system headers inlined into CPython) as its object file")
FILE_INSTRUCTIONS = Counted(
    "Where the instructions differ, by source file (callgrind)",
    "Exclusive instructions of the code of each source file, in millions, from each workload's first run: "
    + BY_FILE + ". Shown: the files where an ownership build runs most more than {bases} and most fewer than ft "
    "({rows} of each). A file under 0.1 M instructions in a build counts as 0 there. What `owner` runs beyond "
    "`stock` here, file by file, is what stands between it and `stock` on one thread.",
    1e6, "M", "source file")


def difference(of: Mapping[str, int], base: Mapping[str, int], function: str) -> int:
    return of.get(function, 0) - base.get(function, 0)


def ranked_functions(counts: Mapping[str, Mapping[str, int]], owner: str, bases: list[str]) -> list[str]:
    """The ROWS functions (or source files) `owner` counts most more in than each base, and the ROWS it counts most
    fewer in than the first base; ordered by the difference from the first base, largest first."""
    names = set().union(*(counts[v] for v in (owner, *bases)))
    chosen: dict[str, None] = {}
    for i, base in enumerate(bases):
        by_gap = sorted(names, key=lambda f: (-difference(counts[owner], counts[base], f), f))
        chosen |= dict.fromkeys(by_gap[:ROWS] + (by_gap[-ROWS:] if i == 0 else []))
    first = bases[0]
    return sorted(chosen, key=lambda f: (-difference(counts[owner], counts[first], f), f))


def workload_table(counts: Mapping[str, Mapping[str, int]], order: list[str], owner: str, bases: list[str],
                   counted: Counted) -> str:
    def cell(n: int, signed: bool = False) -> str:
        return f"{n / counted.scale:+,.2f}" if signed else f"{n / counted.scale:,.2f}"

    rows = [[code(f), *(cell(counts[v].get(f, 0)) for v in order),
             *(cell(difference(counts[owner], counts[b], f), signed=True) for b in bases)]
            for f in ranked_functions(counts, owner, bases)]
    return table([counted.column, *(f"{v} ({counted.unit})" for v in order),
                  *(f"{owner} − {b} ({counted.unit})" for b in bases)], rows)


def function_gaps_section(functions: Functions, order: list[str], counted: Counted = INSTRUCTIONS) -> str | None:
    """Per workload and ownership variant, the functions (or source files) whose counts differ most from ft's (and
    stock's); None without an ownership variant and ft."""
    order = [v for v in order if v in functions]
    bases: list[str] = [b for b in ("ft", "stock") if b in order]
    owners = ownership_labels(order)
    if not owners or "ft" not in bases:
        return None
    workloads = sorted(set.intersection(*(set(functions[v]) for v in order)))
    parts = [f"## {counted.title}", "", counted.text.format(bases=" and ".join(bases), rows=ROWS)]
    for owner in owners:
        for workload in workloads:
            counts = {v: functions[v][workload] for v in order}
            parts += ["", f"### `{workload}`: {owner}", "", workload_table(counts, order, owner, bases, counted)]
    return "\n".join(parts)
