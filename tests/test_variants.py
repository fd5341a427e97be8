"""The variant table and the command line's handling of variant names."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ownbench.arch import native_arch
from ownbench.bench.profiles import PARTS, PROFILES, get_profile
from ownbench.build import BuildOptions, _install_prefix, configure_flags, load_installed
from ownbench.errors import ToolkitError
from ownbench.tsan import build_suffix
from ownbench.variants import PGO_FLAGS, VARIANTS, get_variant, select_variants
from ownbench.versions import get_release

REPO = Path(__file__).resolve().parent.parent
SPELLINGS = "valid variants: stock, ft, owner, owner:transfer, owner:share, owner:adaptive, all"


def test_three_variants_with_their_configure_flags() -> None:
    assert list(VARIANTS) == ["stock", "ft", "owner"]
    assert "--disable-gil" not in configure_flags(VARIANTS["stock"], BuildOptions())
    assert "--disable-gil" in configure_flags(VARIANTS["ft"], BuildOptions())
    assert set(VARIANTS["ft"].configure_flags) <= set(VARIANTS["owner"].configure_flags)
    assert [v.abiflags for v in VARIANTS.values()] == ["", "t", "t"]
    assert [v.gil_enabled for v in VARIANTS.values()] == [True, False, False]
    assert [v.patched for v in VARIANTS.values()] == [False, False, True]
    assert [v.ownership for v in VARIANTS.values()] == [False, False, True]
    assert "--with-ownership" in VARIANTS["owner"].configure_flags
    assert "--enable-optimizations" in configure_flags(VARIANTS["ft"], BuildOptions(pgo=True))


def test_selection() -> None:
    assert [v.name for v in select_variants("all")] == ["stock", "ft", "owner"]
    assert [v.name for v in select_variants("ft, stock,ft")] == ["ft", "stock"]
    with pytest.raises(ToolkitError, match=SPELLINGS):
        get_variant("nope")


def invoke(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "invoke", *args], cwd=REPO, capture_output=True, text=True)


def test_cli_unknown_variant_lists_valid_ones() -> None:
    result = invoke("build", "--variant", "nope")
    assert result.returncode == 1
    assert f"unknown variant 'nope'; {SPELLINGS}" in result.stderr


def test_cli_lists_every_task_with_help() -> None:
    listing = invoke("--list").stdout
    for name in ("fetch", "patch", "build", "test", "bench", "report", "reproduce", "selftest", "regen-configure",
                 "abi-check", "docker-check", "profile"):
        line = next((ln for ln in listing.splitlines() if ln.strip().startswith(name + " ")), "")
        assert len(line.split(maxsplit=1)) == 2, f"task {name} has no help line in:\n{listing}"


def test_rounds_override_the_profile() -> None:
    assert get_profile("quick").rounds == PROFILES["quick"].rounds
    assert get_profile("quick", 4).rounds == 4
    assert get_profile("quick", 4).pyperformance_benchmarks == PROFILES["quick"].pyperformance_benchmarks
    with pytest.raises(ToolkitError, match="--rounds"):
        get_profile("quick", -1)


def test_the_ownership_profile_runs_issue_10s_benchmarks_only() -> None:
    profile = get_profile("ownership")
    assert profile.parts == ("pyperformance", "scaling", "ownership") and profile.ownership.rounds >= 10
    assert profile.pyperformance_benchmarks == ("concurrent_imap",) and profile.rounds >= 10
    assert profile.scaling_repeats >= 10 and profile.scaling_threads[0] == 1
    assert get_profile("ownership", 4).rounds == 4
    with pytest.raises(ToolkitError, match="pyperformance rounds, which profile 'callgrind' does not run"):
        get_profile("callgrind", 4)


def test_quick_benchmarks_are_names_pyperformance_knows() -> None:
    """pyperformance only warns about an unknown -b name and runs nothing: every name must be in its manifest."""
    quick, ownership = PROFILES["quick"].pyperformance_benchmarks, PROFILES["ownership"].pyperformance_benchmarks
    assert quick is not None and ownership is not None
    assert {"asyncio_tcp", "asyncio_tcp_ssl", "coroutines", "xml_etree"} <= set(quick)
    names = (*quick, *ownership)
    listing = subprocess.run([sys.executable, "-m", "pyperformance", "list", "-b", ",".join(names)],
                             capture_output=True, text=True, check=True)
    listed = [ln[2:].strip() for ln in listing.stdout.splitlines() if ln.startswith("- ")]
    assert sorted(listed) == sorted(names), listing.stderr


def test_pgo_builds_have_their_own_directories_and_flags() -> None:
    owner, arch = VARIANTS["owner"], native_arch()
    assert _install_prefix(owner, arch).name == "install"
    assert _install_prefix(owner, arch, pgo=True).name == "install-pgo"
    assert build_suffix(arch, False, True) == "-pgo"
    assert {"--enable-optimizations", "--with-lto"} <= set(configure_flags(owner, BuildOptions(arch=arch, pgo=True)))
    assert not set(PGO_FLAGS) & set(configure_flags(owner, BuildOptions(arch=arch)))
    with pytest.raises(ToolkitError, match=r"not built with PGO\+LTO .*--pgo`"):
        load_installed(owner, get_release(), arch, pgo=True)


def test_every_profile_runs_known_parts_in_their_order() -> None:
    for profile in PROFILES.values():
        assert set(profile.parts) <= set(PARTS), profile.name
        assert list(profile.parts) == [p for p in PARTS if p in profile.parts], profile.name
