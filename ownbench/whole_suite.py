"""CPython's whole regrtest on several variants, in rounds, and the per-file comparison of their outcomes."""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .build import Installed
from .console import note, step
from .markdown import table
from .process import environment
from .results import read_json, write_json
from .variants import file_name

TIMEOUT_S = 900
"""regrtest's per-file timeout: a file still running after it is killed and counted as a hang."""

BAD = ("failed", "env_changed", "timeout", "crashed", "interrupted")
"""Outcomes that count against a variant; skipped, resource denied and ran-no-tests do not."""

_PROGRESS = re.compile(r"\[\s*\d+/\d+(?:/\d+)?\] (test[\w.]*) (.+?)(?: -- .*)?$")
_COLOUR = re.compile(r"\x1b\[[0-9;]*m")
_CASE = re.compile(r"^(?:FAIL|ERROR): \S+")
_EXCEPTION = re.compile(r"^[A-Za-z_][\w.]*(?:Error|Exception|Warning|Exit): .*")


def outcome_of(text: str) -> str:
    """Classify the text regrtest prints after a test file's name on its progress line."""
    prefixes = (
        ("passed", "passed"), ("failed (env changed)", "env_changed"), ("skipped (resource denied)", "resource_denied"),
        ("skipped", "skipped"), ("timed out", "timeout"), ("worker non-zero exit code", "crashed"),
        ("worker bug", "crashed"), ("crashed", "crashed"), ("ran no tests", "no_tests"),
        ("interrupted", "interrupted"), ("failed", "failed"),
    )
    for prefix, outcome in prefixes:
        if text.startswith(prefix):
            return outcome
    return "unknown"


def _plain(lines: Iterable[str]) -> Iterable[str]:
    for raw in lines:
        yield _COLOUR.sub("", raw.rstrip("\n"))


def parse_outcomes(log: Iterable[str]) -> dict[str, str]:
    """Per-file outcomes from a regrtest log (the last word on each file, without colours)."""
    outcomes: dict[str, str] = {}
    for line in _plain(log):
        match = _PROGRESS.search(line)
        if match:
            outcomes[match.group(1)] = outcome_of(match.group(2))
    return outcomes


def parse_reasons(log: Iterable[str], limit: int = 3) -> dict[str, list[str]]:
    """For each file, the first failing test cases and exception lines regrtest printed after its progress line."""
    reasons: dict[str, list[str]] = {}
    current = ""
    for line in _plain(log):
        match = _PROGRESS.search(line)
        if match:
            current = match.group(1)
            continue
        found = _CASE.match(line) or _EXCEPTION.match(line)
        if current and found:
            seen = reasons.setdefault(current, [])
            if len(seen) < limit and found.group(0) not in seen:
                seen.append(found.group(0)[:160])
    return reasons


def bad_file_reasons(lines: list[str], outcomes: dict[str, str]) -> dict[str, list[str]]:
    """The reasons parse_reasons() finds, for the files whose outcome counts against the variant."""
    return {name: why for name, why in parse_reasons(lines).items() if outcomes.get(name) in BAD}


def record_path(out_dir: Path, variant: str, round_no: int) -> Path:
    return out_dir / "regrtest" / "whole" / f"{file_name(variant)}-round{round_no}.json"


def run_round(installed: Installed, out_dir: Path, round_no: int, jobs: int = 2) -> dict[str, Any]:
    """One whole-suite run of one variant; a finished round of the same build is reused, not rerun."""
    out = record_path(out_dir, installed.variant.label, round_no)
    build_key = installed.manifest.get("build_key")
    if out.is_file():
        done = read_json(out)
        if done.get("build_key") == build_key:
            note(f"{installed.name} round {round_no}: done already ({out})")
            return dict(done)
        note(f"[yellow]{out} was made by another build ({done.get('build_key')}); running it again[/]")
    step(f"whole regrtest, round {round_no}, on {installed.name} (-j{jobs} -W --timeout {TIMEOUT_S}; "
         "about 10 minutes on 2 cores)")
    log = out.with_suffix(".log")
    log.parent.mkdir(parents=True, exist_ok=True)
    # -W prints the output of failing test files, which the reasons are read from.
    command = [str(installed.python), "-m", "test", f"-j{jobs}", "-W", "--timeout", str(TIMEOUT_S)]
    start = time.monotonic()
    partial = log.with_suffix(".log.part")
    with partial.open("w") as sink:
        env = {**installed.variant.environment(), "PYTHON_COLORS": "0", "NO_COLOR": "1"}
        exit_code = subprocess.run(command, stdout=sink, stderr=subprocess.STDOUT, check=False,
                                   env=environment(env)).returncode
    partial.replace(log)
    lines = log.read_text(errors="replace").splitlines()
    outcomes = parse_outcomes(lines)
    record = {"variant": installed.variant.label, "round": round_no, "build_key": build_key,
              "series": installed.manifest.get("series"), "exit_code": exit_code,
              "wall_s": round(time.monotonic() - start, 1), "command": command, "outcomes": outcomes,
              "reasons": bad_file_reasons(lines, outcomes)}
    write_json(out, record)
    bad = sorted(f"{name} ({o})" for name, o in outcomes.items() if o in BAD)
    note(f"{installed.name} round {round_no}: {len(outcomes)} files, "
         f"{len(bad)} bad{': ' + ', '.join(bad) if bad else ''}")
    return record


def run_whole_suite(installed: list[Installed], out_dir: Path, rounds: int) -> list[dict[str, Any]]:
    """`rounds` whole-suite runs of every variant, interleaved round by round."""
    return [run_round(inst, out_dir, r) for r in range(1, rounds + 1) for inst in installed]


@dataclass(frozen=True)
class FileVerdict:
    """One test file that was bad somewhere: its outcome in each round of each variant."""

    name: str
    outcomes: dict[str, list[str]]

    def bad_on(self, variant: str) -> bool:
        return any(o in BAD for o in self.outcomes.get(variant, []))


def load_records(out_dir: Path) -> dict[str, list[dict[str, Any]]]:
    """The whole-suite records of a results directory, by variant, in round order."""
    records: dict[str, list[dict[str, Any]]] = {}
    for f in sorted((out_dir / "regrtest" / "whole").glob("*-round*.json")):
        rec = read_json(f)
        log = f.with_suffix(".log")
        if log.is_file():  # read again, so that a better parser applies to stored rounds too
            rec["reasons"] = bad_file_reasons(log.read_text(errors="replace").splitlines(), rec["outcomes"])
        records.setdefault(rec["variant"], []).append(rec)
    for recs in records.values():
        recs.sort(key=lambda r: int(r["round"]))
    return records


def verdicts(records: dict[str, list[dict[str, Any]]]) -> list[FileVerdict]:
    """Every file with a bad outcome in any round of any variant."""
    names = {n for recs in records.values() for r in recs for n, o in r["outcomes"].items() if o in BAD}
    return [FileVerdict(n, {v: [r["outcomes"].get(n, "absent") for r in recs] for v, recs in records.items()})
            for n in sorted(names)]


def bad_on_some_only(records: dict[str, list[dict[str, Any]]]) -> list[FileVerdict]:
    """The files bad on some variant but not on every other variant with records in the directory."""
    names = list(records)
    return [f for f in verdicts(records)
            if any(f.bad_on(v) and not all(f.bad_on(o) for o in names if o != v) for v in names)]


def comparison_markdown(records: dict[str, list[dict[str, Any]]], baseline: str = "ft") -> str:
    """The report section: per variant and round the totals, then the files bad on one variant only."""
    if not records:
        return ""
    lines = ["## CPython's whole test suite", ""]
    rows = []
    for variant, recs in records.items():
        for r in recs:
            counts = {o: sum(1 for x in r["outcomes"].values() if x == o) for o in
                      ("passed", "skipped", "resource_denied", *BAD)}
            rows.append([variant, str(r["round"]), str(len(r["outcomes"])), *(str(counts[o]) for o in counts),
                         f"{r['wall_s'] / 60:.1f} min"])
    header = ["variant", "round", "files", "passed", "skipped", "resource denied", *BAD, "wall time"]
    lines += [table(header, rows), ""]
    found = verdicts(records)
    variants = list(records)
    others = [v for v in variants if v != baseline]
    if baseline in records:
        for v in others:
            only = [f for f in found if f.bad_on(v) and not f.bad_on(baseline)]
            lines.append(f"Files bad on `{v}` and never on `{baseline}`: "
                         + (", ".join(f"`{f.name}` ({', '.join(f.outcomes[v])})" for f in only) or "**none**")
                         + ".")
            lines.append("")
    if found:
        lines += ["Every file with a bad outcome in some round (one entry per round); a file bad on every variant "
                  "fails because of this machine or of CPython itself, and the reason column quotes the failing "
                  "test cases and errors from the round logs (`regrtest/whole/*.log`):", ""]
        lines.append(table(["test file", *variants, "reason (from the logs)"],
                           [[f"`{f.name}`", *(", ".join(f.outcomes.get(v, [])) for v in variants),
                             "<br>".join(_reasons(records, f.name))] for f in found]))
    return "\n".join(lines)


def _reasons(records: dict[str, list[dict[str, Any]]], name: str) -> list[str]:
    """The distinct reasons recorded for a file, over every round of every variant."""
    out: list[str] = []
    for recs in records.values():
        for r in recs:
            for why in r.get("reasons", {}).get(name, []):
                if why not in out:
                    out.append(why)
    return [w.replace("|", "\\|") for w in out[:4]]
