"""Source resolution: fallback order, cache, checksum errors, git and Debian paths."""

from __future__ import annotations

import http.server
import shutil
import threading
from pathlib import Path

import pytest
from conftest import TinySource, write_apt_sources

from ownbench import paths
from ownbench.download import ChecksumMismatch
from ownbench.errors import ToolkitError
from ownbench.sources import (
    DebianArchive,
    DownloadCache,
    GitClone,
    LocalTarball,
    PythonOrg,
    Source,
    SourceOptions,
    default_chain,
    fetch,
)
from ownbench.versions import RELEASES, get_release


def publish_debian(www: Path, tiny: TinySource) -> None:
    """Lay the tarball out as Debian's pool does."""
    pool = www / "debian" / "pool" / "main" / "p" / "python9.9"
    pool.mkdir(parents=True)
    shutil.copy(tiny.tarball, pool / "python9.9_9.9.9.orig.tar.xz")


def debian_apt_root(tmp_path: Path, base_url: str) -> Path:
    return write_apt_sources(
        tmp_path / "aptroot",
        deb822=f"Types: deb\nURIs: {base_url}/debian\nSuites: bookworm\nComponents: main\n",
    )


def test_chain_order_falls_through_to_debian(
    tiny_source: TinySource, http_root: tuple[Path, str], tmp_path: Path
) -> None:
    www, url = http_root
    publish_debian(www, tiny_source)
    options = SourceOptions(
        tarball=None,
        git_remote=str(tmp_path / "no-such-remote"),
        python_org=f"{url}/python-org",  # nothing published there: HTTP 404
        apt_root=debian_apt_root(tmp_path, url),
    )
    archive = fetch(tiny_source.release, paths.cache_dir(), default_chain(options))
    assert [s.split(":")[0] for s in archive.skipped] == ["--tarball", "download cache", "git", "python.org"]
    assert "HTTP 404" in archive.skipped[3]
    assert archive.origin == f"{url}/debian/pool/main/p/python9.9/python9.9_9.9.9.orig.tar.xz"
    assert archive.path == paths.cache_dir() / "Python-9.9.9.tar.xz"
    assert archive.path.read_bytes() == tiny_source.tarball.read_bytes()

    again = fetch(tiny_source.release, paths.cache_dir(), default_chain(options))
    assert again.origin == str(archive.path)  # served from the download cache
    assert [s.split(":")[0] for s in again.skipped] == ["--tarball"]


def test_local_tarball_first(tiny_source: TinySource) -> None:
    archive = fetch(tiny_source.release, paths.cache_dir(), default_chain(SourceOptions(tarball=tiny_source.tarball)))
    assert archive.origin == str(tiny_source.tarball)
    assert archive.digest == f"sha256:{tiny_source.release.sha256}"


def test_python_org_checksum_mismatch_names_both_hashes_and_leaves_nothing(
    tiny_source: TinySource, http_root: tuple[Path, str]
) -> None:
    www, url = http_root
    (www / "9.9.9").mkdir()
    (www / "9.9.9" / "Python-9.9.9.tar.xz").write_bytes(b"not the release")
    with pytest.raises(ChecksumMismatch) as caught:
        fetch(tiny_source.release, paths.cache_dir(), [PythonOrg(url)])
    message = str(caught.value)
    assert tiny_source.release.sha256 in message
    assert caught.value.actual in message and caught.value.actual != caught.value.expected
    assert f"{url}/9.9.9/Python-9.9.9.tar.xz" in message
    assert not paths.cache_dir().exists() or list(paths.cache_dir().iterdir()) == []


def test_corrupt_cache_entry_is_reported_and_removed(tiny_source: TinySource) -> None:
    cache = paths.cache_dir()
    fetch(tiny_source.release, cache, [LocalTarball(tiny_source.tarball)])
    cached = cache / "Python-9.9.9.tar.xz"
    cached.write_bytes(cached.read_bytes()[:-10] + b"corrupted!")
    with pytest.raises(ChecksumMismatch, match="removed from the cache"):
        fetch(tiny_source.release, cache, [DownloadCache()])
    assert not cached.exists()


def test_wrong_local_tarball_is_a_checksum_error(tiny_source: TinySource, tmp_path: Path) -> None:
    other = tmp_path / "other.tar.xz"
    other.write_bytes(b"something else")
    with pytest.raises(ChecksumMismatch, match=str(other)):
        fetch(tiny_source.release, paths.cache_dir(), [LocalTarball(other)])


def test_git_clone_checks_pinned_commit_and_caches_an_export(tiny_source: TinySource) -> None:
    archive = fetch(tiny_source.release, paths.cache_dir(), [GitClone(str(tiny_source.git_remote))])
    assert archive.digest == f"git:{tiny_source.release.git_commit}"
    cached = fetch(tiny_source.release, paths.cache_dir(), [DownloadCache()])
    assert cached.path == archive.path


def test_git_clone_rejects_a_tag_at_another_commit(tiny_source: TinySource) -> None:
    release = type(tiny_source.release)(tiny_source.release.version, tiny_source.release.sha256, "0" * 40)
    with pytest.raises(ToolkitError, match="pinned to 0000"):
        fetch(release, paths.cache_dir(), [GitClone(str(tiny_source.git_remote))])


def test_every_source_failing_lists_the_reasons(tiny_source: TinySource, tmp_path: Path) -> None:
    chain: list[Source] = [DownloadCache(), DebianArchive(tmp_path / "empty-apt-root")]
    with pytest.raises(ToolkitError, match="no http\\(s\\) apt repository"):
        fetch(tiny_source.release, paths.cache_dir(), chain)


def test_versions_table() -> None:
    release = get_release("3.14.7")
    assert release.tarball_name == "Python-3.14.7.tar.xz"
    assert release.git_tag == "v3.14.7"
    assert release.series == "3.14"
    assert all(len(r.sha256) == 64 and len(r.git_commit) == 40 for r in RELEASES.values())
    with pytest.raises(ToolkitError, match="known versions: 3.14.7"):
        get_release("3.14.99")


class _CutShort(http.server.BaseHTTPRequestHandler):
    """Promises a megabyte, sends ten bytes, hangs up."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(1 << 20))
        self.end_headers()
        self.wfile.write(b"0123456789")
        self.close_connection = True

    def log_message(self, *args: object) -> None:
        pass


def test_truncated_download_falls_through_to_the_next_source(
    tiny_source: TinySource, http_root: tuple[Path, str]
) -> None:
    www, url = http_root
    (www / "9.9.9").mkdir()
    shutil.copy(tiny_source.tarball, www / "9.9.9" / "Python-9.9.9.tar.xz")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _CutShort)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        cut = f"http://127.0.0.1:{server.server_address[1]}"
        archive = fetch(tiny_source.release, paths.cache_dir(), [PythonOrg(cut), PythonOrg(url)])
    finally:
        server.shutdown()
    assert "truncated download" in archive.skipped[0]
    assert archive.origin == f"{url}/9.9.9/Python-9.9.9.tar.xz"
    assert archive.path.read_bytes() == tiny_source.tarball.read_bytes()
