"""Where a run comes from: the toolkit's own commit, and whether its tree had uncommitted changes."""

from __future__ import annotations

import git

from . import paths
from .worktree import default_series


def toolkit_state() -> dict[str, object]:
    """The toolkit checkout's HEAD commit and whether tracked files differ from it (None outside git)."""
    try:
        repo = git.Repo(paths.REPO_ROOT)
        return {"commit": repo.head.commit.hexsha, "dirty": repo.is_dirty(untracked_files=False)}
    except (git.InvalidGitRepositoryError, git.NoSuchPathError, ValueError):
        return {"commit": None, "dirty": None}


def committed_series_digest() -> str | None:
    """The digest of patches/ and the overlay as committed at the toolkit's HEAD, or None when it cannot be told.

    Uncommitted edits do not count: a run is evidence for the committed patches only.
    """
    try:
        repo = git.Repo(paths.REPO_ROOT)
        changed = any(repo.is_dirty(untracked_files=True, path=str(d.relative_to(paths.REPO_ROOT)))
                      for d in (paths.PATCHES_DIR, paths.OVERLAY_DIR))
    except (git.InvalidGitRepositoryError, git.NoSuchPathError, ValueError):
        return None
    return None if changed else default_series().digest()
