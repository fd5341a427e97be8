"""Architecture names, cross-build configuration and the emulation guard."""

from __future__ import annotations

import platform
from pathlib import Path

import pytest

from ownbench.arch import ARCHES, arch_suffix, cross_packages, get_arch, native_arch
from ownbench.bench.profiles import get_profile
from ownbench.build import cross_env, cross_flags, interpreter_path
from ownbench.errors import ToolkitError
from ownbench.pipeline import run_benchmarks
from ownbench.variants import VARIANTS
from ownbench.versions import get_release


def test_names_and_aliases() -> None:
    assert get_arch("native").machine == platform.machine()
    assert get_arch("aarch64") == get_arch("arm64") == ARCHES["arm64"]
    assert get_arch("x86_64") == ARCHES["amd64"]
    with pytest.raises(ToolkitError, match="unknown architecture 'sparc'; valid: native, amd64, arm64"):
        get_arch("sparc")


@pytest.mark.skipif(platform.machine() != "x86_64", reason="cross builds are made from x86-64")
def test_arm64_is_cross_built_next_to_the_native_tree() -> None:
    arm64 = get_arch("arm64")
    assert not arm64.native and native_arch().native
    assert arch_suffix(arm64) == "-aarch64" and arch_suffix(native_arch()) == ""
    flags = cross_flags(arm64, Path("/b/python3.14"))
    assert "--host=aarch64-linux-gnu" in flags and "--with-build-python=/b/python3.14" in flags
    assert cross_env(arm64)["CC"] == "ccache aarch64-linux-gnu-gcc"
    assert "libssl-dev:arm64" in cross_packages(arm64) and "qemu-user-static" in cross_packages(arm64)
    release = get_release()
    native_python = interpreter_path(VARIANTS["ft"], release, native_arch())
    arm_python = interpreter_path(VARIANTS["ft"], release, arm64)
    assert native_python.parent.parent.name == "install" and arm_python.parent.parent.name == "install-aarch64"
    assert arm_python.name == "python3.14t"


@pytest.mark.skipif(platform.machine() != "x86_64", reason="arm64 is only emulated on x86-64")
def test_emulated_benchmarks_are_refused_without_allow_emulated(tmp_path: Path) -> None:
    with pytest.raises(ToolkitError, match="--allow-emulated"):
        run_benchmarks([VARIANTS["stock"]], get_release(), get_profile("quick"), tmp_path, "t", get_arch("arm64"))
    assert not (tmp_path / "run.json").exists()
