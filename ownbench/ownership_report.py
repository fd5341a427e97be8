"""The report's ownership section: steal round trip, take from a detached owner, thread-local scaling."""

from __future__ import annotations

import math
import statistics
from pathlib import Path
from typing import Any

from .bench.ownership import (
    contended_round_medians,
    contended_round_ratios,
    contended_switches_per_op,
    load_ownership,
    local_rates,
    pooled_latency,
    pooled_samples,
    stats_by_case,
)
from .markdown import ordered, table
from .plots import lines
from .ratios import Ratio, bootstrap_geomean, bootstrap_geomean_of_medians, median_ratio
from .variants import ownership_labels

Runs = dict[str, list[dict[str, Any]]]
"""Variant -> stored runs of one script."""


def against_ft(order: list[str]) -> list[str]:
    """The ownership variants (owner, owner:transfer, ...) to compare with ft, if ft ran."""
    return ownership_labels(order) if "ft" in order else []


def _latency_row(label: list[str], lat: dict[str, float]) -> list[str]:
    return [*label, f"{lat['n']:,}", f"{lat['median_ns']:,.0f}", f"{lat['p99_ns']:,.0f}"]


def requests_per_handoff(runs: list[dict[str, Any]]) -> float | None:
    """Steal requests posted per measured handoff, over all rounds (None without ownership counters)."""
    stats = [r.get("ownership_stats") for r in runs]
    if not all(stats):
        return None
    handoffs = sum(r["n"] for r in runs)
    return sum(s.get("requests", 0) for s in stats if s) / handoffs if handoffs else None


def direction_medians(runs: list[dict[str, Any]]) -> dict[str, list[float]] | None:
    """Each round's median ns of the handoffs to the main thread and to the worker (None for older runs)."""
    if not all("to_main" in r for r in runs):
        return None
    return {d: [r[d]["median_ns"] for r in runs] for d in ("to_main", "to_worker")}


def _span(values: list[float]) -> str:
    return f"{min(values):,.0f}-{max(values):,.0f}"


def steal_table(runs: Runs, order: list[str]) -> tuple[str, dict[str, Any]]:
    lat = {v: pooled_latency(runs[v]) for v in order}
    per = {v: requests_per_handoff(runs[v]) for v in order}
    first = runs[order[0]][0]
    rows = [[*_latency_row([v], lat[v]), f"{per[v]:.2f}" if per[v] is not None else "-"] for v in order]
    lines = [
        "### Steal round trip", "",
        "Two running threads pass one list back and forth (each spins on the other's turn counter, then mutates "
        "the list); ns from the passer's timestamp to the end of the receiver's first mutation, all rounds pooled. "
        f"Up to {first['handoffs']:,} handoffs or {first['seconds']} s per run (with a GIL a handoff waits for the "
        "switch interval). Requests per handoff counts the steal requests the run posted (owner only): more than "
        "one means other objects (the turn counters) moved too.", "",
        table(["variant", "handoffs", "median ns", "p99 ns", "requests per handoff"], rows)]
    directions = {v: d for v in order if (d := direction_medians(runs[v])) is not None}
    if directions:
        lines += ["", "By direction (one thread spins while the other passes; a gap between the two means the "
                      "pooled median falls on one side or the other of it), each round's median ns, lowest-highest:",
                  "", table(["variant", "to the main thread", "to the worker"],
                            [[v, _span(d["to_main"]), _span(d["to_worker"])] for v, d in directions.items()])]
    medians = {v: median_ratio(pooled_samples(runs["ft"]), pooled_samples(runs[v])) for v in against_ft(order)}
    for v, ratio in medians.items():
        lines += ["", f"{v} / ft: median {ratio.cell()}, {ratio.words()}; p99 "
                      f"{lat[v]['p99_ns'] / lat['ft']['p99_ns']:.2f} (latency ratios, < 1 is faster; in brackets the "
                      "95 % distribution-free interval of the ratio of medians, over the pooled samples)."]
    return "\n".join(lines), {**{v: lat[v] for v in order}, "requests_per_handoff": per,
                              "median_vs_ft": {v: r.to_json() for v, r in medians.items()},
                              "round_medians_by_direction": directions}


def take_table(runs: Runs, order: list[str]) -> tuple[str, dict[str, Any]]:
    modes = list(runs[order[0]][0]["modes"])
    lat = {m: {v: pooled_latency(runs[v], m) for v in order} for m in modes}
    late = {v: sum(r["modes"][m]["late"] for r in runs[v] for m in modes) for v in order}
    text = "\n".join([
        "### Take from a detached owner", "",
        "ns of the main thread's first mutation of a list a worker made and mutated, while the worker sleeps "
        "(`time.sleep`) or waits in `lock.acquire()`; all rounds pooled. Repetitions left out because the sleeper "
        f"may have woken: {', '.join(f'{v} {n}' for v, n in late.items())}.", "",
        table(["owner parked in", "variant", "takes", "median ns", "p99 ns"],
              [_latency_row([m, v], lat[m][v]) for m in modes for v in order])])
    return text, lat


def local_table(runs: Runs, order: list[str], cores: int, out_dir: Path) -> tuple[str, dict[str, Any]]:
    rates = {v: local_rates(runs[v]) for v in order}
    threads = sorted(set().union(*rates.values()))
    speedup = {v: {t: r / rates[v][1] for t, r in rates[v].items()} for v in order}
    rows = [[str(t), *(f"{rates[v][t] / 1e6:.1f} ({speedup[v][t]:.2f}x)" if t in rates[v] else "-" for v in order)]
            for t in threads]
    plot = lines(threads, {v: [speedup[v].get(t, float("nan")) for t in threads] for v in order},
                 title=f"Thread-local mutation: speedup over 1 thread ({cores} cores)", xlabel="threads",
                 ylabel="speedup", reference=[float(min(t, cores)) for t in threads],
                 out=out_dir / "ownership-scaling.png")
    text = "\n".join([
        "### Thread-local scaling", "",
        "Each thread mutates its own list, dict and set; millions of mutations per second over all threads "
        "(median over rounds) and, in parentheses, the speedup over one thread.", "",
        table(["threads", *order], rows), "", f"![ownership scaling]({plot.name})"])
    summary = {v: {"mutations_per_s": {str(t): r for t, r in rates[v].items()},
                   "speedup": {str(t): s for t, s in speedup[v].items()}} for v in order}
    return text, summary


MIN_ROUNDS = 3
"""Fewest rounds of a contended case for which the report gives an interval."""


def contended_ratio(pairs: list[tuple[list[float], list[float]]]) -> Ratio | None:
    """Geomean over (ft's, a variant's) round medians of the cases of median(variant) / median(ft), with its
    bootstrap interval over the rounds; None with fewer than MIN_ROUNDS rounds of one."""
    if not pairs or min(len(values) for pair in pairs for values in pair) < MIN_ROUNDS:
        return None
    return bootstrap_geomean(pairs, center=statistics.median)


def paired_by_round(runs: Runs, owners: list[str],
                    measure: str) -> tuple[dict[str, dict[str, Ratio]], dict[str, Ratio]]:
    """Each owner's `measure` / ft's paired by round: per case (the median of the rounds' ratios, with a bootstrap
    interval over the rounds; cases with MIN_ROUNDS rounds or more) and their geomean over the cases."""
    by_round = {v: {c: found for c, found in contended_round_ratios(runs["ft"], runs[v], measure).items()
                    if len(found) >= MIN_ROUNDS} for v in owners}
    per_case = {v: {c: bootstrap_geomean_of_medians([found]) for c, found in by_round[v].items()} for v in owners}
    geomeans = {v: bootstrap_geomean_of_medians(list(by_round[v].values())) for v in owners if by_round[v]}
    return per_case, geomeans


def paired_json(per_case: dict[str, dict[str, Ratio]], geomeans: dict[str, Ratio]) -> dict[str, Any]:
    """summary.json's entries for paired_by_round()'s ratios."""
    return {"paired_geomean_vs_ft": {v: r.to_json() for v, r in geomeans.items()},
            "paired_case_vs_ft": {v: {c: r.to_json() for c, r in by_case.items()} for v, by_case in per_case.items()}}


def contended_table(runs: Runs, order: list[str]) -> tuple[str, dict[str, Any]]:
    rounds = {v: contended_round_medians(runs[v]) for v in order}
    medians = {v: {c: statistics.median(values) for c, values in rounds[v].items()} for v in order}
    cases = list(dict.fromkeys(c for v in order for c in medians[v]))
    owners = against_ft(order)
    pairs = {v: {c: (rounds["ft"][c], rounds[v][c]) for c in cases if c in rounds[v] and c in rounds["ft"]}
             for v in owners}
    ratios = {v: {c: r for c, pair in pairs[v].items() if (r := contended_ratio([pair])) is not None}
              for v in owners}
    paired, paired_geomeans = paired_by_round(runs, owners, "seconds")

    def ratio_cell(v: str, c: str) -> str:
        if c in ratios[v]:
            return ratios[v][c].cell()
        return f"{medians[v][c] / medians['ft'][c]:.2f}" if c in medians[v] and c in medians["ft"] else "-"

    rows = [[c, *(f"{medians[v][c] * 1e3:.1f}" if c in medians[v] else "-" for v in order),
             *(ratio_cell(v, c) for v in owners), *(paired[v][c].cell() if c in paired[v] else "-" for v in owners)]
            for c in cases]
    first = runs[order[0]][0]
    text = "\n".join([
        "### Contended workloads", "",
        f"{first['threads']} threads share objects (`bench/ownership/contended.py`: a queue.Queue producer and "
        "consumer, appends to one list, stores into one dict, reads of one dict and list with 1 % writes, "
        "ThreadPoolExecutor.map, and a SimpleQueue pipeline whose consumer appends to its items); ms per case, the "
        f"median over rounds of each round's median ({first['repeats']} repeats per round, "
        f"{min(len(v) for by_case in rounds.values() for v in by_case.values())} rounds or more)" +
        ("; the `/ ft` columns are time ratios, < 1 is faster, with a 95 % bootstrap interval over the rounds "
         f"(each round is one process; none with fewer than {MIN_ROUNDS} rounds). The `paired` columns take each "
         "round's ratio first (the variants of a round run one after the other) and give the median of those "
         "ratios: the machine has slow spells of tens of seconds in which every variant's contended times are "
         "slower, so the unpaired ratio moves with how many rounds of each variant a spell hit, and the paired one "
         "much less." if owners else "."),
        "",
        table(["case", *order, *(f"{v} / ft" for v in owners), *(f"{v} / ft, paired" for v in owners)], rows)])
    geomeans = {v: g for v in owners if (g := contended_ratio(list(pairs[v].values()))) is not None}
    return text, {**{v: medians[v] for v in order}, "geomean_vs_ft": {v: r.to_json() for v, r in geomeans.items()},
                  "case_vs_ft": {v: {c: r.to_json() for c, r in by_case.items()} for v, by_case in ratios.items()},
                  **paired_json(paired, paired_geomeans)}


def contended_cpu_table(runs: Runs, order: list[str]) -> tuple[str, dict[str, Any]] | None:
    """CPU time and context switches of the contended workloads (None for runs made before they were counted)."""
    cpu = {v: contended_round_medians(runs[v], "cpu_seconds") for v in order}
    cases = list(dict.fromkeys(c for v in order for c in cpu[v]))
    if not cases:
        return None
    medians = {v: {c: statistics.median(values) for c, values in cpu[v].items()} for v in order}
    switches = {v: contended_switches_per_op(runs[v]) for v in order}
    owners = against_ft(order)
    paired, paired_geomeans = paired_by_round(runs, owners, "cpu_seconds")

    def cell(v: str, c: str) -> str:
        if c not in medians[v]:
            return "-"
        voluntary, involuntary = switches[v].get(c, (math.nan, math.nan))
        return f"{medians[v][c] * 1e3:.1f} ({voluntary:.2f} / {involuntary:.2f})"

    rows = [[c, *(cell(v, c) for v in order), *(paired[v][c].cell() if c in paired[v] else "-" for v in owners)]
            for c in cases]
    text = "\n".join([
        "### Contended workloads: CPU time and context switches", "",
        "What the threads of each case paid, whether they ran or waited: CPU ms (user and system, of the whole "
        "process over a repeat, thread start and end included; median over rounds of each round's median) and, in "
        "parentheses, context switches per operation, voluntary (a thread blocked, a futex wait) / involuntary (the "
        "kernel preempted a thread, or it gave the CPU up in sched_yield(), as PyMutex does while it spins). CPU "
        "time does not count a thread that waits asleep, and counts one that spins" +
        (f"; the `/ ft, paired` columns are each round's CPU-time ratio, their median and its 95 % bootstrap "
         f"interval over the rounds (none with fewer than {MIN_ROUNDS} rounds)." if owners else "."), "",
        table(["case", *order, *(f"{v} / ft, paired" for v in owners)], rows)])
    return text, {"cpu_s": medians,
                  "switches_per_op": {v: {c: list(pair) for c, pair in by_case.items()}
                                      for v, by_case in switches.items()},
                  **paired_json(paired, paired_geomeans)}


def owner_waits(rounds: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Per contended case of an ownership variant, over every round: the requests (ownership and share) a run
    posted, the mean and the largest wait for their answers, and the waits' total as a share of the runs' wall
    time. Cases without counters are left out."""
    totals: dict[str, dict[str, float]] = {}
    for r in rounds:
        for case, c in r["cases"].items():
            stats = c.get("ownership_stats")
            if not stats:
                continue
            t = totals.setdefault(case, dict.fromkeys(("runs", "seconds", "requests", "wait_ns", "max_ns"), 0.0))
            t["runs"] += len(c["seconds"])
            t["seconds"] += sum(c["seconds"])
            t["requests"] += stats.get("requests", 0) + stats.get("share_requests", 0)
            t["wait_ns"] += stats.get("wait_ns_total", 0)
            t["max_ns"] = max(t["max_ns"], stats.get("wait_ns_max", 0))
    return {case: {"requests_per_run": t["requests"] / t["runs"],
                   "mean_wait_us": t["wait_ns"] / t["requests"] / 1e3 if t["requests"] else 0.0,
                   "max_wait_ms": t["max_ns"] / 1e6,
                   "wait_share": t["wait_ns"] / 1e9 / t["seconds"]}
            for case, t in totals.items() if t["runs"] and t["seconds"]}


def contended_waits_table(runs: Runs, order: list[str]) -> tuple[str, dict[str, Any]] | None:
    """How long the contended cases' requests waited for an owner to answer (None without ownership counters)."""
    found = {v: waits for v in ownership_labels(order) if (waits := owner_waits(runs.get(v, [])))}
    if not found:
        return None
    rows = [[case, v, f"{w['requests_per_run']:.1f}", f"{w['mean_wait_us']:,.1f}", f"{w['max_wait_ms']:.2f}",
             f"{w['wait_share']:.2%}"]
            for v, waits in found.items() for case, w in waits.items()]
    text = "\n".join([
        "### Contended workloads: waiting for an owner", "",
        "A thread that needs an object another running thread owns posts a request and waits until the owner "
        "answers at its next preemption point; if the owner is runnable but not on a CPU (more threads than "
        "cores), that is when the kernel runs it again. From the counters of every run: requests (ownership and "
        "share) a run posted, the mean wait for an answer, the largest (over every round; the counter is "
        "interpreter-wide), and the waits' total as a share of the runs' wall time (summed over the waiting "
        "threads, so it can pass 100 %, and not all of it need be on the run's critical path).", "",
        table(["case", "variant", "requests per run", "mean wait (µs)", "largest wait (ms)",
               "waits / wall time"], rows)])
    return text, found


def counters_table(data: dict[str, Runs], order: list[str]) -> tuple[str, dict[str, Any]] | None:
    """Ownership counters (sys._ownership_stats) of the variants that have them, per benchmark and case."""
    found: dict[str, dict[str, dict[str, dict[str, int]]]] = {}
    for name, runs in data.items():
        for v in order:
            cases = stats_by_case(runs.get(v, []))
            if cases:
                found.setdefault(name, {})[v] = cases
    every = [stats for by_v in found.values() for cases in by_v.values() for stats in cases.values()]
    keys = list(dict.fromkeys(k for stats in every for k, value in stats.items() if value))
    if not keys:
        return None
    rows = [[name, case or "-", v, *(f"{stats.get(k, 0):,}" for k in keys)]
            for name, by_v in found.items() for v, cases in by_v.items() for case, stats in cases.items()]
    text = "\n".join([
        "### Ownership counters", "",
        "`sys._ownership_stats()` moved by each run (summed over rounds; `*_max` is the largest), showing which "
        "slow paths ran; counters that stayed 0 everywhere are left out.", "",
        table(["benchmark", "case", "variant", *keys], rows)])
    return text, found


def ownership_section(out_dir: Path, variants: list[str], cores: int,
                      failures: list[str]) -> tuple[str, dict[str, Any]] | None:
    """Markdown of the ownership benchmarks and their summary.json entry; None if there are none."""
    data = load_ownership(out_dir)
    if not data:
        return None
    parts = ["## Ownership benchmarks (bench/ownership/)"]
    summary: dict[str, Any] = {}
    for name, render in (("steal_roundtrip", steal_table), ("take_detached", take_table)):
        if name in data:
            text, summary[name] = render(data[name], ordered(list(data[name]), variants))
            parts.append(text)
    if "local_scaling" in data:
        runs = data["local_scaling"]
        text, summary["local_scaling"] = local_table(runs, ordered(list(runs), variants), cores, out_dir)
        parts.append(text)
    if "contended" in data:
        runs = data["contended"]
        text, summary["contended"] = contended_table(runs, ordered(list(runs), variants))
        parts.append(text)
        cpu = contended_cpu_table(runs, ordered(list(runs), variants))
        if cpu:
            parts.append(cpu[0])
            summary["contended_cpu"] = cpu[1]
        waits = contended_waits_table(runs, ordered(list(runs), variants))
        if waits:
            parts.append(waits[0])
            summary["contended_waits"] = waits[1]
    counters = counters_table(data, ordered(list({v for runs in data.values() for v in runs}), variants))
    if counters:
        parts.append(counters[0])
        summary["counters"] = counters[1]
    if failures:
        parts.append("Runs that failed (see `logs/ownership.log`): " + "; ".join(failures))
    return "\n\n".join(parts), summary
