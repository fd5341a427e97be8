"""Check that binary cp314t wheels from PyPI install, import and work in a built variant."""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from . import paths
from .build import Installed
from .console import note, step
from .errors import ToolkitError
from .process import environment, run_logged

WHEELS: tuple[str, ...] = ("numpy", "markupsafe", "PyYAML", "msgpack")
PROBE = paths.BENCH_DIR / "abi" / "probe.py"


def check_wheels(installed: Installed, log: Path) -> dict[str, Any]:
    """Install WHEELS as binary wheels in a fresh venv of the variant and run the probe there."""
    variant = installed.variant
    step(f"ABI check on {variant.label}: binary wheels of {', '.join(WHEELS)}")
    with tempfile.TemporaryDirectory(prefix="ownbench-abi-") as tmp:
        venv = Path(tmp) / "venv"
        run_logged([str(installed.python), "-m", "venv", str(venv)], log, title="venv", env=variant.environment())
        run_logged([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--only-binary=:all:", *WHEELS],
                   log, title="pip install (binary wheels only)", env=variant.environment())
        result = subprocess.run([str(venv / "bin" / "python"), str(PROBE)], capture_output=True, text=True,
                                env=environment(variant.environment()))
    if result.returncode != 0:
        raise ToolkitError(f"the wheels do not work on {variant.label}:\n{result.stderr[-3000:]}")
    facts: dict[str, Any] = json.loads(result.stdout)
    suffix = facts["ext_suffix"]
    wrong = [f for f in facts["extensions"] if not f.endswith(suffix)]
    if wrong or facts["abiflags"] != variant.abiflags:
        raise ToolkitError(f"extensions not built for this ABI ({suffix}, abiflags {facts['abiflags']!r}): {wrong}")
    if facts["gil_enabled_after_imports"] != variant.gil_enabled:
        raise ToolkitError(f"importing the wheels changed the GIL state on {variant.label}")
    note(f"{variant.label}: {len(facts['extensions'])} extensions loaded (*{suffix})")
    return facts
