"""Turn a results directory into report.md, PNG plots and summary.json."""

from __future__ import annotations

import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyperf

from .bench.atomic_cost import load_atomic_cost
from .bench.callgrind import load_callgrind, load_functions
from .bench.legacy import legacy_summary, load_legacy
from .bench.pyperformance_runner import round_suites, suite_file
from .bench.scaling import MIN_REPEATS, load_scaling, rates, speedup_ratios
from .bench.single_thread import suite_file as single_thread_file
from .console import step
from .cost_groups import mechanism_section
from .errors import ToolkitError
from .headline import headline_markdown
from .instruction_gaps import ATOMICS, FILE_INSTRUCTIONS, INSTRUCTIONS, function_gaps_section
from .markdown import ordered, table
from .ownership_report import against_ft, ownership_section
from .plots import grouped_bars, ratio_points
from .provenance import committed_series_digest, owner_series
from .ratios import Ratio, benchmark_ratios, geomean_ratio
from .results import read_json, write_json
from .variants import POLICY_ENV, label_of_file, ownership_labels, policy_of
from .whole_suite import BAD, comparison_markdown, load_records

MIB = 2**20


def load_suites(out_dir: Path, kind: str = "pyperformance") -> dict[str, pyperf.BenchmarkSuite]:
    """Variant label -> its merged pyperf suite (<kind>/<variant file name>.json)."""
    return {label_of_file(p.stem): pyperf.BenchmarkSuite.load(str(p)) for p in sorted((out_dir / kind).glob("*.json"))}


def time_ratios(base: pyperf.BenchmarkSuite, other: pyperf.BenchmarkSuite) -> dict[str, float]:
    """Per common benchmark: mean time of `other` / mean time of `base` (> 1 is slower)."""
    names = sorted(set(base.get_benchmark_names()) & set(other.get_benchmark_names()))
    return {n: other.get_benchmark(n).mean() / base.get_benchmark(n).mean() for n in names}


def max_rss(suite: pyperf.BenchmarkSuite) -> dict[str, int]:
    """Largest mem_max_rss (bytes) pyperf recorded over each benchmark's runs."""
    found = {}
    for bench in suite.get_benchmarks():
        values = [r.get_metadata().get("mem_max_rss") for r in bench.get_runs()]
        values = [v for v in values if v] or [bench.get_metadata().get("mem_max_rss")]
        if values[0]:
            found[bench.get_name()] = max(values)
    return found


def pyperf_table(files: list[Path]) -> str:
    """pyperf's own comparison table (with its significance test), in Markdown, one table for all benchmarks.

    When benchmarks carry tags, pyperf prints one table per tag and then "All benchmarks:"; keep that last one.
    """
    command = [sys.executable, "-m", "pyperf", "compare_to", *map(str, files), "--table", "--table-format", "md"]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise ToolkitError(f"pyperf compare_to failed: {result.stderr.strip()}")
    return labelled_header(all_benchmarks_table(result.stdout))


def labelled_header(text: str) -> str:
    """pyperf names its table's columns after the files ('owner-transfer'): give the header row the variants'
    labels ('owner:transfer', as long, so the columns stay aligned)."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("|"):
            lines[i] = "|".join(cell.replace(cell.strip(), label_of_file(cell.strip())) if cell.strip() else cell
                                for cell in line.split("|"))
            break
    return "\n".join(lines)


def all_benchmarks_table(text: str) -> str:
    """The table of all benchmarks from pyperf compare_to's output, without the per-tag tables before it."""
    marker = "All benchmarks:"
    if marker in text:
        text = text.split(marker, 1)[1].lstrip().lstrip("=")
    return text.strip()


def baseline_of(variants: list[str]) -> str:
    """The variant the others are compared with: stock if it ran, else ft, else the first."""
    for name in ("stock", "ft"):
        if name in variants:
            return name
    return variants[0]


def baseline_first(names: list[str], variants: list[str]) -> list[str]:
    """`names` in the run's variant order, with the baseline moved to the front."""
    order = ordered(names, variants)
    base = baseline_of(order)
    return [base, *(v for v in order if v != base)]


def comparisons(order: list[str]) -> list[tuple[str, str]]:
    """(base, other) pairs to report: every variant against the baseline, and owner (with each policy) against ft."""
    base = baseline_of(order)
    pairs = [(base, v) for v in order if v != base]
    pairs += [("ft", v) for v in against_ft(order) if ("ft", v) not in pairs]
    return pairs


def ticked(names: list[str]) -> str:
    return ", ".join(f"`{n}`" for n in names)


def ratio_row(base: str, other: str, ratio: Ratio) -> list[str]:
    return [f"{other} / {base}", ratio.cell(), ratio.words()]


RoundSuites = dict[str, dict[int, pyperf.BenchmarkSuite]]
"""Per variant, its pyperf suite of each round (numbered from 1)."""


def common_round_suites(out_dir: Path, order: list[str]) -> RoundSuites:
    """Each variant's suites of the rounds that every variant's raw records hold."""
    by_variant = {v: round_suites(out_dir, v) for v in order}
    common = set.intersection(*(set(s) for s in by_variant.values()))
    return {v: {n: s for n, s in sorted(suites.items()) if n in common} for v, suites in by_variant.items()}


def round_ratios(by_variant: RoundSuites, pairs: list[tuple[str, str]]) -> dict[int, dict[str, float]]:
    """Per round: each pair's geomean time ratio in that round alone, keyed as summary.json keys the pooled ones
    ("owner_vs_ft")."""
    found = {}
    for number in next(iter(by_variant.values()), {}):
        ratios = {f"{other}_vs_{base}": time_ratios(by_variant[base][number], by_variant[other][number]).values()
                  for base, other in pairs}
        found[number] = {k: statistics.geometric_mean(r) for k, r in ratios.items() if r}
    return found


def benchmark_rounds(by_variant: RoundSuites, base: str, other: str) -> dict[str, list[float]]:
    """Per benchmark of every round: its time ratio other / base in each round, in round order."""
    per_round = [time_ratios(by_variant[base][n], by_variant[other][n]) for n in by_variant[base]]
    names = set.intersection(*(set(r) for r in per_round)) if per_round else set()
    return {name: [r[name] for r in per_round] for name in sorted(names)}


def every_round(ratios: list[float]) -> str:
    """Which side of 1 the ratios of all rounds are on: "slower", "faster" or "mixed"."""
    if all(r > 1 for r in ratios):
        return "slower"
    if all(r < 1 for r in ratios):
        return "faster"
    return "mixed"


def benchmark_rounds_table(by_variant: RoundSuites, base: str, other: str, pooled: dict[str, Ratio]) -> list[str]:
    """Each benchmark's pooled ratio with its interval beside its ratio in every round (from two rounds on)."""
    if len(by_variant[base]) < 2:
        return []
    found = benchmark_rounds(by_variant, base, other)
    if not found:
        return []
    rows = [[name, pooled[name].cell() if name in pooled else "-", ", ".join(f"{r:.3f}" for r in ratios),
             every_round(ratios)] for name, ratios in found.items()]
    return ["", f"#### {other} / {base} by benchmark, round by round", "",
            "The interval of a single benchmark's ratio comes from its values, which the processes of a round share "
            "the machine's speed with; a benchmark whose ratio is on the same side of 1 in every round rests on more "
            "than one spell of the machine.", "",
            table(["benchmark", "pooled [95 % CI]", "each round", "every round"], rows)]


def round_by_round(rounds: dict[int, dict[str, float]], pairs: list[tuple[str, str]]) -> list[str]:
    """The table of `round_ratios`, when there are two rounds or more: the machine's speed can drift between rounds,
    and a conclusion that holds in every round does not rest on one."""
    if len(rounds) < 2:
        return []
    keys = [(f"{other}_vs_{base}", f"{other} / {base}") for base, other in pairs]
    rows = [[str(n), *(f"{r[k]:.3f}" if k in r else "-" for k, _ in keys)] for n, r in rounds.items()]
    return ["", "#### Round by round", "",
            "Each round's geometric mean of time ratios on its own (every benchmark run once per variant in a round, "
            "variants interleaved benchmark by benchmark). The rounds run minutes apart; when they disagree, the "
            "machine's speed moved between them, and the pooled interval above understates the uncertainty.", "",
            table(["round", *(title for _, title in keys)], rows)]


def regrtest_run_name(record: dict[str, Any]) -> str:
    """How the report names the run of a regrtest record: its variant, marked when it ran under TSan."""
    return record["variant"] + (" (TSan)" if record.get("tsan") else "")


def speedups_over_ft(timings: dict[str, dict[str, dict[str, list[float]]]],
                     top: str) -> dict[str, dict[str, Ratio]]:
    """Per variant compared with ft (variant -> its ftscalingbench timings): each case's speedup at `top` threads
    over ft's, with its interval; variants with no case of enough repeats are left out."""
    found = {v: speedup_ratios(timings["ft"], timings[v], top) for v in against_ft(list(timings))}
    return {v: ratios for v, ratios in found.items() if ratios}


def workload_table(order: list[str], owners: list[str], rows: list[list[str]]) -> str:
    """A table of callgrind workloads: one column per variant, then one per owner against ft."""
    return table(["workload", *order, *(f"{v} / ft" for v in owners)], rows)


def count_table(counts: dict[str, dict[str, int]], order: list[str]) -> str:
    """Each variant's count per workload, with its ratio to the baseline, then each owner's ratio to ft."""
    base_name = baseline_of(order)
    owners = against_ft(order) if base_name != "ft" else []
    rows = []
    for w in sorted(counts[order[0]]):
        base = counts.get(base_name, {}).get(w)
        cells = [f"{counts[v][w]:,}" + (f" ({counts[v][w] / base:.3f})" if base and v != base_name else "")
                 if w in counts[v] else "-" for v in order]
        cells += [f"{counts[v][w] / counts['ft'][w]:.3f}" if w in counts[v] and w in counts["ft"] else "-"
                  for v in owners]
        rows.append([w, *cells])
    return workload_table(order, owners, rows)


def per_thousand_rows(counts: dict[str, dict[str, int]], instructions: dict[str, dict[str, int]],
                      order: list[str], owners: list[str], digits: int) -> list[list[str]]:
    """Per workload of the first variant: each variant's count with, in parentheses, its count per 1,000
    instructions, then each owner's ratio to ft (to `digits` decimals)."""
    return [[w, *(f"{counts[v][w]:,} ({1000 * counts[v][w] / instructions[v][w]:.2f})"
                  if w in counts[v] else "-" for v in order),
             *(f"{counts[v][w] / counts['ft'][w]:.{digits}f}" if w in counts[v] and counts["ft"].get(w) else "-"
               for v in owners)] for w in sorted(counts[order[0]])]


class ReportWriter:
    """Collects sections of report.md and the headline figures of summary.json."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.run = read_json(out_dir / "run.json")
        self.variants: list[str] = list(self.run["variants"])
        self.sections: list[str] = []
        self.summary: dict[str, object] = {"profile": self.run["profile"], "machine": self.run["machine"]}

    def header(self) -> None:
        m = self.run["machine"]
        lines = [
            f"# {self.run['label']}: {', '.join(self.variants)} ({self.run['profile']} profile)",
            "",
            f"- Date: {self.run['date']}",
            f"- Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, {m['arch']}, {m['kernel']}",
            f"- Profile: `{self.run['profile']}`",
        ]
        if self.run.get("emulated"):
            lines.append("- **Emulated**: timings come from an emulator and are not representative.")
        lines.append("- Builds: PGO+LTO (`--enable-optimizations --with-lto`), as CPython's published comparisons"
                     if self.run.get("pgo") else
                     "- Builds: no PGO or LTO (`./toolkit reproduce --pgo` makes them); ratios between variants are "
                     "not comparable with figures published for PGO+LTO builds")
        tool = self.run.get("toolkit", {})
        if tool.get("commit"):
            dirty = " with uncommitted changes" if tool.get("dirty") else ""
            lines.append(f"- Toolkit: commit `{tool['commit'][:12]}`{dirty}")
        lines += self.series_warning()
        rows = [
            [
                v,
                str(mf.get("version", "")).split()[0],
                "`" + " ".join(mf.get("configure_flags", [])) + "`",
                str(mf.get("compiler", "")),
                str(mf.get("source", ""))[:19],
                str(mf.get("series", ""))[:12],
                str(mf.get("built_at", "")),
            ]
            for v, mf in self.run["manifests"].items()
        ]
        lines += ["", "## Builds", "", table(
            ["variant", "version", "configure", "compiler", "source", "series", "built"], rows)]
        lines += self.policies()
        self.sections.append("\n".join(lines))

    def policies(self) -> list[str]:
        """The ownership policy each owner variant ran with, as its interpreter reported it."""
        owners = ownership_labels(self.variants)
        if not owners:
            return []
        reported = self.run.get("policies", {})
        rows = [[f"`{v}`", policy_of(v) or "unset (the build's default)", reported.get(v) or "-"] for v in owners]
        return ["", f"Ownership policy of each `owner` run: what `{POLICY_ENV}` was set to, and what the interpreter "
                    "reported (`sys._ownership_policy()`; - for a build without it, which runs `transfer`).", "",
                table(["variant", POLICY_ENV, "policy in effect"], rows)]

    def series_warning(self) -> list[str]:
        """A warning line when the owner build ran other patches than those committed in this checkout."""
        ran = owner_series(self.run)
        current = committed_series_digest()
        if not ran or current is None or ran == current:
            return []
        return [f"- **Warning: made from series `{ran[:12]}`, but patches/ at this commit is `{current[:12]}`: "
                "these figures are history, not evidence for the current patches.**"]

    def pyperformance(self) -> None:
        suites = load_suites(self.out_dir)
        if len(suites) < 2:
            return
        order = baseline_first(list(suites), self.variants)
        base_name = order[0]
        pairs = comparisons(order)
        lines = ["## pyperformance", "",
                 f"Mean time per benchmark; pyperf's comparison (with its significance test) against `{base_name}`.",
                 "", pyperf_table([suite_file(self.out_dir, v) for v in order]), ""]
        owners = against_ft(order)
        if owners and base_name != "ft":
            lines += [f"{ticked(owners)} against `ft`:", "",
                      pyperf_table([suite_file(self.out_dir, v) for v in ("ft", *owners)]), ""]
        geo = {f"{other}_vs_{base}": geomean_ratio(suites[base], suites[other]) for base, other in pairs}
        rounds = self.run.get("rounds")
        lines += ["### Geometric mean of time ratios", "",
                  "Time ratio, < 1 is faster; in brackets the 95 % bootstrap confidence interval over every timed "
                  f"value{f' of the {rounds} interleaved rounds' if rounds else ''}.", "",
                  table(["comparison", "time ratio [95 % CI]", "meaning"],
                        [ratio_row(base, other, r) for (base, other), r in zip(pairs, geo.values(), strict=True) if r])]
        owner_ft = geo.get("owner_vs_ft")
        if owner_ft and rounds:
            half = 100 * (owner_ft.high - owner_ft.low) / 2 / owner_ft.value
            took = self.run.get("pyperformance_seconds")
            lines += ["", f"The owner / ft interval is ±{half:.1f} % with {rounds} rounds"
                      + (f", which took {took / 60:.0f} minutes" if took else "")
                      + ". Its width shrinks about as 1 / sqrt(rounds): `--rounds N` sets them."]
        by_round = common_round_suites(self.out_dir, order)
        rounds_apart = round_ratios(by_round, pairs)
        lines += round_by_round(rounds_apart, pairs)
        rss = {v: max_rss(s) for v, s in suites.items()}
        rss_names = sorted(set().union(*(r.keys() for r in rss.values())))
        lines += ["", "### Max RSS (MiB, largest over runs)", "", table(
            ["benchmark", *order], [[n, *(f"{rss[v][n] / MIB:.1f}" if n in rss[v] else "-" for v in order)]
                                    for n in rss_names])]
        failures = {v: f for v, f in self.run.get("failures", {}).items() if f}
        if failures:
            lines += ["", "Benchmarks that failed: " + "; ".join(f"{v}: {', '.join(f)}" for v, f in failures.items())]
        names = sorted(suites[base_name].get_benchmark_names())
        ratio_series = {v: [time_ratios(suites[base_name], suites[v]).get(n, float("nan")) for n in names]
                        for v in order[1:]}
        plot = grouped_bars(names, ratio_series, title=f"Time relative to {base_name}",
                            ylabel="time ratio, < 1 is faster", reference=1.0, out=self.out_dir / "pyperformance.png")
        lines += ["", f"![pyperformance]({plot.name})"]
        if ("ft", "owner") in pairs:
            per = benchmark_ratios(suites["ft"], suites["owner"])
            if per:
                ratio_plot = ratio_points(
                    list(per), [r.value for r in per.values()], [r.low for r in per.values()],
                    [r.high for r in per.values()], title="owner / ft per benchmark, 95 % bootstrap interval",
                    xlabel="time ratio, < 1 is faster", out=self.out_dir / "owner-vs-ft.png")
                lines += ["", f"![owner against ft]({ratio_plot.name})"]
            lines += benchmark_rounds_table(by_round, "ft", "owner", per)
        self.sections.append("\n".join(lines))
        self.summary["pyperformance_baseline"] = base_name
        self.summary["pyperformance_geomean"] = {k: r.value for k, r in geo.items() if r}
        self.summary["pyperformance_geomean_ci"] = {k: r.to_json() for k, r in geo.items() if r}
        if len(rounds_apart) > 1:
            self.summary["pyperformance_geomean_by_round"] = {str(n): r for n, r in rounds_apart.items()}
        self.summary["max_rss_mib_median"] = {
            v: statistics.median(r.values()) / MIB for v, r in rss.items() if r}

    def single_thread(self) -> None:
        suites = load_suites(self.out_dir, "single_thread")
        if len(suites) < 2:
            return
        order = baseline_first(list(suites), self.variants)
        base_name = order[0]
        pairs = comparisons(order)
        per = {f"{other} / {base}": benchmark_ratios(suites[base], suites[other]) for base, other in pairs}
        names = sorted(suites[base_name].get_benchmark_names())
        rows = [[n, *(p[n].cell() + ("" if p[n].measurable else " ~") if n in p else "-" for p in per.values())]
                for n in names]
        lines = ["## Single-thread microbenchmarks", "",
                 "`bench/single_thread/`: one thread, pyperf wall time per loop of 1,000 operations, variants "
                 "interleaved. Time ratios (< 1 is faster) with a 95 % bootstrap interval; `~` marks an interval "
                 "that spans 1.00 (no measurable difference).", "",
                 table(["benchmark", *per], rows), "",
                 f"pyperf's comparison against `{base_name}`, with its significance test:", "",
                 pyperf_table([single_thread_file(self.out_dir, v) for v in order])]
        owners = against_ft(order)
        if owners and base_name != "ft":
            lines += ["", f"{ticked(owners)} against `ft`:", "",
                      pyperf_table([single_thread_file(self.out_dir, v) for v in ("ft", *owners)])]
        self.sections.append("\n".join(lines))
        self.summary["single_thread"] = {k: {n: r.to_json() for n, r in p.items()} for k, p in per.items()}

    def scaling(self) -> None:
        data = load_scaling(self.out_dir)
        if not data:
            return
        order = ordered(list(data), self.variants)
        top = str(max(max(d["threads"]) for d in data.values()))
        names = sorted(data[order[0]]["speedup"])
        speed = {v: data[v]["speedup"] for v in order}
        rows = [[n, *(f"{speed[v][n][top]:.2f}" for v in order)] for n in names]
        geo = {v: statistics.geometric_mean(speed[v][n][top] for n in names) for v in order}
        rows.append(["**geometric mean**", *(f"**{geo[v]:.2f}**" for v in order)])
        plot = grouped_bars(names, {v: [speed[v][n][top] for n in names] for v in order},
                            title=f"ftscalingbench speedup at {top} threads (ideal = {top})",
                            ylabel="speedup", reference=float(top), out=self.out_dir / "scaling.png")
        first = data[order[0]]
        rate = {v: rates(data[v]["timings_ms"]) for v in order}
        rate_rows = [[n, *(f"{rate[v][n][t]:,.1f}" for v in order for t in ("1", top))] for n in names]
        rate_plot = grouped_bars(names, {v: [rate[v][n][top] for n in names] for v in order},
                                 title=f"ftscalingbench throughput at {top} threads (higher is better)",
                                 ylabel="runs of the work per second (log)", reference=None,
                                 out=self.out_dir / "scaling-rates.png", log=True)
        vs_ft = speedups_over_ft({v: data[v]["timings_ms"] for v in order}, top)
        relative = []
        if vs_ft:
            columns = list(vs_ft)
            relative = [
                f"Speedup at {top} threads over `ft`'s (< 1 scales worse than `ft`), with a 95 % bootstrap interval "
                f"over the repeats (each one a process of its own; none with fewer than {MIN_REPEATS} repeats):", "",
                table(["benchmark", *(f"{v} / ft" for v in columns)],
                      [[n, *(vs_ft[v][n].cell() if n in vs_ft[v] else "-" for v in columns)] for n in names]), ""]
        warm_lines, warm_summary = self.warm_scaling(data, order, names, top)
        self.sections.append("\n".join([
            "## Thread scaling (Tools/ftscalingbench)", "",
            f"Speedup = threads x median(time at 1 thread) / median(time at {top} threads), each thread doing the "
            f"full work; scale {first['scale']}, {first['repeats']} repeats, variants interleaved"
            + (f"; repeat r runs every variant with PYTHONHASHSEED={first['hash_seeds'][0]}+r" if "hash_seeds" in first
               else "; every process with a random hash seed") + ".", "",
            table(["benchmark", *order], rows), "", f"![scaling]({plot.name})", "", *relative,
            "Absolute throughput: runs of a benchmark's whole work per second, all threads together "
            "(threads / median time; higher is better). A variant can scale well from a slow start.", "",
            table(["benchmark", *(f"{v} @{t}" for v in order for t in ("1", top))], rate_rows), "",
            f"![throughput]({rate_plot.name})", *warm_lines]))
        self.summary["scaling"] = {**warm_summary, "threads": int(top), "geomean_speedup": geo,
                                   "speedup": {v: {n: speed[v][n][top] for n in names} for v in order},
                                   "rate_per_s": {v: {n: rate[v][n] for n in names} for v in order},
                                   "speedup_vs_ft": {v: {n: r.to_json() for n, r in found.items()}
                                                     for v, found in vs_ft.items()}}

    @staticmethod
    def warm_scaling(data: dict[str, dict[str, Any]], order: list[str], names: list[str],
                     top: str) -> tuple[list[str], dict[str, Any]]:
        """The section's part on warm runs (bench/scaling/warm_runs.py), and its summary; nothing for a run
        without them."""
        if not all("warm" in data[v] for v in order):
            return [], {}
        warm = {v: data[v]["warm"] for v in order}
        speed = {v: warm[v]["speedup"] for v in order}
        warm_names = [n for n in names if all(n in speed[v] for v in order)]
        vs_ft = speedups_over_ft({v: warm[v]["timings_ms"] for v in order}, top)
        rows = [[n, *(f"{speed[v][n][top]:.2f}" for v in order),
                 *(vs_ft[v][n].cell() if n in vs_ft[v] else "-" for v in vs_ft)] for n in warm_names]
        moved = {v: warm[v]["moves"] for v in order if warm[v]["moves"]}
        move_rows = [[n, *(f"{statistics.mean(moved[v][n][top]['first']):.1f} / "
                           f"{statistics.mean(moved[v][n][top]['warm']):.1f}"
                           if n in moved[v] and top in moved[v][n] else "-" for v in moved)] for n in warm_names]
        lines = [
            "", "### Warm runs", "",
            f"ftscalingbench times each case once per process, so its times include what the worker threads do for "
            f"the first time (a per-thread copy of the bytecode; in `owner`, taking over objects the main thread "
            f"made). `bench/scaling/warm_runs.py` runs the same harness (its `initialize_threads()` and "
            f"`bench_parallel()`) with every case {warm[order[0]]['runs']} times in a row in one process; here, the "
            f"speedup of the runs after the first (the median of each process's later runs, then the median over "
            f"the repeats). Both are real costs: a program pays the cold one once per thread and object.", "",
            table(["benchmark", *order, *(f"{v} / ft" for v in vs_ft)], rows)]
        if moved:
            lines += ["", f"Objects moved to or shared with another thread (ownership requests, share requests and "
                          f"takes from a detached owner) per run at {top} threads, first run / later runs "
                          f"(mean over the repeats):", "",
                      table(["benchmark", *moved], move_rows)]
        summary = {"warm_speedup": {v: {n: speed[v][n][top] for n in warm_names} for v in order},
                   "warm_speedup_vs_ft": {v: {n: r.to_json() for n, r in found.items()} for v, found in vs_ft.items()}}
        return lines, summary

    def instructions(self) -> None:
        data = load_callgrind(self.out_dir)
        if not data:
            return
        order = ordered(list(data), self.variants)
        workloads = sorted(data[order[0]])
        counts = {v: {w: min(data[v][w]) for w in workloads if w in data[v]} for v in order}
        self.sections.append("\n".join([
            "## Instruction counts (callgrind)", "",
            f"Total instructions per workload (`bench/callgrind/`); in parentheses, the ratio to "
            f"{baseline_of(order)} (< 1 is fewer). Callgrind counts instructions, not their cost: an atomic "
            "read-modify-write counts as one.", "",
            count_table(counts, order)]))
        self.summary["instructions"] = counts
        self.outside_gc(order, data)
        self.i1_misses(order, counts)
        files = load_functions(self.out_dir, "files")
        for found, counted in ((load_functions(self.out_dir), INSTRUCTIONS), (files, FILE_INSTRUCTIONS)):
            gaps = function_gaps_section(found, order, counted)
            if gaps is not None:
                self.sections.append(gaps)
        first_runs = {v: {w: runs[0] for w, runs in data[v].items()} for v in order}  # the runs the files are of
        mechanisms = mechanism_section(files, first_runs, order)
        if mechanisms is not None:
            self.sections.append(mechanisms)
        self.atomics(order, counts)

    def outside_gc(self, order: list[str], instructions: dict[str, dict[str, list[int]]]) -> None:
        """The counts of `instructions` (each run's total) less each run's instructions in the GC."""
        in_gc = load_callgrind(self.out_dir, "gc_instructions")
        order = [v for v in order if v in in_gc]
        if not order:
            return
        outside = {v: {w: min(i - g for i, g in zip(instructions[v][w], gc_runs, strict=True))
                       for w, gc_runs in in_gc[v].items() if w in instructions[v]} for v in order}
        self.sections.append("\n".join([
            "## Instruction counts outside the cyclic GC (callgrind)", "",
            "The totals above less the instructions inside `gc_collect_main()` (every collection, with what it "
            "calls). Free-threaded 3.14 runs an automatic collection only when the process's memory use has grown "
            "(`gc_should_collect_mem_usage()`), and valgrind's own memory moves that decision, so a workload's "
            "number of collections, about 1.4 M instructions each, can differ between runs and builds. The count "
            "outside the GC does not: compare builds on this table.", "",
            count_table(outside, order)]))
        self.summary["instructions_outside_gc"] = outside

    def i1_misses(self, order: list[str], instructions: dict[str, dict[str, int]]) -> None:
        data = load_callgrind(self.out_dir, "i1_misses")
        order = [v for v in order if v in data]
        if not order:
            return
        workloads = sorted(data[order[0]])
        misses = {v: {w: min(data[v][w]) for w in workloads if w in data[v]} for v in order}
        owners = against_ft(order)
        rows = per_thousand_rows(misses, instructions, order, owners, 2)
        self.sections.append("\n".join([
            "## Instruction-cache misses (callgrind's simulation)", "",
            "L1i misses per workload in a simulated 32 KiB, 8-way L1i with 64-byte lines (the same geometry on "
            "every machine); in parentheses, misses per 1,000 instructions. Two builds that run about the same "
            "instructions but miss differently differ in code layout: which hot functions share cache sets, "
            "an accident of the link that a PGO build (hot code placed together) largely removes. Wall-time "
            "differences of a few percent that come with such a miss difference are layout, not the code path.", "",
            workload_table(order, owners, rows)]))
        self.summary["i1_misses"] = misses

    def atomics(self, order: list[str], instructions: dict[str, dict[str, int]]) -> None:
        """The atomic read-modify-writes of each workload's first run (the one-thread workloads' counts do not vary
        between runs; threadpool's a little, with where valgrind switches threads), and where they are."""
        data = load_callgrind(self.out_dir, "atomics")
        order = [v for v in order if v in data]
        if not order:
            return
        workloads = sorted(data[order[0]])
        atomics = {v: {w: data[v][w][0] for w in workloads if w in data[v]} for v in order}
        owners = against_ft(order)
        cost = load_atomic_cost(self.out_dir)
        rows = [row + [f"{(atomics['ft'][w] - atomics[v][w]) * cost['atomic_ns'] / 1e6:.2f}"
                       if cost and w in atomics[v] and w in atomics["ft"] else "-" for v in owners]
                for w, row in zip(workloads, per_thousand_rows(atomics, instructions, order, owners, 3), strict=True)]
        columns = ["workload", *order, *(f"{v} / ft" for v in owners),
                   *(f"ft − {v}, at {cost['atomic_ns']:.2f} ns each (ms)" for v in owners if cost)]
        measured = ([f"On this machine an atomic read-modify-write took {cost['atomic_ns']:.2f} ns "
                     f"(`bench/atomics/atomic_cost.c`: a chain of uncontended fetch-adds, median of "
                     f"{cost['rounds']} rounds; a plain increment of memory {cost['plain_ns']:.2f} ns). At that "
                     "cost, the last columns estimate the time the atomics that ft executes and an ownership build "
                     "does not take: an estimate, since real code overlaps some of an atomic's latency with other "
                     "work, and more when another core holds the line.", ""] if cost else [])
        self.sections.append("\n".join([
            "## Atomic read-modify-writes (callgrind)", "",
            "The instructions of each workload that are atomic read-modify-writes (`lock`-prefixed and `xchg` with "
            "memory on x86-64; LSE atomics and store-exclusives on arm64), counted at every address where "
            "`objdump` finds one, in every object file the run executed (the interpreter, its extension modules, "
            "the C library); in parentheses, per 1,000 instructions. Each counts as one instruction above, but an "
            "uncontended one costs the core many times a plain store, and more when another core holds its cache "
            "line: these are what `ft`'s per-object locks and shared reference counts cost one thread, the cost "
            "the ownership design removes from objects their thread owns. Deterministic, like the instruction "
            "counts.", "", *measured,
            table(columns, rows)]))
        self.summary["atomics"] = atomics
        if cost:
            self.summary["atomic_cost_ns"] = cost["atomic_ns"]
        gaps = function_gaps_section(load_functions(self.out_dir, "atomic_functions"), order, ATOMICS)
        if gaps is not None:
            self.sections.append(gaps)

    def ownership(self) -> None:
        found = ownership_section(self.out_dir, self.variants, int(self.run["machine"]["cores"]),
                                  self.run.get("ownership_failures", []))
        if found:
            self.sections.append(found[0])
            self.summary["ownership"] = found[1]

    def legacy(self) -> None:
        runs = load_legacy(self.out_dir)
        if not runs:
            return
        order = ordered(list(runs), [m for v in self.variants for m in ((v, "ft-gil0") if v == "ft" else (v,))])
        found = {m: legacy_summary(runs[m]) for m in order}
        threads = found[order[0]]["threads"]
        names = list(found[order[0]]["fractions"])
        rows = [[m, "on" if f["gil_after_import"] else "off",
                 *(f"{f['fractions'][n]:.2f}" for n in names),
                 f"**{f['sum_of_fractions']:.2f}** ({f['sum_range'][0]:.2f}-{f['sum_range'][1]:.2f})",
                 f"{f['lxml_solo_per_s']:,.0f}", f"{f['clock_acquisitions']:,}"] for m, f in found.items()]
        lines = ["## Legacy extension beside Python (lxml)", "",
                 f"`bench/ownership/legacy_mix.py` with lxml {found[order[0]]['lxml_version']}: "
                 f"one thread builds, walks and serializes a 200-element tree through lxml while {threads - 1} "
                 "other thread(s) run pure Python. Each thread's rate beside the others as a fraction of its rate "
                 f"alone (median of {found[order[0]]['rounds']} interleaved rounds), and their sum: {threads} is "
                 "perfect parallelism, 1 is one thread at a time. `ft-gil0` is `ft` with `PYTHON_GIL=0`, which "
                 "runs lxml without any protection: the parallel reference, not a safe configuration.", "",
                 table(["build", "GIL after import", *(f"{n} fraction" for n in names), "sum (range over rounds)",
                        "lxml trees/s alone", "CLock acquisitions"], rows)]
        for v in against_ft(order):
            cost = found["ft"]["lxml_solo_per_s"] / found[v]["lxml_solo_per_s"]
            lines += ["", f"lxml alone, time per tree {v} / ft: {cost:.3f} (< 1 is faster)."]
            found[v]["lxml_time_vs_ft"] = cost
        self.sections.append("\n".join(lines))
        self.summary["legacy"] = found

    def regrtest(self) -> None:
        results = [read_json(f) for f in sorted((self.out_dir / "regrtest").glob("*.json"))]
        if not results:
            return
        order = ordered([r["variant"] for r in results], self.variants)
        tsan = any(r.get("tsan") for r in results)
        rows = []
        for r in sorted(results, key=lambda r: (order.index(r["variant"]), bool(r.get("tsan")))):
            cells = [regrtest_run_name(r), r.get("arch", self.run["machine"]["arch"])]
            counts = [str(r["passed"]), str(r["failed"]), str(r["skipped"])]
            if tsan:
                counts.append(str(r["tsan_reports"]) if r.get("tsan") else "")
            rows.append([*cells, *counts, " ".join(r["tests"])])
        header = ["variant", "arch", "passed", "failed", "skipped", *(["TSan reports"] if tsan else []), "tests"]
        lines = ["## CPython tests (regrtest)", "", table(header, rows)]
        for r in results:
            for key, what in (("failed_tests", "Failed on {}"),
                              ("flaky_tests", "Flaky on {} (failed, then passed when re-run)")):
                if r.get(key):
                    names = ", ".join(f"`{name}`" for name in r[key])
                    lines += ["", f"{what.format(regrtest_run_name(r))}: {names}"]
        self.sections.append("\n".join(lines))

    def whole_suite(self) -> None:
        records = load_records(self.out_dir)
        if records:
            self.sections.append(comparison_markdown(records))
            self.summary["whole_suite"] = {
                v: [sorted(n for n, o in r["outcomes"].items() if o in BAD) for r in recs]
                for v, recs in records.items()
            }

    def perf_profile(self) -> None:
        """A link to profile/profile.md (`./toolkit profile`) when the run has one."""
        if (self.out_dir / "profile" / "profile.md").is_file():
            self.sections.append("Where each variant spends its time (`./toolkit profile`, perf samples "
                                 "by symbol): [profile/profile.md](profile/profile.md).")

    def write(self) -> Path:
        self.header()
        self.pyperformance()
        self.single_thread()
        self.scaling()
        self.ownership()
        self.instructions()
        self.legacy()
        self.regrtest()
        self.whole_suite()
        self.perf_profile()
        if any(k in self.summary for k in ("pyperformance_geomean_ci", "single_thread", "ownership", "scaling",
                                              "instructions", "legacy")):
            self.sections.insert(1, headline_markdown(self.summary))
        report = self.out_dir / "report.md"
        report.write_text("\n\n".join(self.sections) + "\n")
        write_json(self.out_dir / "summary.json", self.summary)
        return report


def write_report(out_dir: Path) -> Path:
    """Write report.md, plots and summary.json for the results in `out_dir`."""
    if not (out_dir / "run.json").is_file():
        raise ToolkitError(f"{out_dir} is not a results directory (no run.json)")
    step(f"Writing report for {out_dir}")
    return ReportWriter(out_dir).write()
