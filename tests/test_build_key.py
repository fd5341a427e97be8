"""The build key covers every input of a build, so a changed input never reuses an old build."""

from __future__ import annotations

from pathlib import Path

import pytest

from ownbench import build
from ownbench.worktree import WorkTree

FLAGS = ["--disable-gil"]
COMPILER = "gcc (Debian 12.2.0-14) 12.2.0"


@pytest.fixture
def fixed_tree(monkeypatch: pytest.MonkeyPatch) -> WorkTree:
    """A work tree whose sources never change, so only the other inputs move the key."""
    monkeypatch.setattr(build, "_tree_state", lambda tree: "tree")
    for name in build.CONFIGURE_ENV:
        monkeypatch.delenv(name, raising=False)
    return object()  # type: ignore[return-value]


def test_user_environment_reaching_configure_changes_the_key(
        fixed_tree: WorkTree, monkeypatch: pytest.MonkeyPatch) -> None:
    plain = build._build_key(FLAGS, fixed_tree, COMPILER, {"CC": "ccache gcc"})
    monkeypatch.setenv("CFLAGS", "-O1")
    assert build._build_key(FLAGS, fixed_tree, COMPILER, {"CC": "ccache gcc"}) != plain
    monkeypatch.delenv("CFLAGS")
    monkeypatch.setenv("AR", "gcc-ar")  # the archiver that makes libpython.a
    assert build._build_key(FLAGS, fixed_tree, COMPILER, {"CC": "ccache gcc"}) != plain
    monkeypatch.delenv("AR")
    monkeypatch.setenv("HOME", "/elsewhere")  # does not reach the build
    assert build._build_key(FLAGS, fixed_tree, COMPILER, {"CC": "ccache gcc"}) == plain


def test_toolkit_environment_compiler_flags_and_recipe_change_the_key(
        fixed_tree: WorkTree, monkeypatch: pytest.MonkeyPatch) -> None:
    plain = build._build_key(FLAGS, fixed_tree, COMPILER, {"CC": "ccache gcc"})
    others = {
        build._build_key(FLAGS, fixed_tree, COMPILER, {"CC": "gcc"}),
        build._build_key(FLAGS, fixed_tree, "gcc 13.1", {"CC": "ccache gcc"}),
        build._build_key([*FLAGS, "--enable-optimizations"], fixed_tree, COMPILER, {"CC": "ccache gcc"}),
    }
    monkeypatch.setattr(build, "RECIPE_VERSION", build.RECIPE_VERSION + 1)
    others.add(build._build_key(FLAGS, fixed_tree, COMPILER, {"CC": "ccache gcc"}))
    assert plain not in others and len(others) == 4


def test_a_pgo_rebuild_runs_the_profile_again(tmp_path: Path) -> None:
    for name in ("profile-run-stamp", "profile-clean-stamp", "python", "Makefile"):
        (tmp_path / name).write_text("")
    build.forget_profile(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Makefile", "python"]
