"""The report's headline: the design's open questions answered in one table, from summary.json's figures."""

from __future__ import annotations

import statistics
from typing import Any

from .markdown import table
from .ratios import Ratio
from .variants import POLICY_ENV, policy_labels, policy_of

NOT_MEASURED = "not measured in this run"


def _ratio_cell(ci: dict[str, float] | None) -> tuple[str, str]:
    """The cell and its reading for a geomean time ratio with its 95 % interval."""
    if not ci:
        return NOT_MEASURED, ""
    ratio = Ratio.from_json(ci)
    return ratio.cell(), ratio.words()


PYPERFORMANCE_QUESTION = {"ownership": "Thread pools: pyperformance concurrent_imap"}
"""What a profile's pyperformance benchmarks measure, where it is not single-thread speed."""


def single_thread_rows(summary: dict[str, Any]) -> list[list[str]]:
    cis = summary.get("pyperformance_geomean_ci", {})
    by_round = summary.get("pyperformance_geomean_by_round", {})
    question = PYPERFORMANCE_QUESTION.get(str(summary.get("profile")), "Single thread: pyperformance")
    rows = []
    for key in ("owner_vs_stock", "ft_vs_stock", "owner_vs_ft"):
        label = key.replace("_vs_", " / ")
        if key in cis:
            cell, words = _ratio_cell(cis[key])
            rounds = [f"{r[key]:.3f}" for _, r in sorted(by_round.items(), key=lambda item: int(item[0]))
                      if key in r]
            apart = f"; round by round {', '.join(rounds)}" if len(rounds) > 1 else ""
            rows.append([f"{question} geomean time, {label}", cell,
                         f"{words} (95 % bootstrap interval; < 1 is faster{apart})"])
    return rows


def microbenchmark_rows(summary: dict[str, Any]) -> list[list[str]]:
    ratios = summary.get("single_thread", {}).get("owner / ft", {})
    groups: dict[str, list[float]] = {}
    for name, ratio in ratios.items():
        groups.setdefault(name.split("_", 1)[0], []).append(ratio["ratio"])
    if not groups:
        return []
    cells = ", ".join(f"{g} {statistics.geometric_mean(v):.2f}" for g, v in sorted(groups.items()))
    return [["Single thread: microbenchmark time by group (geomean), owner / ft", cells,
             "wall time, < 1 is faster; each benchmark's interval is in its section"]]


def critical_section_atomics(summary: dict[str, Any]) -> tuple[int, int] | None:
    """The atomic read-modify-writes owner and ft executed on the critical_sections workload, if both were counted
    (and ft's are not 0)."""
    atomics = summary.get("atomics", {})
    if "critical_sections" in atomics.get("owner", {}) and atomics.get("ft", {}).get("critical_sections"):
        return atomics["owner"]["critical_sections"], atomics["ft"]["critical_sections"]
    return None


def critical_section_rows(summary: dict[str, Any]) -> list[list[str]]:
    outside_gc = "instructions_outside_gc" in summary
    counts = summary.get("instructions_outside_gc", summary.get("instructions", {}))
    if "owner" not in counts or "ft" not in counts or "critical_sections" not in counts["owner"]:
        return []
    ratio = counts["owner"]["critical_sections"] / counts["ft"]["critical_sections"]
    what = "instructions outside the cyclic GC" if outside_gc else "instructions"
    rows = [[f"Critical sections: callgrind {what}, owner / ft", f"{ratio:.3f}",
             "instructions only (deterministic): an atomic counts as one instruction"]]
    atomics = critical_section_atomics(summary)
    if atomics:
        owner, ft = atomics
        cost = summary.get("atomic_cost_ns")
        saved = (f"; at {cost:.2f} ns an atomic (measured here), ft's extra ones take about "
                 f"{(ft - owner) * cost / 1e6:.1f} ms" if cost else "")
        rows.append(["Critical sections: atomic read-modify-writes executed, owner / ft",
                     f"{owner / ft:.3f} ({owner:,} / {ft:,})",
                     f"callgrind, deterministic; what ft's locks cost{saved}"])
    return rows


def steal_rows(summary: dict[str, Any]) -> list[list[str]]:
    steal = summary.get("ownership", {}).get("steal_roundtrip", {})
    if "owner" not in steal or "ft" not in steal:
        return []
    median = _ratio_cell(steal.get("median_vs_ft", {}).get("owner"))
    p99 = steal["owner"]["p99_ns"] / steal["ft"]["p99_ns"]
    per = steal.get("requests_per_handoff", {}).get("owner")
    extra = f"; {per:.2f} ownership requests per handoff" if per is not None else ""
    return [["Steal round trip: latency, owner / ft", f"median {median[0]}, p99 {p99:.2f}",
             f"median: {median[1]} (owner {steal['owner']['median_ns']:,.0f} ns, ft {steal['ft']['median_ns']:,.0f} "
             f"ns; 95 % interval over the pooled samples, which does not cover run-to-run variation){extra}"]]


def contended_ratios(times: dict[str, dict[str, float]], variant: str) -> dict[str, float]:
    """Case -> time of `variant` / time of ft, for the cases both ran."""
    if variant not in times or "ft" not in times:
        return {}
    return {c: times[variant][c] / times["ft"][c] for c in sorted(set(times[variant]) & set(times["ft"]))}


def contended_rows(summary: dict[str, Any]) -> list[list[str]]:
    contended = summary.get("ownership", {}).get("contended", {})
    ratios = contended_ratios(contended, "owner")
    if not ratios:
        return []
    worst = max(ratios, key=lambda c: ratios[c])
    ci = contended.get("geomean_vs_ft", {}).get("owner")
    if ci:
        cell, words = _ratio_cell(ci)
        words += " (medians of the rounds' medians; 95 % bootstrap interval over the rounds)"
    else:
        cell = f"{statistics.geometric_mean(ratios.values()):.2f}"
        words = "medians of the rounds' medians; no interval: too few rounds"
    worst_ci = contended.get("case_vs_ft", {}).get("owner", {}).get(worst)
    bounds = f" [{worst_ci['ci_low']:.2f}, {worst_ci['ci_high']:.2f}]" if worst_ci else ""
    rows = [["Contended workloads: time, owner / ft (geomean of the cases)", cell,
             f"{words}; worst case {worst} at {ratios[worst]:.2f}{bounds}"]]
    cpu = summary.get("ownership", {}).get("contended_cpu", {})
    return [*rows, *paired_row(contended, "time", "median of each round's ratio; 95 % bootstrap interval over the "
                               "rounds", "worst case"),
            *paired_row(cpu, "CPU time", "user and system seconds of the process; median of each round's ratio, "
                        "95 % bootstrap interval over the rounds", "highest case")]


def paired_row(section: dict[str, Any], measure: str, how: str, highest: str) -> list[list[str]]:
    """A headline row of owner / ft paired by round (ownership_report.paired_json()), if the section has one."""
    paired = section.get("paired_geomean_vs_ft", {}).get("owner")
    if not paired:
        return []
    by_case = {c: Ratio.from_json(r) for c, r in section.get("paired_case_vs_ft", {}).get("owner", {}).items()}
    worst = max(by_case, key=lambda c: by_case[c].value)
    cell, words = _ratio_cell(paired)
    return [[f"Contended workloads, paired by round: {measure}, owner / ft (geomean of the cases)", cell,
             f"{words} ({how}); {highest} {worst} at {by_case[worst].cell()}"]]


def policy_rows(summary: dict[str, Any]) -> list[list[str]]:
    """One row per owner variant run with an explicit policy: its contended geomean and steal median against ft."""
    ownership = summary.get("ownership", {})
    contended, steal = ownership.get("contended", {}), ownership.get("steal_roundtrip", {})
    rows = []
    for v in policy_labels(dict.fromkeys([*contended, *steal])):
        ratios = contended_ratios(contended, v)
        cells = [f"contended {statistics.geometric_mean(ratios.values()):.2f}" if ratios else "",
                 f"steal median {steal[v]['median_ns'] / steal['ft']['median_ns']:.2f}"
                 if v in steal and "ft" in steal else ""]
        if any(cells):
            rows.append([f"Policy {v} ({POLICY_ENV}={policy_of(v)}): contended time (geomean of the cases) and "
                         "steal round trip median, / ft", ", ".join(c for c in cells if c),
                         "time and latency ratios, < 1 is faster; the rows above are owner with the build's default "
                         "policy"])
    return rows


def scaling_rows(summary: dict[str, Any]) -> list[list[str]]:
    scaling = summary.get("scaling", {})
    geo = scaling.get("geomean_speedup", {})
    if not geo:
        return []
    cells = ", ".join(f"{v} {s:.2f}" for v, s in geo.items())
    vs_ft = {n: Ratio.from_json(r) for n, r in scaling.get("speedup_vs_ft", {}).get("owner", {}).items()}
    if vs_ft:
        lowest, below = lowest_and_below(vs_ft)
        words = f"owner's lowest speedup over ft's: {lowest}; {below}"
    else:
        words = ("no interval (too few repeats per case): differences of a few percent between variants are "
                 "within this benchmark's run-to-run spread")
    rows = [[f"Scaling: ftscalingbench geomean speedup at {scaling['threads']} threads", cells,
             f"ideal is {scaling['threads']}; {words}"]]
    warm = {n: Ratio.from_json(r) for n, r in scaling.get("warm_speedup_vs_ft", {}).get("owner", {}).items()}
    if warm:
        lowest, below = lowest_and_below(warm)
        rows.append(["Scaling, warm runs (every case after its first run in a process): owner's speedup / ft's",
                     f"lowest {lowest}", below])
    return rows


def lowest_and_below(vs_ft: dict[str, Ratio]) -> tuple[str, str]:
    """The case with the lowest speedup ratio and its interval, and the words naming the cases measurably below
    ft's."""
    lowest = min(vs_ft, key=lambda n: vs_ft[n].value)
    below = sorted(n for n, r in vs_ft.items() if r.high < 1.0)
    return (f"{lowest} {vs_ft[lowest].cell()}",
            f"measurably below ft's: {', '.join(below) if below else 'none'} (95 % intervals over the repeats)")


def memory_rows(summary: dict[str, Any]) -> list[list[str]]:
    rss = summary.get("max_rss_mib_median", {})
    if "owner" not in rss or "ft" not in rss:
        return []
    return [["Memory: median max RSS over pyperformance, owner / ft", f"{rss['owner'] / rss['ft']:.3f}",
             f"owner {rss['owner']:.1f} MiB, ft {rss['ft']:.1f} MiB (median over the benchmarks of each one's "
             "largest max RSS; no interval)"]]


def legacy_rows(summary: dict[str, Any]) -> list[list[str]]:
    found = summary.get("legacy", {})
    if not found:
        return [["Legacy extensions in parallel (CLock)", NOT_MEASURED, "`legacy_mix` did not run"]]
    cells = ", ".join(f"{m} {f['sum_of_fractions']:.2f}" for m, f in found.items())
    owner = found.get("owner")
    if owner is None:
        words = "no owner build in this run"
    elif owner["gil_after_import"]:
        words = ("owner turns the GIL on at `import lxml.etree` as ft does: this build has no CLock (design "
                 "section 4), or it fell back to the GIL")
    else:
        words = f"owner keeps the GIL off; {owner['clock_acquisitions']:,} CLock acquisitions"
    return [[f"Legacy extensions in parallel: lxml + Python threads, sum of each thread's fraction of its solo rate "
             f"(ideal {next(iter(found.values()))['threads']})", cells, words]]


def headline_markdown(summary: dict[str, Any]) -> str:
    """The headline section; rows whose benchmark did not run are left out, the CLock row says why it is empty."""
    rows = [*single_thread_rows(summary), *microbenchmark_rows(summary), *critical_section_rows(summary),
            *steal_rows(summary), *contended_rows(summary), *policy_rows(summary), *scaling_rows(summary),
            *memory_rows(summary), *legacy_rows(summary)]
    return "\n".join(["## Headline", "",
                      "The design's open questions, each with what this run measured (details below).", "",
                      table(["question", "figure", "what it means"], rows)])
