"""Results directories: results/<date>-<label>-<arch>-<profile>/ and JSON I/O."""

from __future__ import annotations

import json
import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

from . import paths
from .errors import ToolkitError


def run_dir_name(label: str, profile: str, arch: str | None = None, date: str | None = None) -> str:
    return f"{date or time.strftime('%Y-%m-%d')}-{label}-{arch or platform.machine()}-{profile}"


def default_run_dir(label: str, profile: str, arch: str | None = None) -> Path:
    return paths.RESULTS_DIR / run_dir_name(label, profile, arch)


def latest_run_dir() -> Path:
    """The most recently modified results directory that has a run.json."""
    runs = sorted(paths.RESULTS_DIR.glob("*/run.json"), key=lambda p: p.stat().st_mtime)
    if not runs:
        raise ToolkitError(f"no results directory under {paths.RESULTS_DIR}; run `./toolkit bench` first")
    return runs[-1].parent


def write_text(path: Path, text: str) -> None:
    """Write a file atomically (a temporary file, then a rename), so an interrupted run never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "w") as out:
            out.write(text)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def write_json(path: Path, data: Any) -> None:
    """Write JSON atomically."""
    write_text(path, json.dumps(data, indent=2) + "\n")


def read_json(path: Path) -> Any:
    return json.loads(path.read_text())
