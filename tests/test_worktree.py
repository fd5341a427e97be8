"""Patch application with gitpython: commits per patch, failures, idempotency, refresh."""

from __future__ import annotations

import shutil
from pathlib import Path

import git
import pytest
from conftest import TinySource

from ownbench import paths
from ownbench.errors import ToolkitError
from ownbench.sources import LocalTarball, SourceArchive, fetch
from ownbench.worktree import BASELINE_TAG, PatchFailed, Series, WorkTree

FIXTURES = Path(__file__).parent / "fixtures"


def series_copy(tmp_path: Path, name: str) -> Series:
    """A writable copy of a fixture series, with a one-file overlay."""
    patches = tmp_path / f"patches-{name}"
    shutil.copytree(FIXTURES / name, patches)
    overlay = tmp_path / "overlay"
    (overlay / "Lib" / "test" / "test_ownership").mkdir(parents=True, exist_ok=True)
    (overlay / "Lib" / "test" / "test_ownership" / "__init__.py").write_text("# overlay file\n")
    return Series(patches, overlay)


def patches_of(series: Series) -> Path:
    assert series.patches_dir is not None
    return series.patches_dir


@pytest.fixture
def archive(tiny_source: TinySource) -> SourceArchive:
    return fetch(tiny_source.release, paths.cache_dir(), [LocalTarball(tiny_source.tarball)])


@pytest.fixture
def tree(tmp_path: Path) -> WorkTree:
    return WorkTree(tmp_path / "build" / "owner")


def test_series_applies_one_commit_per_patch_then_overlay(
    tree: WorkTree, archive: SourceArchive, tmp_path: Path
) -> None:
    tree.prepare(archive, series_copy(tmp_path, "good"))
    repo = git.Repo(tree.src)
    assert "/* line 20: owner fast path */" in (tree.src / "Objects/listobject.c").read_text()
    head = repo.head.commit
    assert head.summary == "Mark the list fast path"
    assert "so that applying it can be checked" in str(head.message)
    assert head.parents[0] == repo.tags[BASELINE_TAG].commit
    assert (tree.src / "Lib/test/test_ownership/__init__.py").read_text() == "# overlay file\n"
    assert not repo.is_dirty(untracked_files=True)  # overlay files are excluded, not committed


def test_broken_patch_names_patch_and_file_and_leaves_baseline(
    tree: WorkTree, archive: SourceArchive, tmp_path: Path
) -> None:
    with pytest.raises(PatchFailed) as caught:
        tree.prepare(archive, series_copy(tmp_path, "broken"))
    message = str(caught.value)
    assert "0002-Rename-list-line-thirty.patch" in message
    assert "Objects/listobject.c" in message
    repo = git.Repo(tree.src)
    assert repo.head.commit == repo.tags[BASELINE_TAG].commit
    assert "owner fast path" not in (tree.src / "Objects/listobject.c").read_text()
    assert not repo.is_dirty(untracked_files=False)


def test_rerun_changes_nothing(tree: WorkTree, archive: SourceArchive, tmp_path: Path) -> None:
    series = series_copy(tmp_path, "good")
    tree.prepare(archive, series)
    repo = git.Repo(tree.src)
    head, commits = repo.head.commit.hexsha, len(list(repo.iter_commits()))
    stamps = {p: p.stat().st_mtime_ns for p in tree.src.rglob("*") if p.is_file() and ".git" not in p.parts}
    tree.prepare(archive, series)
    assert repo.head.commit.hexsha == head
    assert len(list(repo.iter_commits())) == commits
    assert stamps == {p: p.stat().st_mtime_ns for p in stamps}


def test_refresh_round_trip_is_byte_identical(tree: WorkTree, archive: SourceArchive, tmp_path: Path) -> None:
    series = series_copy(tmp_path, "good")
    original = {p.name: p.read_bytes() for p in patches_of(series).iterdir()}
    tree.prepare(archive, series)
    written = tree.refresh(series)
    assert [p.name for p in written] == ["0001-Mark-the-list-fast-path.patch"]
    assert {p.name: p.read_bytes() for p in patches_of(series).iterdir()} == original


def test_commit_in_tree_refreshes_into_a_new_numbered_patch(
    tree: WorkTree, archive: SourceArchive, tmp_path: Path
) -> None:
    series = series_copy(tmp_path, "good")
    tree.prepare(archive, series)
    repo = git.Repo(tree.src)
    (tree.src / "Lib/ownership_demo.py").write_text("VALUE = 2\n")
    repo.git.commit("-am", "Change the demo value\n\nWhy: to test refresh.")
    written = tree.refresh(series)
    assert [p.name for p in written] == ["0001-Mark-the-list-fast-path.patch", "0002-Change-the-demo-value.patch"]
    assert (patches_of(series) / "series").read_text().splitlines() == [p.name for p in written]
    fresh = WorkTree(tmp_path / "build" / "fresh")
    fresh.prepare(archive, series)
    assert (fresh.src / "Lib/ownership_demo.py").read_text() == "VALUE = 2\n"
    assert git.Repo(fresh.src).head.commit.summary == "Change the demo value"


def test_unrefreshed_commits_are_not_thrown_away(tree: WorkTree, archive: SourceArchive, tmp_path: Path) -> None:
    series = series_copy(tmp_path, "good")
    tree.prepare(archive, series)
    repo = git.Repo(tree.src)
    (tree.src / "README.rst").write_text("edited\n")
    repo.git.commit("-am", "Work in progress")
    (patches_of(series) / "series").write_text("")  # the series changes meanwhile
    with pytest.raises(Exception, match=r"./toolkit patch --refresh"):
        tree.prepare(archive, series)
    assert repo.head.commit.summary == "Work in progress"


def test_refresh_refuses_uncommitted_edits(tree: WorkTree, archive: SourceArchive, tmp_path: Path) -> None:
    series = series_copy(tmp_path, "good")
    tree.prepare(archive, series)
    (tree.src / "README.rst").write_text("edited, not committed\n")
    with pytest.raises(Exception, match="uncommitted changes"):
        tree.refresh(series)


def test_failed_series_never_refreshes_over_patches(tree: WorkTree, archive: SourceArchive, tmp_path: Path) -> None:
    series = series_copy(tmp_path, "good")
    tree.prepare(archive, series)
    shutil.rmtree(patches_of(series))
    shutil.copytree(FIXTURES / "broken", patches_of(series))  # an edited patch that no longer applies
    before = {p.name: p.read_bytes() for p in patches_of(series).iterdir()}
    with pytest.raises(PatchFailed):
        tree.prepare(archive, series)
    with pytest.raises(PatchFailed):  # not "has commits that are not in patches/": the tree holds no work
        tree.prepare(archive, series)
    with pytest.raises(Exception, match="does not hold an applied series"):
        tree.refresh(series)
    assert {p.name: p.read_bytes() for p in patches_of(series).iterdir()} == before


def test_refresh_refuses_to_drop_patches_without_the_flag(
    tree: WorkTree, archive: SourceArchive, tmp_path: Path
) -> None:
    series = series_copy(tmp_path, "good")
    tree.prepare(archive, series)
    repo = git.Repo(tree.src)
    repo.git.reset("--hard", BASELINE_TAG)  # the user dropped the only commit
    with pytest.raises(Exception, match="refusing to drop patches"):
        tree.refresh(series)
    assert (patches_of(series) / "0001-Mark-the-list-fast-path.patch").is_file()
    assert tree.refresh(series, allow_fewer=True) == []
    assert (patches_of(series) / "series").read_text() == ""


def test_refresh_refuses_a_history_it_cannot_write_out(tree: WorkTree, archive: SourceArchive, tmp_path: Path) -> None:
    series = series_copy(tmp_path, "good")
    tree.prepare(archive, series)
    repo = git.Repo(tree.src)
    repo.git.checkout("-q", "-b", "side", BASELINE_TAG)
    (tree.src / "README.rst").write_text("edited on a branch\n")
    repo.git.commit("-qam", "Edit on a branch")
    repo.git.checkout("-q", "-")
    repo.git.merge("-q", "--no-edit", "side")  # 3 commits since the baseline; format-patch writes 2 of them
    before = {p.name: p.read_bytes() for p in patches_of(series).iterdir()}
    with pytest.raises(ToolkitError, match="merge commits are not written"):
        tree.refresh(series)
    assert {p.name: p.read_bytes() for p in patches_of(series).iterdir()} == before


def test_refresh_refuses_when_patches_changed_on_disk(tree: WorkTree, archive: SourceArchive, tmp_path: Path) -> None:
    series = series_copy(tmp_path, "good")
    tree.prepare(archive, series)
    edited = patches_of(series) / "0001-Mark-the-list-fast-path.patch"
    edited.write_text(edited.read_text().replace("so that applying it", "so that applying this"))
    with pytest.raises(Exception, match="changed since"):
        tree.refresh(series)
    assert "so that applying this" in edited.read_text()


def test_refresh_ignores_overlay_changes(tree: WorkTree, archive: SourceArchive, tmp_path: Path) -> None:
    series = series_copy(tmp_path, "good")
    tree.prepare(archive, series)
    assert series.overlay_dir is not None
    (series.overlay_dir / "Lib" / "test" / "test_ownership" / "test_new.py").write_text("# a new test\n")
    assert [p.name for p in tree.refresh(series)] == ["0001-Mark-the-list-fast-path.patch"]


def test_overlay_change_keeps_unrefreshed_commits(tree: WorkTree, archive: SourceArchive, tmp_path: Path) -> None:
    series = series_copy(tmp_path, "good")
    tree.prepare(archive, series)
    repo = git.Repo(tree.src)
    (tree.src / "README.rst").write_text("edited\n")
    repo.git.commit("-am", "Work in progress")
    assert series.overlay_dir is not None
    (series.overlay_dir / "Lib" / "test" / "test_ownership" / "test_new.py").write_text("# a new test\n")
    tree.prepare(archive, series)
    assert repo.head.commit.summary == "Work in progress"
    assert (tree.src / "Lib/test/test_ownership/test_new.py").read_text() == "# a new test\n"
    written = tree.refresh(series)
    assert [p.name for p in written][-1] == "0002-Work-in-progress.patch"
