"""Obtain a pinned CPython source archive from the first source that works."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

import git

from . import apt_mirror
from .console import note, step
from .download import ChecksumMismatch, DownloadFailed, copy_verified, download_verified, sha256_of
from .errors import ToolkitError
from .versions import Release

DEFAULT_GIT_REMOTE = "https://github.com/python/cpython.git"
DEFAULT_PYTHON_ORG = "https://www.python.org/ftp/python"


class SourceSkipped(Exception):
    """This source cannot provide the archive; the message says why."""


@dataclass(frozen=True)
class SourceArchive:
    """A verified source archive in the cache and where it came from."""

    path: Path
    origin: str
    digest: str
    """'sha256:<hex>' of the release tarball, or 'git:<commit>' for a git export."""
    skipped: tuple[str, ...] = ()
    """Why each earlier source in the chain was passed over."""


class Source(Protocol):
    name: str

    def obtain(self, release: Release, cache: Path) -> SourceArchive: ...


def git_archive_name(release: Release) -> str:
    return f"Python-{release.version}-git-{release.git_commit[:12]}.tar.gz"


@dataclass
class LocalTarball:
    """A tarball the user already has (`--tarball PATH`)."""

    path: Path | None
    name: str = "--tarball"

    def obtain(self, release: Release, cache: Path) -> SourceArchive:
        if self.path is None:
            raise SourceSkipped("no --tarball given")
        if not self.path.is_file():
            raise ToolkitError(f"--tarball {self.path}: no such file")
        dest = cache / release.tarball_name
        copy_verified(self.path, dest, release.sha256)
        return SourceArchive(dest, str(self.path), f"sha256:{release.sha256}")


@dataclass
class DownloadCache:
    """Archives verified earlier; a corrupt one is removed and reported."""

    name: str = "download cache"

    def obtain(self, release: Release, cache: Path) -> SourceArchive:
        tarball = cache / release.tarball_name
        if tarball.is_file():
            actual = sha256_of(tarball)
            if actual != release.sha256:
                tarball.unlink()
                raise ChecksumMismatch(f"{tarball} (removed from the cache)", release.sha256, actual)
            return SourceArchive(tarball, str(tarball), f"sha256:{release.sha256}")
        exported = cache / git_archive_name(release)
        sidecar = exported.with_name(exported.name + ".sha256")
        if exported.is_file() and sidecar.is_file():
            expected, actual = sidecar.read_text().strip(), sha256_of(exported)
            if actual != expected:
                exported.unlink()
                sidecar.unlink()
                raise ChecksumMismatch(f"{exported} (removed from the cache)", expected, actual)
            return SourceArchive(exported, str(exported), f"git:{release.git_commit}")
        raise SourceSkipped(f"nothing for {release.version} in {cache}")


def _git_reason(exc: git.GitCommandError) -> str:
    lines = [ln.strip(" '\n") for ln in str(exc.stderr or "").splitlines()]
    fatal = [ln for ln in lines if "fatal:" in ln]
    return (fatal or [ln for ln in lines if ln] or [str(exc)])[-1]


@dataclass
class GitClone:
    """A shallow clone of the release tag, checked against the pinned commit."""

    remote: str = DEFAULT_GIT_REMOTE
    name: str = "git"

    def obtain(self, release: Release, cache: Path) -> SourceArchive:
        env = {"GIT_TERMINAL_PROMPT": "0", "GIT_HTTP_LOW_SPEED_LIMIT": "1000", "GIT_HTTP_LOW_SPEED_TIME": "20"}
        with tempfile.TemporaryDirectory(prefix="ownbench-clone-") as tmp:
            try:
                repo = git.Repo.clone_from(
                    self.remote, tmp, branch=release.git_tag, depth=1, env=env, multi_options=["--single-branch"]
                )
            except git.GitCommandError as exc:
                raise SourceSkipped(f"cannot clone {self.remote} {release.git_tag}: {_git_reason(exc)}") from exc
            commit = repo.head.commit.hexsha
            if commit != release.git_commit:
                raise ToolkitError(
                    f"{self.remote} tag {release.git_tag} is commit {commit}, "
                    f"but {release.version} is pinned to {release.git_commit}"
                )
            cache.mkdir(parents=True, exist_ok=True)
            dest = cache / git_archive_name(release)
            part = dest.with_name(dest.name + ".part")
            try:
                repo.git.archive("HEAD", format="tar.gz", prefix=f"Python-{release.version}/", output=str(part))
                digest = sha256_of(part)
                os.replace(part, dest)
            finally:
                part.unlink(missing_ok=True)
            dest.with_name(dest.name + ".sha256").write_text(digest + "\n")
        return SourceArchive(dest, f"{self.remote}@{commit}", f"git:{commit}")


@dataclass
class PythonOrg:
    """The release tarball from python.org (or a mirror of its layout)."""

    base_url: str = DEFAULT_PYTHON_ORG
    name: str = "python.org"

    def obtain(self, release: Release, cache: Path) -> SourceArchive:
        url = f"{self.base_url.rstrip('/')}/{release.version}/{release.tarball_name}"
        dest = cache / release.tarball_name
        try:
            download_verified(url, dest, release.sha256)
        except DownloadFailed as exc:
            raise SourceSkipped(str(exc)) from exc
        return SourceArchive(dest, url, f"sha256:{release.sha256}")


@dataclass
class DebianArchive:
    """Debian's python3.X orig tarball from the mirrors in the apt configuration."""

    apt_root: Path = Path("/")
    name: str = "Debian archive"

    def obtain(self, release: Release, cache: Path) -> SourceArchive:
        package = f"python{release.series}"
        pool_path = f"pool/main/p/{package}/{package}_{release.version}.orig.tar.xz"
        dest = cache / release.tarball_name
        try:
            url = apt_mirror.download_from_pool(pool_path, dest, release.sha256, self.apt_root)
        except DownloadFailed as exc:
            raise SourceSkipped(str(exc)) from exc
        return SourceArchive(dest, url, f"sha256:{release.sha256}")


@dataclass
class SourceOptions:
    """User-settable knobs of the default source chain."""

    tarball: Path | None = None
    git_remote: str = field(default_factory=lambda: os.environ.get("OWNBENCH_GIT_REMOTE", DEFAULT_GIT_REMOTE))
    python_org: str = field(default_factory=lambda: os.environ.get("OWNBENCH_PYTHON_ORG", DEFAULT_PYTHON_ORG))
    apt_root: Path = Path("/")


def default_chain(options: SourceOptions) -> list[Source]:
    """The sources in the order they are tried."""
    return [
        LocalTarball(options.tarball),
        DownloadCache(),
        GitClone(options.git_remote),
        PythonOrg(options.python_org),
        DebianArchive(options.apt_root),
    ]


def fetch(release: Release, cache: Path, chain: list[Source]) -> SourceArchive:
    """Try each source in turn; stop at the first archive, or at a checksum error."""
    step(f"Fetching CPython {release.version}")
    skipped = []
    for source in chain:
        try:
            archive = source.obtain(release, cache)
        except SourceSkipped as exc:
            note(f"[yellow]skipped {source.name}:[/] {exc}")
            skipped.append(f"{source.name}: {exc}")
            continue
        note(f"[green]using {source.name}:[/] {archive.origin}")
        return replace(archive, skipped=tuple(skipped))
    raise ToolkitError(f"no source could provide CPython {release.version}:\n  " + "\n  ".join(skipped))
