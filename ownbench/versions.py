"""Pinned CPython releases: adding one is adding a line to RELEASES."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import ToolkitError


@dataclass(frozen=True)
class Release:
    """A CPython release and what pins its source."""

    version: str
    sha256: str
    """SHA-256 of python.org's Python-<version>.tar.xz (Debian's orig tarball is the same file)."""
    git_commit: str
    """Commit the v<version> tag must point at when the source comes from git."""

    @property
    def tarball_name(self) -> str:
        return f"Python-{self.version}.tar.xz"

    @property
    def git_tag(self) -> str:
        return f"v{self.version}"

    @property
    def series(self) -> str:
        """Major.minor, e.g. '3.14' (Debian's source package is python3.14)."""
        return ".".join(self.version.split(".")[:2])


RELEASES: dict[str, Release] = {
    r.version: r
    for r in (
        Release(
            "3.14.7",
            "3b48dac8fb59f62eaa67ac83c1eb12bda1b7a08406dd286e252c11a66be27f81",
            "823f0323ee6ec1402088b73bce1a38473cac36dc",
        ),
    )
}

DEFAULT_VERSION = "3.14.7"


def get_release(version: str = DEFAULT_VERSION) -> Release:
    """Look up a pinned release, naming the known ones when it is not pinned."""
    try:
        return RELEASES[version]
    except KeyError:
        known = ", ".join(sorted(RELEASES))
        raise ToolkitError(f"CPython {version} is not pinned; known versions: {known}") from None
