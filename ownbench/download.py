"""Download or copy a file while checking its SHA-256, never leaving a bad file behind."""

from __future__ import annotations

import hashlib
import http.client
import os
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from .console import download_progress
from .errors import ToolkitError

CONNECT_TIMEOUT_S = 15
CHUNK = 1 << 20


class ChecksumMismatch(ToolkitError):
    """The bytes obtained do not have the pinned SHA-256."""

    def __init__(self, origin: str, expected: str, actual: str) -> None:
        super().__init__(
            f"checksum mismatch for {origin}\n  expected sha256 {expected}\n  actual   sha256 {actual}"
        )
        self.origin = origin
        self.expected = expected
        self.actual = actual


class DownloadFailed(Exception):
    """The URL could not be read (network, HTTP status); the reason is the message."""


def sha256_of(path: Path) -> str:
    """SHA-256 hex digest of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _copy_hashing(src: BinaryIO, dest: BinaryIO, total: int | None, label: str) -> tuple[str, int]:
    """Copy src to dest; return the SHA-256 and the number of bytes copied."""
    digest = hashlib.sha256()
    size = 0
    with download_progress() as progress:
        task = progress.add_task(label, total=total)
        for chunk in iter(lambda: src.read(CHUNK), b""):
            digest.update(chunk)
            dest.write(chunk)
            size += len(chunk)
            progress.advance(task, len(chunk))
    return digest.hexdigest(), size


def _store(dest: Path, origin: str, expected_sha256: str, fill: Callable[[BinaryIO], str]) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            actual = fill(out)
        if actual != expected_sha256:
            raise ChecksumMismatch(origin, expected_sha256, actual)
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)


def download_verified(url: str, dest: Path, expected_sha256: str) -> None:
    """Fetch `url` into `dest` atomically; raise DownloadFailed or ChecksumMismatch."""

    def fill(out: BinaryIO) -> str:
        try:
            with urllib.request.urlopen(url, timeout=CONNECT_TIMEOUT_S) as response:
                length = response.headers.get("Content-Length")
                expected = int(length) if length else None
                digest, size = _copy_hashing(response, out, expected, Path(url).name)
        except http.client.IncompleteRead as exc:
            raise DownloadFailed(f"truncated download from {url}: the connection closed early") from exc
        except urllib.error.HTTPError as exc:
            raise DownloadFailed(f"HTTP {exc.code} from {url}") from exc
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise DownloadFailed(f"cannot reach {url}: {reason}") from exc
        if expected is not None and size != expected:
            # A cut connection, not a bad file: the next source may do better.
            raise DownloadFailed(f"truncated download from {url}: {size} of {expected} bytes")
        return digest

    _store(dest, url, expected_sha256, fill)


def copy_verified(src: Path, dest: Path, expected_sha256: str) -> None:
    """Copy a local file into `dest` atomically if it has the expected SHA-256."""

    def fill(out: BinaryIO) -> str:
        with src.open("rb") as f:
            return _copy_hashing(f, out, src.stat().st_size, src.name)[0]

    _store(dest, str(src), expected_sha256, fill)

