"""Turn a results directory into report.md, PNG plots and summary.json."""

from __future__ import annotations

import statistics
import subprocess
import sys
from pathlib import Path

import pyperf

from .bench.callgrind import load_callgrind
from .bench.scaling import load_scaling
from .console import step
from .errors import ToolkitError
from .markdown import ordered, table
from .ownership_report import ownership_section
from .plots import grouped_bars
from .results import read_json, write_json
from .whole_suite import BAD, comparison_markdown, load_records

BASELINE = "stock"
MIB = 2**20


def load_suites(out_dir: Path) -> dict[str, pyperf.BenchmarkSuite]:
    return {p.stem: pyperf.BenchmarkSuite.load(str(p)) for p in sorted((out_dir / "pyperformance").glob("*.json"))}


def time_ratios(base: pyperf.BenchmarkSuite, other: pyperf.BenchmarkSuite) -> dict[str, float]:
    """Per common benchmark: mean time of `other` / mean time of `base` (> 1 is slower)."""
    names = sorted(set(base.get_benchmark_names()) & set(other.get_benchmark_names()))
    return {n: other.get_benchmark(n).mean() / base.get_benchmark(n).mean() for n in names}


def geometric_mean(ratios: dict[str, float]) -> float | None:
    return statistics.geometric_mean(ratios.values()) if ratios else None


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
    """pyperf's own comparison table (with its significance test), in Markdown."""
    command = [sys.executable, "-m", "pyperf", "compare_to", *map(str, files), "--table", "--table-format", "md"]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise ToolkitError(f"pyperf compare_to failed: {result.stderr.strip()}")
    return result.stdout.strip()


def speed_words(ratio: float | None) -> str:
    if ratio is None:
        return "n/a"
    return f"{ratio:.3f} ({1 / ratio:.2f}x faster)" if ratio < 1 else f"{ratio:.3f} ({ratio:.2f}x slower)"


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
        self.sections.append("\n".join(lines))

    def pyperformance(self) -> None:
        suites = load_suites(self.out_dir)
        if BASELINE not in suites or len(suites) < 2:
            return
        order = ordered(list(suites), self.variants)
        files = [self.out_dir / "pyperformance" / f"{v}.json" for v in order]
        lines = ["## pyperformance", "", "Mean time per benchmark; pyperf's comparison against the first column.", "",
                 pyperf_table(files), ""]
        geo: dict[str, float | None] = {}
        ratio_series: dict[str, list[float]] = {}
        base = suites[BASELINE]
        names = sorted(base.get_benchmark_names())
        for v in order[1:]:
            ratios = time_ratios(base, suites[v])
            geo[f"{v}_vs_{BASELINE}"] = geometric_mean(ratios)
            ratio_series[v] = [ratios.get(n, float("nan")) for n in names]
        if "owner" in suites and "ft" in suites:
            geo["owner_vs_ft"] = geometric_mean(time_ratios(suites["ft"], suites["owner"]))
        lines += ["### Geometric mean of time ratios", "",
                  table(["comparison", "time ratio"], [[k.replace("_", " "), speed_words(r)] for k, r in geo.items()])]
        rss = {v: max_rss(s) for v, s in suites.items()}
        rss_names = sorted(set().union(*(r.keys() for r in rss.values())))
        lines += ["", "### Max RSS (MiB, largest over runs)", "", table(
            ["benchmark", *order], [[n, *(f"{rss[v][n] / MIB:.1f}" if n in rss[v] else "-" for v in order)]
                                    for n in rss_names])]
        failures = {v: f for v, f in self.run.get("failures", {}).items() if f}
        if failures:
            lines += ["", "Benchmarks that failed: " + "; ".join(f"{v}: {', '.join(f)}" for v, f in failures.items())]
        plot = grouped_bars(names, ratio_series, title=f"Time relative to {BASELINE} (lower is faster)",
                            ylabel="time ratio", reference=1.0, out=self.out_dir / "pyperformance.png")
        lines += ["", f"![pyperformance]({plot.name})"]
        self.sections.append("\n".join(lines))
        self.summary["pyperformance_geomean"] = geo
        self.summary["max_rss_mib_median"] = {
            v: statistics.median(r.values()) / MIB for v, r in rss.items() if r}

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
        self.sections.append("\n".join([
            "## Thread scaling (Tools/ftscalingbench)", "",
            f"Speedup = threads x median(time at 1 thread) / median(time at {top} threads), each thread doing the "
            f"full work; scale {first['scale']}, {first['repeats']} repeats, variants interleaved.", "",
            table(["benchmark", *order], rows), "", f"![scaling]({plot.name})"]))
        self.summary["scaling"] = {"threads": int(top), "geomean_speedup": geo,
                                   "speedup": {v: {n: speed[v][n][top] for n in names} for v in order}}

    def instructions(self) -> None:
        data = load_callgrind(self.out_dir)
        if not data:
            return
        order = ordered(list(data), self.variants)
        workloads = sorted(data[order[0]])
        counts = {v: {w: min(data[v][w]) for w in workloads if w in data[v]} for v in order}
        rows = []
        for w in workloads:
            base = counts.get(BASELINE, {}).get(w)
            cells = [f"{counts[v][w]:,}" + (f" ({counts[v][w] / base:.3f})" if base and v != BASELINE else "")
                     for v in order]
            rows.append([w, *cells])
        self.sections.append("\n".join([
            "## Instruction counts (callgrind)", "",
            f"Total instructions per workload (`bench/callgrind/`); in parentheses, the ratio to {BASELINE}.", "",
            table(["workload", *order], rows)]))
        self.summary["instructions"] = counts

    def ownership(self) -> None:
        found = ownership_section(self.out_dir, self.variants, int(self.run["machine"]["cores"]),
                                  self.run.get("ownership_failures", []))
        if found:
            self.sections.append(found[0])
            self.summary["ownership"] = found[1]

    def regrtest(self) -> None:
        results = [read_json(f) for f in sorted((self.out_dir / "regrtest").glob("*.json"))]
        if not results:
            return
        order = ordered([r["variant"] for r in results], self.variants)
        tsan = any(r.get("tsan") for r in results)
        rows = []
        for r in sorted(results, key=lambda r: (order.index(r["variant"]), bool(r.get("tsan")))):
            cells = [r["variant"] + (" (TSan)" if r.get("tsan") else ""), r.get("arch", self.run["machine"]["arch"])]
            counts = [str(r["passed"]), str(r["failed"]), str(r["skipped"])]
            if tsan:
                counts.append(str(r["tsan_reports"]) if r.get("tsan") else "")
            rows.append([*cells, *counts, " ".join(r["tests"])])
        header = ["variant", "arch", "passed", "failed", "skipped", *(["TSan reports"] if tsan else []), "tests"]
        self.sections.append("\n".join(["## CPython tests (regrtest)", "", table(header, rows)]))

    def whole_suite(self) -> None:
        records = load_records(self.out_dir)
        if records:
            self.sections.append(comparison_markdown(records))
            self.summary["whole_suite"] = {
                v: [sorted(n for n, o in r["outcomes"].items() if o in BAD) for r in recs]
                for v, recs in records.items()
            }

    def write(self) -> Path:
        self.header()
        self.pyperformance()
        self.scaling()
        self.ownership()
        self.instructions()
        self.regrtest()
        self.whole_suite()
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
