"""profile.md: samples, top symbols and the ranked gaps between variants, per workload."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..markdown import table
from .gaps import beyond, comparisons
from .perf import EVENT, Profile

TOP = 15
"""Symbols shown per variant and per comparison."""


@dataclass(frozen=True)
class RunInfo:
    """What one profiled run was: recorded at the top of its report file."""

    variant: str
    workload: str
    build_key: str
    seconds: float
    turns: int
    date: str


@dataclass(frozen=True)
class Run:
    info: RunInfo
    profile: Profile


def percent(fraction: float) -> str:
    return f"{100 * fraction:.2f} %"


def code(symbol: str) -> str:
    """A symbol as a Markdown table cell."""
    return f"`{symbol}`".replace("|", "\\|")


def samples_table(runs: Mapping[str, Run]) -> str:
    rows = [[f"`{v}`", f"{r.profile.total:,}", f"{r.info.turns:,}", f"{r.profile.total / r.info.turns * 1e6:,.1f}"]
            for v, r in runs.items()]
    return table(["variant", "samples", "turns", "samples per million turns"], rows)


def top_table(runs: Mapping[str, Run]) -> str:
    """The most sampled symbols of each variant side by side, with their share of its samples."""
    tops = {v: r.profile.top(TOP) for v, r in runs.items()}
    rows = []
    for rank in range(max(len(t) for t in tops.values())):
        row = [str(rank + 1)]
        for v, names in tops.items():
            row += [code(names[rank]), percent(runs[v].profile.share(names[rank]))] if rank < len(names) else ["", ""]
        rows.append(row)
    return table(["#", *(cell for v in runs for cell in (f"`{v}`", "share"))], rows)


def gap_section(other: str, base: str, runs: Mapping[str, Run]) -> str:
    """The symbols where `other` spends a larger share of its samples than `base`, ranked."""
    found = beyond(runs[other].profile, runs[base].profile)
    rows = [[code(g.symbol), percent(g.other_share), percent(g.base_share), f"+{100 * g.difference:.2f}",
             percent(found.share_of_gap(g)), f"{g.other_samples:,}", f"{g.base_samples:,}"]
            for g in found.gaps[:TOP]]
    return "\n".join([
        f"#### `{other}` beyond `{base}`", "",
        f"`{other}` spends {100 * found.total:.2f} % of its samples beyond `{base}`'s profile (the sum of the "
        f"symbols' positive differences in share); the {min(TOP, len(found.gaps))} largest:", "",
        table(["symbol", f"`{other}` share", f"`{base}` share", "difference (points)", "share of the gap",
               f"`{other}` samples", f"`{base}` samples"], rows),
    ])


def workload_section(workload: str, runs: Mapping[str, Run]) -> str:
    lines = [f"## `{workload}`", "", samples_table(runs), "", f"### Top {TOP} symbols", "", top_table(runs)]
    pairs = comparisons(runs)
    if pairs:
        lines += ["", "### Gaps", ""]
        lines += ["\n\n".join(gap_section(other, base, runs) for other, base in pairs)]
    return "\n".join(lines)


def profile_markdown(runs: Mapping[str, Mapping[str, Run]], machine: str) -> str:
    """The whole profile.md for runs by workload, then by variant label (in the order to show)."""
    every = [r.info for of_workload in runs.values() for r in of_workload.values()]
    builds = dict.fromkeys((i.variant, i.build_key[:12], i.date) for i in every)
    seconds = sorted({f"{i.seconds:g}" for i in every})
    header = [
        "# Single-thread profile: where each variant spends its time", "",
        f"Made by `./toolkit profile` on {machine}: each workload of `bench/profile/` run on one thread for about "
        f"{' or '.join(seconds)} s per variant under `perf record -e {EVENT} -g` (software clock sampling), "
        "read with `perf report --no-children` (self samples by symbol). The raw reports, with call chains, are "
        "`<variant>-<workload>.txt` beside this file.", "",
        "A share is a symbol's fraction of its own run's samples: shares rank where a variant spends its time and "
        "stay valid when the machine is busy. Samples per million turns are CPU time per unit of work: they compare "
        "the variants only on a quiet machine. A gap table ranks the symbols on which one variant spends a larger "
        "share than another; its share of the gap is the symbol's difference over the sum of all positive "
        "differences. A share also grows when the rest of the run gets cheaper: read a gap with the variants' "
        "samples per million turns.", "",
        table(["variant", "build key", "profiled"], [[f"`{v}`", f"`{k}`", d] for v, k, d in builds]),
    ]
    return "\n\n".join(["\n".join(header), *(workload_section(w, r) for w, r in runs.items())]) + "\n"
