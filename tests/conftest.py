"""Shared fixtures: a tiny CPython-like source, a local HTTP server, a local git remote."""

from __future__ import annotations

import functools
import hashlib
import http.server
import os
import shutil
import tarfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import git
import pytest

from ownbench import system_deps
from ownbench.versions import Release

TINY_VERSION = "9.9.9"
TINY_FILES = {
    "README.rst": "This is a tiny stand-in for a CPython source tree.\n",
    "Objects/listobject.c": "".join(f"/* line {i} */\n" for i in range(1, 41)),
    "Lib/ownership_demo.py": "VALUE = 1\n",
}


@dataclass(frozen=True)
class TinySource:
    tarball: Path
    release: Release
    git_remote: Path


@pytest.fixture
def valgrind() -> None:
    """Valgrind for callgrind counts: installed like `./toolkit bench` does, or the test skipped under --fast."""
    if shutil.which("valgrind") is None:
        if os.environ.get("OWNBENCH_SELFTEST_FAST"):
            pytest.skip("valgrind is not installed, and `selftest --fast` installs nothing (`./toolkit bench` does)")
        system_deps.ensure_packages(system_deps.BENCH_PACKAGES)


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test gets its own cache and build directories."""
    monkeypatch.setenv("OWNBENCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("OWNBENCH_BUILD_DIR", str(tmp_path / "build"))


def _write_tree(root: Path) -> None:
    for name, text in TINY_FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


@pytest.fixture
def tiny_source(tmp_path: Path) -> TinySource:
    """A Python-9.9.9.tar.xz and a git repository tagged v9.9.9 with the same files."""
    top = tmp_path / "tiny" / f"Python-{TINY_VERSION}"
    _write_tree(top)
    tarball = tmp_path / "tiny" / f"Python-{TINY_VERSION}.tar.xz"
    with tarfile.open(tarball, "w:xz") as tar:
        tar.add(top, arcname=top.name)
    repo = git.Repo.init(tmp_path / "tiny-git")
    _write_tree(Path(repo.working_dir))
    repo.git.add("--all")
    repo.git.commit("-m", "tiny release", env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t",
                                               "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"})
    repo.create_tag(f"v{TINY_VERSION}")
    sha = hashlib.sha256(tarball.read_bytes()).hexdigest()
    release = Release(TINY_VERSION, sha, repo.head.commit.hexsha)
    return TinySource(tarball, release, Path(repo.working_dir))


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """Keep the test output clean."""


@pytest.fixture
def http_root(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A directory served over HTTP on localhost: (directory, base URL)."""
    root = tmp_path / "www"
    root.mkdir()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def write_apt_sources(root: Path, one_line: str = "", deb822: str = "") -> Path:
    """An apt configuration under root/etc/apt, as a test fixture."""
    etc = root / "etc" / "apt"
    (etc / "sources.list.d").mkdir(parents=True, exist_ok=True)
    (etc / "sources.list").write_text(one_line)
    if deb822:
        (etc / "sources.list.d" / "debian.sources").write_text(deb822)
    return root
