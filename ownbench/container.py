"""Build the toolkit's Docker image with buildah and smoke-test it, with no Docker engine or registry.

The base image is debootstrapped from the Debian mirror in this machine's apt configuration, so
nothing comes from Docker Hub. buildah always runs with the vfs storage driver and chroot isolation,
which need neither overlayfs nor user namespaces. A foreign architecture (arm64 on x86-64) is built
and tested through qemu-user registered with binfmt_misc.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from pathlib import Path

from . import apt_mirror, paths
from .arch import Arch, ensure_binfmt, get_arch
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
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
ROOTFS_EXCLUDES = ("./dev/*", "./proc/*", "./sys/*", "./etc/hostname", "./etc/resolv.conf",
                   "./var/cache/apt/archives/*.deb", "./var/lib/apt/lists/*")


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


def _make_base_image(log: Path, arch: Arch, base: str) -> None:
    """debootstrap a minimal bookworm for `arch` from the apt mirror and commit it as `base`."""
    mirrors = apt_mirror.debian_mirrors()
    if not mirrors:
        raise ToolkitError("no Debian mirror carrying 'main' in this machine's apt configuration")
    work = paths.build_root() / "container"
    rootfs, tarball = work / f"{SUITE}-{arch.debian}-rootfs", work / f"{SUITE}-{arch.debian}-rootfs.tar"
    if any(f" {rootfs}/" in line for line in Path("/proc/self/mounts").read_text().splitlines()):
        raise ToolkitError(f"file systems are still mounted under {rootfs} (a killed debootstrap?); unmount them")
    shutil.rmtree(rootfs, ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)
    run_logged(["debootstrap", "--variant=minbase", f"--arch={arch.debian}", SUITE, str(rootfs), mirrors[0]], log,
               "debootstrap")
    (rootfs / "etc/apt/sources.list").write_text(_sources_list(mirrors))
    excludes = [f"--exclude={pattern}" for pattern in ROOTFS_EXCLUDES]
    run_logged(["tar", "-C", str(rootfs), *excludes, "-cf", str(tarball), "."], log, "tar the root file system")
    name = "ownbench-base-import"
    _buildah_quiet("rm", name)
    run_logged([*BUILDAH, "from", "--name", name, "scratch"], log, "buildah from scratch")
    run_logged([*BUILDAH, "add", name, str(tarball), "/"], log, "buildah add the root file system")
    run_logged([*BUILDAH, "config", "--arch", arch.debian, "--os", "linux", "--cmd", "bash", "--env", f"PATH={PATH}",
                "--env", "LANG=C.UTF-8", name], log, "buildah config")
    run_logged([*BUILDAH, "commit", "--rm", name, base], log, "buildah commit the base image")
    shutil.rmtree(rootfs)
    tarball.unlink()


def docker_check(log_dir: Path, arch: str = "native") -> Path:
    """Build the image from the Dockerfile with buildah, run the toolkit's fast tests in it; return the log.

    The native image is IMAGE on BASE_IMAGE; another architecture gets ':<debian arch>' tags and qemu-user.
    """
    target = get_arch(arch)
    base = BASE_IMAGE if target.native else f"{BASE_IMAGE}-{target.debian}"
    image = IMAGE if target.native else f"localhost/ownbench:{target.debian}"
    log = log_dir / f"{time.strftime('%Y-%m-%d')}-{target.machine}-docker-check.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a") as out:
        out.write(f"# docker check, {time.strftime('%Y-%m-%d %H:%M:%S %z')}\n")
    started = time.monotonic()
    _check_dockerfile()
    ensure_packages(("buildah", "debootstrap") if target.native else ("buildah", "debootstrap", "qemu-user-static"))
    if not target.native:
        ensure_binfmt(target)
    if _buildah_quiet("inspect", "--type", "image", base):
        note(f"{base} exists: not debootstrapping again")
        with log.open("a") as out:
            out.write(f"# {base} exists: skipped debootstrap\n")
    else:
        step(f"Making {base} with debootstrap (log: {log})")
        _make_base_image(log, target, base)
    step(f"Building {image} (log: {log})")
    _buildah_quiet("rmi", image)  # vfs keeps whole copies: drop the last build rather than leave it dangling
    # EXTRA_CA_CERTS without a value: buildah takes it from the environment (keeps PEM text out of the log).
    bud = [*BUILDAH, "bud", *ISOLATION, "--platform", f"linux/{target.debian}", "--build-arg", f"BASE_IMAGE={base}",
           "--build-arg", "EXTRA_CA_CERTS", "-f", str(DOCKERFILE), "-t", image, str(paths.REPO_ROOT)]
    run_logged(bud, log, "buildah bud", env={"EXTRA_CA_CERTS": _extra_cas()})
    step(f"Smoke-testing {image}")
    name = f"ownbench-check-{target.debian}"
    _buildah_quiet("rm", name)
    run_logged([*BUILDAH, "from", "--name", name, image], log, "buildah from the image")
    try:
        for command in (["./toolkit", "--list"], ["./toolkit", "selftest", "--fast"]):
            run_logged([*BUILDAH, "run", *ISOLATION, name, "--", *command], log, " ".join(command))
    finally:
        _buildah_quiet("rm", name)
    run_logged([*BUILDAH, "images"], log, "buildah images")
    with log.open("a") as out:
        out.write(f"# docker check passed in {time.monotonic() - started:.0f}s\n")
    return log
