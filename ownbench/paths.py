"""Where the toolkit keeps its inputs, work trees and outputs."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

REPO_ROOT = Path(__file__).resolve().parent.parent
PATCHES_DIR = REPO_ROOT / "patches"
OVERLAY_DIR = REPO_ROOT / "cpython-overlay"
BENCH_DIR = REPO_ROOT / "bench"
RESULTS_DIR = REPO_ROOT / "results"


def build_root() -> Path:
    """Root of per-variant work trees, builds and installs (ignored by git)."""
    return Path(os.environ.get("OWNBENCH_BUILD_DIR", REPO_ROOT / "build"))


def cache_dir() -> Path:
    """Download cache for source archives, under the user's cache directory."""
    override = os.environ.get("OWNBENCH_CACHE_DIR")
    if override:
        return Path(override)
    return Path(platformdirs.user_cache_dir("ownbench")) / "sources"
