"""profile.md: samples, top symbols and the ranked gaps between variants, per workload."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..markdown import code, table
from .gaps import beyond, comparisons
from .perf import EVENT, Profile
from .switches import KINDS, SITE_FRAMES, Switches

TOP = 15
"""Symbols shown per variant and per comparison."""
TOP_SITES = 10
"""Switch sites shown per workload."""


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


@dataclass(frozen=True)
class SwitchRun:
    """The context switches of a workload run for info.seconds (a run of its own, after its time profile)."""

    info: RunInfo
    switches: Switches

    def per_thousand(self, count: int) -> str:
        return f"{count / self.info.turns * 1000:,.1f}"


def percent(fraction: float) -> str:
    return f"{100 * fraction:.2f} %"


def samples_table(runs: Mapping[str, Run]) -> str:
    """Samples and turns of each variant; samples per million turns, and how many of them were in the kernel."""
    rows = []
    for v, r in runs.items():
        per_turns = r.profile.total / r.info.turns * 1e6
        rows.append([f"`{v}`", f"{r.profile.total:,}", f"{r.info.turns:,}", f"{per_turns:,.1f}",
                     f"{per_turns * r.profile.kernel_share:,.1f}", percent(r.profile.kernel_share)])
    return table(["variant", "samples", "turns", "samples per million turns", "of which in the kernel",
                  "share in the kernel"], rows)


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


def switches_section(runs: Mapping[str, SwitchRun]) -> str:
    """Switch-outs per thousand turns of each variant, by kind, then the sites where most happen."""
    kinds = [kind for kind, _ in KINDS] + ["other"]
    rows = [[f"`{v}`", f"{r.info.turns:,}", f"{r.switches.total:,}", r.per_thousand(r.switches.total),
             *(r.per_thousand(r.switches.of_kind(k)) for k in kinds)] for v, r in runs.items()]
    sites = {key for r in runs.values() for key in r.switches.counts}
    rate = {key: max(r.switches.counts.get(key, 0) / r.info.turns for r in runs.values()) for key in sites}
    ranked = sorted(sites, key=lambda key: (-rate[key], key))[:TOP_SITES]
    site_rows = [[kind, code(site), *(r.per_thousand(r.switches.counts.get((kind, site), 0)) for r in runs.values())]
                 for kind, site in ranked]
    return "\n".join([
        "### Context switches", "",
        "Every switch-out of the workload's threads, recorded in a second run as long as the profiled one (`perf "
        "record -e sched:sched_switch --call-graph dwarf`), per thousand turns; one process per variant, so one "
        "draw of a count that differs from process to process. *yield*: the thread called `sched_yield()`, as "
        "a `PyMutex` does while it spins on a held lock; *sleep*: it slept on a futex (a parked thread, a contended "
        "lock after its spin) or for I/O; *preempted*: the scheduler took the CPU from a running thread. A site is "
        f"the innermost {SITE_FRAMES} frames of CPython's code on the chain, innermost first, leaving out the "
        "locking, parking and calling frames that every wait shares.", "",
        table(["variant", "turns", "switches", "per 1,000 turns", *(f"{k} per 1,000" for k in kinds)], rows), "",
        f"The {len(ranked)} busiest sites (switches per 1,000 turns):", "",
        table(["kind", "site", *(f"`{v}`" for v in runs)], site_rows),
    ])


def workload_section(workload: str, runs: Mapping[str, Run], description: str,
                     switch_runs: Mapping[str, SwitchRun]) -> str:
    lines = [f"## `{workload}`", "", description, "", samples_table(runs), "", f"### Top {TOP} symbols", "",
             top_table(runs)]
    pairs = comparisons(runs)
    if pairs:
        lines += ["", "### Gaps", ""]
        lines += ["\n\n".join(gap_section(other, base, runs) for other, base in pairs)]
    if switch_runs:
        lines += ["", switches_section(switch_runs)]
    return "\n".join(lines)


def profile_markdown(runs: Mapping[str, Mapping[str, Run]], machine: str, descriptions: Mapping[str, str],
                     switch_runs: Mapping[str, Mapping[str, SwitchRun]]) -> str:
    """The whole profile.md for runs by workload, then by variant label (in the order to show), each workload with
    its description and, where they were recorded, its context switches."""
    every = [r.info for of_workload in runs.values() for r in of_workload.values()]
    builds = dict.fromkeys((i.variant, i.build_key[:12], i.date) for i in every)
    seconds = sorted({f"{i.seconds:g}" for i in every})
    header = [
        "# Profile: where each variant spends its time", "",
        f"Made by `./toolkit profile` on {machine}: each workload of `bench/profile/` (each says what it runs and on "
        f"how many threads) run for about {' or '.join(seconds)} s per variant under `perf record -e {EVENT} -g` "
        "(software clock sampling, every thread of the process), read with `perf report --no-children` (self "
        "samples by symbol; kernel symbols start with `[k]`). The raw reports, with call chains, are "
        "`<variant>-<workload>.txt` beside this file.", "",
        "A share is a symbol's fraction of its own run's samples: shares rank where a variant spends its time and "
        "stay valid when the machine is busy. Samples per million turns are CPU time per unit of work: they compare "
        "the variants only on a quiet machine. The share in the kernel is what the threads spent in system calls, "
        "scheduling and page faults: where threads wait for each other, the futex and sched_yield calls around "
        "a contended lock. A gap table ranks the symbols on which one variant spends a larger "
        "share than another; its share of the gap is the symbol's difference over the sum of all positive "
        "differences. A share also grows when the rest of the run gets cheaper: read a gap with the variants' "
        "samples per million turns.", "",
        table(["variant", "build key", "profiled"], [[f"`{v}`", f"`{k}`", d] for v, k, d in builds]),
    ]
    sections = (workload_section(w, r, descriptions[w], switch_runs.get(w, {})) for w, r in runs.items())
    return "\n\n".join(["\n".join(header), *sections]) + "\n"
