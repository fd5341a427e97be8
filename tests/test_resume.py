"""Benchmark runs resume: finished pieces are kept, missing ones are run."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from ownbench.arch import native_arch
from ownbench.bench.profiles import OwnershipSizes, Profile
from ownbench.bench.pyperformance_runner import raw_file, run_pyperformance
from ownbench.build import Installed
from ownbench.variants import VARIANTS

TWO = Profile("two", ("nbody", "unpack_sequence"), ("--debug-single-value",), 1, (1,), 1, 1, 1,
              OwnershipSizes(1, 10, 1.0, 2, (1,), 100))


@pytest.mark.integration
def test_pyperformance_reruns_only_what_is_missing(tmp_path: Path) -> None:
    python = Path(sys.executable)
    prefix = tmp_path / "build" / "stock" / "install"
    prefix.mkdir(parents=True)
    host = Installed(VARIANTS["stock"], native_arch(), prefix, python, {"variant": "stock"})
    out = tmp_path / "results"
    assert run_pyperformance([host], TWO, out) == {"stock": []}
    raw = out / "raw" / "pyperformance"
    done, redo = raw_file(raw, "stock", "nbody", 0), raw_file(raw, "stock", "unpack_sequence", 0)
    kept = done.stat().st_mtime_ns
    redo.unlink()
    assert run_pyperformance([host], TWO, out) == {"stock": []}
    assert done.stat().st_mtime_ns == kept  # not run again
    assert redo.is_file()  # the missing piece was run
    assert (out / "pyperformance" / "stock.json").is_file()
