"""Regenerate configure and pyconfig.h.in with the autoconf CPython 3.14 is generated with (2.72)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from . import apt_mirror, paths, system_deps
from .console import note, step
from .download import DownloadFailed
from .errors import ToolkitError
from .process import run_logged

REQUIRED_VERSION = "2.72"
# Debian ships 2.71 in bookworm; 2.72 is an architecture-independent package of trixie.
AUTOCONF_DEB = "pool/main/a/autoconf/autoconf_2.72-3.1_all.deb"
AUTOCONF_DEB_SHA256 = "0de76b647b0afb6c7934999aaefeb463656c147672464a367df1019969e77af3"


def autoconf_version() -> str | None:
    try:
        out = subprocess.run(["autoconf", "--version"], capture_output=True, text=True, check=True).stdout
    except (FileNotFoundError, subprocess.CalledProcessError):
        return None
    return out.splitlines()[0].split()[-1]


def ensure_autoconf() -> None:
    """Install autoconf 2.72 from the Debian archive (mirror from the apt configuration) when root."""
    if autoconf_version() == REQUIRED_VERSION:
        return
    deb = paths.cache_dir() / Path(AUTOCONF_DEB).name
    if not deb.is_file():
        # Downloading needs no root: a non-root user is then told to install a file that exists.
        try:
            apt_mirror.download_from_pool(AUTOCONF_DEB, deb, AUTOCONF_DEB_SHA256)
        except DownloadFailed as exc:
            raise ToolkitError(f"cannot download {AUTOCONF_DEB}: {exc}") from exc
    system_deps.require_root(f"apt-get install -y {deb}  # autoconf {REQUIRED_VERSION}")
    step(f"Installing autoconf {REQUIRED_VERSION}")
    system_deps.apt_install(str(deb))


def regenerate(src: Path, log: Path) -> None:
    """Run autoconf and autoheader in `src`; the tree's own aclocal.m4 supplies the macros."""
    ensure_autoconf()
    step(f"Regenerating configure and pyconfig.h.in in {src}")
    for tool in ("autoconf", "autoheader"):
        run_logged([tool, "-Werror"], log, cwd=src, title=tool)
    note("commit the result in the tree, then `./toolkit patch --refresh`")
