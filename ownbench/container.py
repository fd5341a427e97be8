"""Build the toolkit's Docker image with buildah and smoke-test it, with no Docker engine or registry.

The base image is debootstrapped from the Debian mirror in this machine's apt configuration, so
nothing comes from Docker Hub. buildah always runs with the vfs storage driver and chroot isolation,
which need neither overlayfs nor user namespaces.
"""

from __future__ import annotations

import platform
import re
import shutil
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

from . import apt_mirror, paths
from .console import note, step
from .errors import ToolkitError
from .process import run_logged
from .system_deps import BENCH_PACKAGES, BUILD_PACKAGES, ensure_packages

SUITE = "bookworm"
BASE_IMAGE = f"localhost/ownbench-base:{SUITE}"
IMAGE = "localhost/ownbench:latest"
DOCKERFILE = paths.REPO_ROOT / "Dockerfile"
IMAGE_PACKAGES = (*BUILD_PACKAGES, *BENCH_PACKAGES, "python3", "python3-venv", "git", "ca-certificates")
BUILDAH = ("buildah", "--storage-driver", "vfs")
ISOLATION = ("--isolation", "chroot")
LOCAL_CAS = Path("/usr/local/share/ca-certificates")
ROOTFS_EXCLUDES = ("./dev/*", "./proc/*", "./sys/*", "./etc/hostname", "./etc/resolv.conf",
                   "./var/cache/apt/archives/*.deb", "./var/lib/apt/lists/*")


def _timed(command: Sequence[str], log: Path, title: str) -> None:
    """run_logged, then the step's wall-clock time as a comment line in the log."""
    started = time.monotonic()
    run_logged(command, log, title=title)
    with log.open("a") as out:
        out.write(f"# {title}: {time.monotonic() - started:.0f}s\n")


def _buildah_quiet(*args: str) -> bool:
    """Run a buildah command whose output does not matter; True if it succeeded."""
    return subprocess.run([*BUILDAH, *args], capture_output=True, check=False).returncode == 0


def _check_dockerfile() -> None:
    """The Dockerfile must install every package the toolkit's tasks ask for."""
    words = set(re.findall(r"[\w.+-]+", DOCKERFILE.read_text()))
    missing = [p for p in IMAGE_PACKAGES if p not in words]
    if missing:
        raise ToolkitError(f"{DOCKERFILE} does not install {', '.join(missing)} (see ownbench.system_deps)")


def _sources_list(mirrors: list[str]) -> str:
    """sources.list for the base image: this machine's Debian mirrors with their bookworm suites."""
    lines: list[str] = []
    for source in apt_mirror.apt_sources():
        if source.uri.rstrip("/") in mirrors:
            lines += [f"deb {source.uri} {suite} {' '.join(source.components)}"
                      for suite in source.suites if suite.startswith(SUITE)]
    return "\n".join(dict.fromkeys(lines)) + "\n"


def _extra_cas() -> str:
    """PEM text of the CAs this machine trusts beyond Debian's bundle (a TLS-intercepting proxy's)."""
    return "".join(p.read_text() for p in sorted(LOCAL_CAS.rglob("*.crt"))) if LOCAL_CAS.is_dir() else ""


def _make_base_image(log: Path) -> None:
    """debootstrap a minimal bookworm from the apt mirror and commit it as BASE_IMAGE."""
    mirrors = apt_mirror.debian_mirrors()
    if not mirrors:
        raise ToolkitError("no Debian mirror carrying 'main' in this machine's apt configuration")
    work = paths.build_root() / "container"
    rootfs, tarball = work / f"{SUITE}-rootfs", work / f"{SUITE}-rootfs.tar"
    if any(f" {rootfs}/" in line for line in Path("/proc/self/mounts").read_text().splitlines()):
        raise ToolkitError(f"file systems are still mounted under {rootfs} (a killed debootstrap?); unmount them")
    shutil.rmtree(rootfs, ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)
    _timed(["debootstrap", "--variant=minbase", SUITE, str(rootfs), mirrors[0]], log, "debootstrap")
    (rootfs / "etc/apt/sources.list").write_text(_sources_list(mirrors))
    excludes = [f"--exclude={pattern}" for pattern in ROOTFS_EXCLUDES]
    _timed(["tar", "-C", str(rootfs), *excludes, "-cf", str(tarball), "."], log, "tar the root file system")
    name = "ownbench-base-import"
    _buildah_quiet("rm", name)
    _timed([*BUILDAH, "from", "--name", name, "scratch"], log, "buildah from scratch")
    _timed([*BUILDAH, "add", name, str(tarball), "/"], log, "buildah add the root file system")
    _timed([*BUILDAH, "config", "--cmd", "/bin/bash", "--env", "LANG=C.UTF-8", name], log, "buildah config")
    _timed([*BUILDAH, "commit", "--rm", name, BASE_IMAGE], log, "buildah commit the base image")
    shutil.rmtree(rootfs)
    tarball.unlink()


def docker_check(log_dir: Path) -> Path:
    """Build IMAGE from the Dockerfile with buildah, run the toolkit's fast tests in it; return the log."""
    log = log_dir / f"{time.strftime('%Y-%m-%d')}-{platform.machine()}-docker-check.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a") as out:
        out.write(f"# docker check, {time.strftime('%Y-%m-%d %H:%M:%S %z')}\n")
    started = time.monotonic()
    _check_dockerfile()
    ensure_packages(("buildah", "debootstrap"))
    if _buildah_quiet("inspect", "--type", "image", BASE_IMAGE):
        note(f"{BASE_IMAGE} exists: not debootstrapping again")
        with log.open("a") as out:
            out.write(f"# {BASE_IMAGE} exists: skipped debootstrap\n")
    else:
        step(f"Making {BASE_IMAGE} with debootstrap (log: {log})")
        _make_base_image(log)
    step(f"Building {IMAGE} (log: {log})")
    _timed([*BUILDAH, "bud", *ISOLATION, "--build-arg", f"BASE_IMAGE={BASE_IMAGE}",
            "--build-arg", f"EXTRA_CA_CERTS={_extra_cas()}", "-f", str(DOCKERFILE), "-t", IMAGE,
            str(paths.REPO_ROOT)], log, "buildah bud")
    step(f"Smoke-testing {IMAGE}")
    name = "ownbench-check"
    _buildah_quiet("rm", name)
    _timed([*BUILDAH, "from", "--name", name, IMAGE], log, "buildah from the image")
    try:
        for command in (["./toolkit", "--list"], ["./toolkit", "selftest", "--fast"]):
            _timed([*BUILDAH, "run", *ISOLATION, name, "--", *command], log, " ".join(command))
    finally:
        _buildah_quiet("rm", name)
    _timed([*BUILDAH, "images"], log, "buildah images")
    with log.open("a") as out:
        out.write(f"# docker check passed in {time.monotonic() - started:.0f}s\n")
    return log
