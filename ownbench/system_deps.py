"""Install the Debian packages a task needs, or say exactly how to."""

from __future__ import annotations

import os
import shutil
import subprocess

from .console import note, step
from .errors import ToolkitError

BUILD_PACKAGES: tuple[str, ...] = (
    "build-essential",
    "pkg-config",
    "ccache",
    "xz-utils",
    "git",
    "libssl-dev",
    "zlib1g-dev",
    "libbz2-dev",
    "liblzma-dev",
    "libsqlite3-dev",
    "libffi-dev",
    "libreadline-dev",
    "libncurses-dev",
    "libgdbm-dev",
    "uuid-dev",
    "libzstd-dev",
)
BENCH_PACKAGES: tuple[str, ...] = ("valgrind", "util-linux", "binutils")
PROFILE_PACKAGES: tuple[str, ...] = ("linux-perf",)
"""`./toolkit profile` only: not part of reproduce's preflight nor of the Docker image."""


def missing_packages(packages: tuple[str, ...]) -> list[str]:
    """Those of `packages` dpkg does not report as installed."""
    missing = []
    for package in packages:
        result = subprocess.run(
            ["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True, check=False
        )
        if "install ok installed" not in result.stdout:
            missing.append(package)
    return missing


def require_root(command: str) -> None:
    """Stop with the exact command to run when not root."""
    if os.geteuid() != 0:
        raise ToolkitError(f"this needs root; run:\n  sudo {command}")


def _apt_get(*args: str) -> None:
    subprocess.run(["apt-get", *args], check=True, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})


def apt_update() -> None:
    _apt_get("update", "-q")


def apt_install(*packages: str) -> None:
    """apt-get install, non-interactively; `packages` may include paths to .deb files."""
    _apt_get("install", "-y", "-q", "--no-install-recommends", *packages)


def ensure_packages(packages: tuple[str, ...]) -> None:
    """Install missing packages with apt-get when root; otherwise fail with the command to run."""
    if shutil.which("dpkg-query") is None:
        note("[yellow]not a Debian system: make sure the build dependencies are installed[/]")
        return
    missing = missing_packages(packages)
    if not missing:
        return
    require_root("apt-get update && sudo apt-get install -y --no-install-recommends " + " ".join(missing))
    step(f"Installing Debian packages: {' '.join(missing)}")
    apt_update()
    apt_install(*missing)
