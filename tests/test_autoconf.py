"""autoconf 2.72 comes from the Debian archive; a non-root user is told to install a file that exists."""

from __future__ import annotations

from pathlib import Path

import pytest

from ownbench import autoconf
from ownbench.errors import ToolkitError


def test_non_root_is_told_to_install_the_downloaded_deb(monkeypatch: pytest.MonkeyPatch) -> None:
    fetched: list[Path] = []

    def fake_download(pool_path: str, dest: Path, sha256: str) -> str:
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(b"deb")
        fetched.append(dest)
        return f"http://mirror/{pool_path}"

    monkeypatch.setattr(autoconf, "autoconf_version", lambda: "2.71")
    monkeypatch.setattr(autoconf.apt_mirror, "download_from_pool", fake_download)
    monkeypatch.setattr(autoconf.system_deps.os, "geteuid", lambda: 1000)
    with pytest.raises(ToolkitError) as caught:
        autoconf.ensure_autoconf()
    (deb,) = fetched
    assert f"apt-get install -y {deb}" in str(caught.value)
    assert deb.is_file()
