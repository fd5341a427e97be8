"""Target architectures: native builds, and arm64 cross-built on x86-64 and run under qemu-user."""

from __future__ import annotations

import platform
import subprocess
from dataclasses import dataclass
from pathlib import Path

from . import system_deps
from .console import note, step
from .errors import ToolkitError

BINFMT_DIR = Path("/proc/sys/fs/binfmt_misc")
CROSS_LIBRARIES: tuple[str, ...] = (
    "libssl-dev", "zlib1g-dev", "libffi-dev", "libbz2-dev", "liblzma-dev", "libsqlite3-dev",
    "libreadline-dev", "uuid-dev", "libncurses-dev", "libgdbm-dev", "libzstd-dev",
)


@dataclass(frozen=True)
class Arch:
    """A target architecture, by its Debian name, `uname -m` name and GNU triplet."""

    debian: str
    machine: str
    triplet: str

    @property
    def native(self) -> bool:
        return self.machine == platform.machine()


def arch_suffix(arch: Arch) -> str:
    """'' for the native architecture, '-<machine>' otherwise (for obj/, install/, result files)."""
    return "" if arch.native else f"-{arch.machine}"


ARCHES: dict[str, Arch] = {
    a.debian: a for a in (Arch("amd64", "x86_64", "x86_64-linux-gnu"), Arch("arm64", "aarch64", "aarch64-linux-gnu"))
}
ALIASES = {a.machine: a.debian for a in ARCHES.values()}


def native_arch() -> Arch:
    machine = platform.machine()
    if machine not in ALIASES:
        raise ToolkitError(f"unsupported machine {machine!r}; supported: {', '.join(ALIASES)}")
    return ARCHES[ALIASES[machine]]


def get_arch(name: str) -> Arch:
    """'native', a Debian name (amd64, arm64) or a machine name (x86_64, aarch64)."""
    if name in ("", "native"):
        return native_arch()
    try:
        return ARCHES[ALIASES.get(name, name)]
    except KeyError:
        valid = ", ".join(["native", *ARCHES, *ALIASES])
        raise ToolkitError(f"unknown architecture {name!r}; valid: {valid}") from None


def cross_packages(arch: Arch) -> tuple[str, ...]:
    """Cross compiler, qemu-user and the target's development libraries (Debian multiarch)."""
    return (f"gcc-{arch.triplet}", "qemu-user-static", *(f"{lib}:{arch.debian}" for lib in CROSS_LIBRARIES))


def _foreign_architectures() -> list[str]:
    out = subprocess.run(["dpkg", "--print-foreign-architectures"], capture_output=True, text=True, check=True)
    return out.stdout.split()


def ensure_cross_environment(arch: Arch) -> None:
    """Multiarch packages for `arch` and qemu registered with binfmt_misc (root installs them)."""
    if arch.native:
        return
    if arch.debian not in _foreign_architectures():
        system_deps.require_root(f"dpkg --add-architecture {arch.debian}")
        step(f"Adding the {arch.debian} architecture to dpkg")
        subprocess.run(["dpkg", "--add-architecture", arch.debian], check=True)
        system_deps.apt_update()
    system_deps.ensure_packages(cross_packages(arch))
    ensure_binfmt(arch)


def ensure_binfmt(arch: Arch) -> None:
    """Let the kernel run `arch` binaries through qemu-user, so subprocesses work too."""
    entry = BINFMT_DIR / f"qemu-{arch.machine}"
    if entry.is_file() and "enabled" in entry.read_text():
        return
    config = Path(f"/usr/lib/binfmt.d/qemu-{arch.machine}.conf")
    system_deps.require_root(f"/usr/lib/systemd/systemd-binfmt {config}")
    if not (BINFMT_DIR / "register").exists():
        subprocess.run(["mount", "-t", "binfmt_misc", "binfmt_misc", str(BINFMT_DIR)], check=True)
    note(f"registering {config} with binfmt_misc")
    subprocess.run(["/usr/lib/systemd/systemd-binfmt", str(config)], check=True)
    if not entry.is_file():
        raise ToolkitError(f"binfmt_misc did not accept {config}")
