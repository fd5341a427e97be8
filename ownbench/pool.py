"""Pool several benchmark runs of the same builds into one results directory, reported as one run."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

from .bench.ownership import raw_file
from .bench.pyperformance_runner import merge_rounds, suite_file
from .console import note, step
from .errors import ToolkitError
from .results import read_json, write_json
from .variants import build_of

ROUND = re.compile(r"^(?P<script>.+)\.r(?P<round>\d+)\.json$")


def _runs(dirs: list[Path]) -> list[dict[str, Any]]:
    if len(dirs) < 2:
        raise ToolkitError("--pool needs at least two results directories")
    runs = []
    for d in dirs:
        if not (d / "run.json").is_file():
            raise ToolkitError(f"{d} is not a results directory (no run.json)")
        runs.append(read_json(d / "run.json"))
    return runs


def check_same_builds(dirs: list[Path], runs: list[dict[str, Any]]) -> None:
    """Every run must have measured the same variants with the same builds (same build keys); policy variants
    (owner:transfer) run their build's manifest (owner)."""
    first = runs[0]
    for d, run in zip(dirs[1:], runs[1:], strict=True):
        if run.get("variants") != first.get("variants"):
            raise ToolkitError(f"{d} measured {run.get('variants')}, {dirs[0]} measured {first.get('variants')}")
        for variant in first.get("variants", []):
            key, other = (r["manifests"][build_of(variant)].get("build_key") for r in (first, run))
            if key != other:
                raise ToolkitError(f"{variant} of {d} is another build ({other}) than in {dirs[0]} ({key}): "
                                   "only runs of the same builds can be pooled")


def _copy_ownership_records(dirs: list[Path], dest: Path) -> None:
    """raw/ownership/<variant>/<script>.r<N>.json of every run, rounds renumbered one after the other."""
    next_round: dict[tuple[str, str], int] = {}
    for d in dirs:
        for path in sorted((d / "raw" / "ownership").glob("*/*.r*.json")):
            match = ROUND.match(path.name)
            if match is None:
                continue
            key = (path.parent.name, match["script"])
            number = next_round.get(key, 0)
            next_round[key] = number + 1
            data = read_json(path)
            data["round"] = number
            data["pooled_from"] = str(path)
            write_json(raw_file(dest, key[0], key[1], number), data)


def pool(dirs: list[Path], dest: Path) -> Path:
    """Write `dest`: the pyperformance values and ownership records of every run in `dirs`, and its run.json."""
    runs = _runs(dirs)
    check_same_builds(dirs, runs)
    if dest.exists() and any(dest.iterdir()):
        raise ToolkitError(f"{dest} exists and is not empty: choose a new --out for the pooled run")
    step(f"Pooling {len(dirs)} runs into {dest}")
    tmp = dest.with_name(dest.name + ".part")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for variant in runs[0]["variants"]:
        suites = [suite_file(d, variant) for d in dirs]
        present = [s for s in suites if s.is_file()]
        if present and len(present) < len(suites):
            note(f"[yellow]{variant}: pyperformance results in {len(present)} of {len(suites)} runs only[/]")
        merge_rounds(present, suite_file(tmp, variant))
    _copy_ownership_records(dirs, tmp)
    run = dict(runs[0])
    run["label"] = f"pooled-{run.get('label', 'run')}"
    run["rounds"] = sum(int(r.get("rounds") or 1) for r in runs)
    seconds = [r.get("pyperformance_seconds") for r in runs]
    run["pyperformance_seconds"] = sum(seconds) if all(s is not None for s in seconds) else None
    run["pooled_from"] = [{"dir": str(d), **{k: r.get(k) for k in ("date", "label", "toolkit", "rounds")}}
                          for d, r in zip(dirs, runs, strict=True)]
    write_json(tmp / "run.json", run)
    if dest.exists():
        dest.rmdir()
    tmp.rename(dest)
    return dest
