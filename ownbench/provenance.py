"""Where a run comes from: the toolkit's own commit, and whether its tree had uncommitted changes."""

from __future__ import annotations

from typing import Any

import git

from . import paths
from .worktree import default_series


def _repo() -> git.Repo | None:
    """The toolkit's own checkout, or None outside git."""
    try:
        return git.Repo(paths.REPO_ROOT)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None


def toolkit_state() -> dict[str, object]:
    """The toolkit checkout's HEAD commit and whether tracked files differ from it (None outside git)."""
    repo = _repo()
    if repo is None or not repo.head.is_valid():
        return {"commit": None, "dirty": None}
    return {"commit": repo.head.commit.hexsha, "dirty": repo.is_dirty(untracked_files=False)}


def committed_series_digest() -> str | None:
    """The digest of patches/ and the overlay as committed at the toolkit's HEAD, or None when it cannot be told.

    Uncommitted edits do not count: a run is evidence for the committed patches only.
    """
    repo = _repo()
    if repo is None:
        return None
    changed = any(repo.is_dirty(untracked_files=True, path=str(d.relative_to(paths.REPO_ROOT)))
                  for d in (paths.PATCHES_DIR, paths.OVERLAY_DIR))
    return None if changed else default_series().digest()


def owner_series(run: dict[str, Any]) -> str:
    """The series digest of a run's owner build (its ThreadSanitizer build in a TSan run), or ""."""
    for name, manifest in run.get("manifests", {}).items():
        if name.split("-")[0] == "owner":
            return str(manifest.get("series", ""))
    return ""
