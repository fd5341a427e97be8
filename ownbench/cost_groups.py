"""What the free-threaded builds run beyond stock, by mechanism: callgrind's instructions by source file, summed over
the workloads, in groups of the files that implement one part of the runtime."""

from __future__ import annotations

from collections.abc import Mapping

from .markdown import code, table

GROUPS: dict[str, tuple[str, ...]] = {
    "allocator (mimalloc; stock: pymalloc)": (
        "Objects/mimalloc/", "Include/internal/mimalloc/", "Objects/obmalloc.c"),
    "`_Py_atomic_*` helpers (loads, stores and read-modify-writes of fields other threads may use)": (
        "Include/cpython/pyatomic_gcc.h", "Include/cpython/pyatomic_std.h", "Include/cpython/pyatomic.h"),
    "critical sections and locks": (
        "Include/internal/pycore_critical_section.h", "Python/critical_section.c", "Include/cpython/lock.h",
        "Python/lock.c", "Include/internal/pycore_lock.h", "Python/parking_lot.c"),
    "cyclic GC (stock: the default GC)": (
        "Python/gc_free_threading.c", "Python/gc.c", "Include/internal/pycore_gc.h",
        "Include/internal/pycore_object_stack.h"),
    "objects: reference counting, deallocation, the object header, generic operations": (
        "Include/refcount.h", "Include/object.h", "Include/internal/pycore_object.h", "Objects/object.c",
        "Python/brc.c"),
    "dicts": ("Objects/dictobject.c", "Include/internal/pycore_dict.h"),
    "interpreter loop": (
        "Python/generated_cases.c.h", "Python/ceval.c", "Python/ceval_macros.h", "Include/internal/pycore_stackref.h"),
    "ownership protocol": ("Python/ownership.c", "Include/internal/pycore_ownership.h"),
    "QSBR": ("Python/qsbr.c", "Include/internal/pycore_qsbr.h"),
}
"""Mechanism -> the source files (as callgrind_profile.source_file() names them) whose code implements it."""
ELSEWHERE = "everything else (other files, and files under 0.1 M in a workload)"

Files = Mapping[str, Mapping[str, Mapping[str, int]]]
"""Variant label -> workload -> source file -> exclusive instructions."""


def summed(counts: Mapping[str, Mapping[str, int]], workloads: list[str], files: tuple[str, ...]) -> int:
    return sum(counts[w].get(f, 0) for w in workloads for f in files)


def mechanism_section(files: Files, totals: Mapping[str, Mapping[str, int]], order: list[str]) -> str | None:
    """Per mechanism, what each variant runs beyond stock over the workloads every variant counted, in millions of
    instructions and as a share of stock's total; the rest of each total as one more row. None without stock and
    another variant with counts by file."""
    order = [v for v in order if v in files and v in totals]
    if "stock" not in order or len(order) < 2:
        return None
    others = [v for v in order if v != "stock"]
    workloads = sorted(set.intersection(*(set(files[v]) & set(totals[v]) for v in order)))
    stock_total = sum(totals["stock"][w] for w in workloads)

    def cells(beyond: Mapping[str, int]) -> list[str]:
        return [f"{beyond[v] / 1e6:+,.1f} ({beyond[v] / stock_total:+.1%})" for v in others]

    rows, grouped = [], dict.fromkeys(others, 0)
    for mechanism, members in GROUPS.items():
        beyond = {v: summed(files[v], workloads, members) - summed(files["stock"], workloads, members)
                  for v in others}
        grouped = {v: grouped[v] + beyond[v] for v in others}
        rows.append([mechanism, ", ".join(code(f) for f in members), *cells(beyond)])
    total = {v: sum(totals[v][w] for w in workloads) - stock_total for v in others}
    rows.append([ELSEWHERE, "", *cells({v: total[v] - grouped[v] for v in others})])
    rows.append(["**total**", "", *cells(total)])
    return "\n".join([
        "## What the free-threaded builds run beyond stock, by mechanism (callgrind)", "",
        f"The instructions by source file above, summed over the workloads ({', '.join(workloads)}; "
        f"{stock_total / 1e6:,.1f} M instructions on stock, the GC's included), in groups of the files that implement "
        "one mechanism: each variant's instructions beyond stock's, in millions and as a share of stock's total "
        "(files a build does not have count 0 there, so the allocator row is mimalloc less pymalloc). What `owner` "
        "runs beyond `stock` is what stands between it and `stock` on one thread, as instructions: a file's count "
        "moves with code that a build writes differently, so a row is the net cost of a mechanism, not of its "
        "locking alone (`ft` and `owner` read fields other threads may write through the `_Py_atomic_*` helpers, "
        "whose plain loads and stores `stock` makes in the file of the caller). Callgrind counts an atomic "
        "read-modify-write as one instruction: the atomics tables below give what they cost.", "",
        table(["mechanism", "source files", *(f"{v} − stock (M, share of stock)" for v in others)], rows)])
