"""The Debian mirror comes from the apt configuration, never a hard-coded host."""

from pathlib import Path

from conftest import write_apt_sources

from ownbench.apt_mirror import debian_mirrors

DEB822 = """\
Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://mirror.example.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://security.example.org/debian-security
Suites: bookworm-security
Components: main

Types: deb
URIs: https://disabled.example.org/debian
Suites: bookworm
Components: main
Enabled: no

Types: deb
URIs: https://third-party.example.org/apt
Suites: nodistro
Components: stable
"""


def test_deb822_mirrors_security_last_disabled_and_foreign_skipped(tmp_path: Path) -> None:
    root = write_apt_sources(tmp_path, deb822=DEB822)
    assert debian_mirrors(root) == ["http://mirror.example.org/debian", "http://security.example.org/debian-security"]


def test_one_line_format_with_options_and_comments(tmp_path: Path) -> None:
    one_line = """\
# deb http://commented.example.org/debian bookworm main
deb [arch=amd64 signed-by=/usr/share/keyrings/k.gpg] https://one.example.org/debian/ bookworm main contrib
deb cdrom:[Debian 12]/ bookworm main
deb-src http://two.example.org/debian bookworm main
"""
    root = write_apt_sources(tmp_path, one_line=one_line)
    assert debian_mirrors(root) == ["https://one.example.org/debian", "http://two.example.org/debian"]


def test_list_before_sources_and_duplicates_once(tmp_path: Path) -> None:
    root = write_apt_sources(tmp_path, one_line="deb http://mirror.example.org/debian bookworm main\n", deb822=DEB822)
    mirrors = debian_mirrors(root)
    assert mirrors[0] == "http://mirror.example.org/debian"
    assert mirrors.count("http://mirror.example.org/debian") == 1


def test_no_configuration_means_no_mirror(tmp_path: Path) -> None:
    assert debian_mirrors(tmp_path) == []
