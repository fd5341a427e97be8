"""The legacy-extension benchmark (bench/ownership/legacy_mix.py): lxml beside pure Python, variants interleaved.

lxml comes from the package index pip is configured with, into one virtual environment per build (shared by the
policy variants of the build). `ft` runs twice: as a user gets it (lxml turns the GIL on) and with PYTHON_GIL=0, the
unprotected parallel reference.
"""

from __future__ import annotations

import shutil
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import paths
from ..build import Installed
from ..console import note, step
from ..errors import ToolkitError
from ..process import run_logged
from ..results import read_json
from ..variants import file_name, label_of_file
from .interleave import rotated
from .profiles import Profile
from .pyperformance_runner import run_into
from .raw_records import build_key_of, claim_dir

LXML_REQUIREMENT = "lxml==6.1.3"
"""The release issue 11 measured: its cp314t wheel does not declare free-threading support."""
SCRIPT = paths.BENCH_DIR / "ownership" / "legacy_mix.py"
READY = ".ownbench-ready"
"""Written into a virtual environment once lxml is installed in it; a directory without it is rebuilt."""


@dataclass(frozen=True)
class Mode:
    """One column of the benchmark: a variant, and what the mode changes in the environment it runs with."""

    name: str
    installed: Installed
    env: dict[str, str]

    def environment(self) -> dict[str, str | None]:
        """The variant's environment changes (its ownership policy), then the mode's."""
        return {**self.installed.variant.environment(), **self.env}


def modes_of(installed: list[Installed]) -> list[Mode]:
    """Each variant as users run it, and `ft` again with PYTHON_GIL=0."""
    found = []
    for inst in installed:
        found.append(Mode(inst.variant.label, inst, {}))
        if inst.variant.label == "ft":
            found.append(Mode("ft-gil0", inst, {"PYTHON_GIL": "0"}))
    return found


def venv_dir(inst: Installed) -> Path:
    """build/<variant>/<install dir>-lxml-venv: beside the build it belongs to, rebuilt with it."""
    return inst.prefix.with_name(f"{inst.prefix.name}-lxml-venv")


def venv_python(inst: Installed, log: Path) -> Path:
    """The interpreter of the build's lxml environment, made (or remade, if a former attempt stopped) first with the
    variant's environment."""
    venv = venv_dir(inst)
    python = venv / "bin" / "python"
    marker = venv / READY
    if marker.is_file() and marker.read_text().strip() == LXML_REQUIREMENT:
        return python
    shutil.rmtree(venv, ignore_errors=True)
    try:
        run_logged([str(inst.python), "-m", "venv", str(venv)], log, f"venv for lxml on {inst.build_name}",
                   env=inst.variant.environment())
        run_logged([str(python), "-m", "pip", "install", "--only-binary", ":all:", LXML_REQUIREMENT], log,
                   f"pip install {LXML_REQUIREMENT} on {inst.build_name}", env=inst.variant.environment())
    except ToolkitError:
        shutil.rmtree(venv, ignore_errors=True)
        raise
    marker.write_text(LXML_REQUIREMENT + "\n")
    return python


def raw_dir(out_dir: Path, mode: str) -> Path:
    return out_dir / "raw" / "legacy" / file_name(mode)


def run_legacy(installed: list[Installed], profile: Profile, out_dir: Path) -> list[str]:
    """Run every (round, mode) not yet stored, modes interleaved; return what failed."""
    modes = modes_of(installed)
    log = out_dir / "logs" / "legacy.log"
    step(f"Legacy extension beside Python (lxml): {profile.legacy_rounds} rounds of "
         f"{', '.join(m.name for m in modes)}")
    builds = {inst.build_name: inst for inst in installed}  # owner and owner:transfer share one lxml environment
    pythons = {name: venv_python(inst, log) for name, inst in builds.items()}
    for m in modes:
        claim_dir(raw_dir(out_dir, m.name), build_key_of(m.installed.manifest))
    failures = []
    for round_no in range(profile.legacy_rounds):
        for m in rotated(modes, round_no):
            target = raw_dir(out_dir, m.name) / f"legacy_mix.r{round_no}.json"
            if target.is_file():
                continue
            note(f"round {round_no + 1}/{profile.legacy_rounds}: legacy_mix on {m.name}")
            error = run_into(target, [str(pythons[m.installed.build_name]), "-s", str(SCRIPT),
                                      "--seconds", str(profile.legacy_seconds), "-o"],
                             log, f"legacy_mix on {m.name}", env=m.environment())
            if error:
                failures.append(f"legacy_mix on {m.name} (round {round_no + 1})")
                note(f"[red]{failures[-1]} failed[/] (see {log}): {error}")
    return failures


def load_legacy(out_dir: Path) -> dict[str, list[dict[str, Any]]]:
    """Mode -> its stored runs, one per round (raw/legacy/<mode's file name>/legacy_mix.r<round>.json)."""
    found: dict[str, list[dict[str, Any]]] = {}
    for path in sorted((out_dir / "raw" / "legacy").glob("*/legacy_mix.r*.json")):
        found.setdefault(label_of_file(path.parent.name), []).append(read_json(path))
    return found


def legacy_summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians over rounds: each thread's fraction of its solo rate, their sum, lxml's solo rate."""
    names = list(runs[0]["fractions"])
    return {
        "rounds": len(runs),
        "threads": runs[0]["threads"],
        "lxml_version": runs[0]["lxml_version"],
        "gil_after_import": any(r["gil_after_import"] for r in runs),
        "fractions": {n: statistics.median(r["fractions"][n] for r in runs) for n in names},
        "sum_of_fractions": statistics.median(r["sum_of_fractions"] for r in runs),
        "sum_range": [min(r["sum_of_fractions"] for r in runs), max(r["sum_of_fractions"] for r in runs)],
        "lxml_solo_per_s": statistics.median(r["solo_units_per_s"]["lxml"] for r in runs),
        "clock_acquisitions": sum((r.get("ownership_stats") or {}).get("clock_acquisitions", 0) for r in runs),
    }
