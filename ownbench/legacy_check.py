"""`./toolkit legacy-check`: lxml's own test suite, from its sdist, against its cp314t wheel on each variant.

lxml 6.1.3's cp314t wheel has not declared free-threading support: `ft` turns the GIL on when it imports it, `owner`
runs it under the CLock. The suite (27 modules, its threaded tests included) runs in the venv the legacy benchmark
uses, from the sdist's root (its doctests read files relative to it), with each variant's environment. A variant's
counts are kept and not run again while its build is the same.
"""

from __future__ import annotations

import shutil
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from . import machine, paths
from .bench.legacy import LXML_REQUIREMENT, venv_python
from .bench.raw_records import build_key_of
from .build import Installed
from .console import note, step
from .errors import ToolkitError
from .markdown import table
from .pipeline import record_run
from .process import run_logged
from .results import read_json, write_json, write_text

SUITE = paths.BENCH_DIR / "legacy" / "lxml_suite.py"
COUNTS = ("run", "failures", "errors", "skipped")


def lxml_source(cache: Path, log: Path) -> Path:
    """The unpacked sdist of the measured lxml release, from the package index pip is configured with; cached, and
    never left half unpacked (it is unpacked beside, then renamed)."""
    version = LXML_REQUIREMENT.split("==")[1]
    root = cache / f"lxml-{version}"
    if (root / "src" / "lxml" / "tests").is_dir():
        return root
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache, prefix=".lxml-sdist-") as tmp:
        run_logged([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", LXML_REQUIREMENT,
                    "-d", tmp], log, f"pip download {LXML_REQUIREMENT} (sdist)")
        archives = sorted(Path(tmp).glob("lxml-*.tar.gz"))
        if not archives:
            raise ToolkitError(f"pip download {LXML_REQUIREMENT} left no lxml-*.tar.gz (see {log})")
        with tarfile.open(archives[0]) as tar:
            tar.extractall(tmp, filter="data")
        unpacked = Path(tmp) / f"lxml-{version}"
        if not (unpacked / "src" / "lxml" / "tests").is_dir():
            raise ToolkitError(f"{archives[0].name} has no src/lxml/tests")
        shutil.rmtree(root, ignore_errors=True)
        unpacked.rename(root)
    return root


def counts_file(out_dir: Path, inst: Installed) -> Path:
    return out_dir / "lxml-suite" / f"{inst.variant.file_name}.json"


def run_suite(inst: Installed, source: Path, out_dir: Path, log: Path) -> dict[str, Any]:
    """lxml's suite on one variant, or the counts stored by an earlier run on the same build."""
    target = counts_file(out_dir, inst)
    key = build_key_of(inst.manifest)
    stored = read_json(target) if target.is_file() else {}
    if stored.get("build_key") == key:
        note(f"{inst.variant.label}: already run on this build")
        return stored
    python = venv_python(inst, log)
    with tempfile.TemporaryDirectory(prefix="ownbench-lxml-") as tmp:
        part = Path(tmp) / "counts.json"
        run_logged([str(python), "-s", str(SUITE), "--src", str(source / "src" / "lxml"), "--json", str(part)], log,
                   f"lxml's test suite on {inst.variant.label}", cwd=source, env=inst.variant.environment())
        counts = {**read_json(part), "variant": inst.variant.label, "build_key": key}
    write_json(target, counts)
    return counts


def suite_markdown(found: dict[str, dict[str, Any]], cpu: str) -> str:
    """The report: totals per variant, then every module whose failures differ between variants."""
    rows = [[label, "on" if c["gil_enabled"] else "off", f"{c['clock_acquisitions']:,}",
             *(str(c["totals"][k]) for k in COUNTS)] for label, c in found.items()]
    first = next(iter(found.values()))
    lines = ["# lxml's test suite on each variant", "",
             f"lxml {first['lxml']} (its cp314t wheel, libxml2 {first['libxml2']}), tests from its sdist; {cpu}. "
             "`GIL` is "
             "`sys._is_gil_enabled()` after the suite; `CLock` counts the CLock's acquisitions.", "",
             table(["variant", "GIL", "CLock", *COUNTS], rows), ""]
    modules = sorted({m for c in found.values() for m in c["modules"]})
    differ = [m for m in modules
              if len({(c["modules"].get(m, {}).get("failures"), c["modules"].get(m, {}).get("errors"))
                      for c in found.values()}) > 1]
    if differ:
        lines += ["Modules whose failures or errors differ between variants:", "",
                  table(["module", *found], [[m, *(", ".join(c["modules"].get(m, {}).get("failed_tests", []))
                                                   or "-" for c in found.values())] for m in differ]), ""]
    else:
        lines += ["Every module has the same failures and errors on every variant.", ""]
    return "\n".join(lines)


def check_legacy(installed: list[Installed], out_dir: Path, label: str) -> Path:
    """Run lxml's suite on each installed variant not run yet; write report.md; return its path."""
    log = out_dir / "logs" / "legacy-check.log"
    source = lxml_source(paths.cache_dir(), log)
    if not (out_dir / "run.json").is_file():
        record_run(out_dir, label, "legacy", installed)
    step(f"lxml's test suite on {', '.join(i.variant.label for i in installed)}")
    found = {inst.variant.label: run_suite(inst, source, out_dir, log) for inst in installed}
    cpu = machine.describe()
    report = out_dir / "report.md"
    write_text(report, suite_markdown(found, f"{cpu['cpu']}, {cpu['cores']} cores"))
    return report
