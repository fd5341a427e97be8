"""Per-variant CPython work trees: pristine baseline, patch series as commits, overlay."""

from __future__ import annotations

import filecmp
import hashlib
import json
import re
import shutil
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

import git

from . import paths
from .console import note, step
from .errors import ToolkitError
from .results import write_json
from .sources import SourceArchive
from .variants import Variant

BASELINE_TAG = "ownbench-baseline"
IDENTITY = {"user.name": "ownbench", "user.email": "ownbench@localhost"}


class PatchFailed(ToolkitError):
    """A patch of the series does not apply to the pristine source."""


@dataclass(frozen=True)
class Series:
    """The patch files of `patches/series` in order, plus the overlay directory (None: nothing)."""

    patches_dir: Path | None
    overlay_dir: Path | None

    def patch_files(self) -> list[Path]:
        if self.patches_dir is None or not (self.patches_dir / "series").is_file():
            return []
        listing = self.patches_dir / "series"
        names = [ln.strip() for ln in listing.read_text().splitlines()]
        files = [self.patches_dir / n for n in names if n and not n.startswith("#")]
        for f in files:
            if not f.is_file():
                raise ToolkitError(f"{listing} lists {f.name}, which does not exist")
        return files

    def overlay_files(self) -> list[Path]:
        if self.overlay_dir is None or not self.overlay_dir.is_dir():
            return []
        return sorted(p for p in self.overlay_dir.rglob("*") if p.is_file() and "__pycache__" not in p.parts)

    def overlay_path(self, file: Path) -> Path:
        """Where an overlay file goes, relative to the source tree."""
        assert self.overlay_dir is not None
        return file.relative_to(self.overlay_dir)

    def patches_digest(self) -> str:
        """Hash of the series and the patches alone: what `patch --refresh` would overwrite."""
        return self._hash_patches().hexdigest()

    def _hash_patches(self) -> hashlib._Hash:
        h = hashlib.sha256()
        for f in self.patch_files():
            h.update(f.name.encode() + b"\0" + f.read_bytes() + b"\0")
        return h

    def digest(self) -> str:
        """Hash of the series, the patches and the overlay: what the tree is made of."""
        h = self._hash_patches()
        h.update(b"overlay\0")
        for f in self.overlay_files():
            h.update(str(self.overlay_path(f)).encode() + b"\0" + f.read_bytes() + b"\0")
        return h.hexdigest()


def default_series() -> Series:
    return Series(paths.PATCHES_DIR, paths.OVERLAY_DIR)


EMPTY_SERIES = Series(None, None)


def series_for(variant: Variant) -> Series:
    return default_series() if variant.patched else EMPTY_SERIES


def extract(archive: Path, dest: Path) -> None:
    """Unpack a tarball, with the 'data' safety filter where this Python has it."""
    with tarfile.open(archive) as tar:
        if hasattr(tarfile, "data_filter"):
            tar.extractall(dest, filter="data")
        else:  # Python 3.10 before 3.10.12
            tar.extractall(dest)


@dataclass
class WorkTree:
    """The git work tree of one variant under build/<variant>/src."""

    root: Path

    @property
    def src(self) -> Path:
        return self.root / "src"

    @property
    def state_file(self) -> Path:
        return self.root / "worktree.json"

    def state(self) -> dict[str, str]:
        if self.state_file.is_file() and (self.src / ".git").is_dir():
            return dict(json.loads(self.state_file.read_text()))
        return {}

    def repo(self) -> git.Repo:
        return git.Repo(self.src)

    def prepare(self, archive: SourceArchive, series: Series) -> None:
        """Make the tree = source + series + overlay; do nothing when it already is."""
        state = self.state()
        wanted = series.digest()
        if state and self._has_unrefreshed_commits(state):
            if state.get("source") != archive.digest or not self._made_from_patches(state, series):
                raise ToolkitError(
                    f"{self.src} has commits that are not in patches/ yet, and patches/ changed since the tree "
                    "was made; `./toolkit patch --refresh` saves the commits over patches/ "
                    "(or remove the tree to drop them)"
                )
            # Work in progress on top of the same patches: keep it, bring the overlay up to date.
            note(f"{self.src}: building its commits that are not in patches/ yet")
            self._copy_overlay(self.repo(), series)
            self._write_state({**state, "series": wanted, "patches": series.patches_digest()})
            return
        if state.get("source") != archive.digest:
            self._unpack(archive)
            state = {}
        repo = self.repo()
        if state.get("series") != wanted:
            try:
                self._apply_series(repo, series)
            except PatchFailed:
                # The tree is back at the baseline: record that, so that neither `patch` nor `patch --refresh`
                # mistakes the missing commits for work of the user's.
                self._write_state({"source": archive.digest, "series": "", "head": repo.head.commit.hexsha})
                raise
        else:
            note(f"{self.src}: patches up to date")
        self._copy_overlay(repo, series)
        self._write_state({"source": archive.digest, "series": wanted, "patches": series.patches_digest(),
                           "head": repo.head.commit.hexsha})

    @staticmethod
    def _made_from_patches(state: dict[str, str], series: Series) -> bool:
        """Was the tree made from the patches now in patches/ (whatever the overlay)?"""
        if "patches" in state:
            return state["patches"] == series.patches_digest()
        return state.get("series") == series.digest()

    def _write_state(self, state: dict[str, str]) -> None:
        write_json(self.state_file, state)

    def _has_unrefreshed_commits(self, state: dict[str, str]) -> bool:
        return self.repo().head.commit.hexsha != state.get("head")

    def _unpack(self, archive: SourceArchive) -> None:
        step(f"Unpacking {archive.path.name} into {self.src}")
        self.root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=self.root, prefix=".unpack-") as tmp:
            extract(archive.path, Path(tmp))
            (top,) = Path(tmp).iterdir()
            repo = git.Repo.init(top)
            with repo.config_writer() as cfg:
                for key, value in IDENTITY.items():
                    section, option = key.split(".")
                    cfg.set_value(section, option, value)
            repo.git.add("--all", "--force")
            repo.git.commit("--quiet", "--no-verify", "-m", f"Pristine {archive.path.name}\n\nSource: {archive.digest}")
            repo.create_tag(BASELINE_TAG)
            if self.src.exists():
                shutil.rmtree(self.src)
            top.rename(self.src)
        repo = git.Repo(self.src)
        repo.git.update_index("-q", "--refresh")  # stat data is stale after the move
        (Path(repo.git_dir) / "info" / "exclude").write_text("__pycache__/\n")
        self.state_file.unlink(missing_ok=True)

    def _apply_series(self, repo: git.Repo, series: Series) -> None:
        repo.git.reset("--hard", "--quiet", BASELINE_TAG)
        for patch in series.patch_files():
            note(f"applying {patch.name}")
            try:
                repo.git.am("--quiet", "--keep-cr", str(patch))
            except git.GitCommandError as exc:
                repo.git.am("--abort")
                repo.git.reset("--hard", "--quiet", BASELINE_TAG)
                files = sorted(set(re.findall(r"error: (?:patch failed: )?([^:\s]+)(?::\d+)?", exc.stderr or "")))
                detail = "\n    ".join((exc.stderr or "").strip().splitlines())
                raise PatchFailed(
                    f"patch {patch.name} does not apply to {', '.join(files) or 'the source'}; "
                    f"{self.src} is back at its pristine baseline\n    {detail}"
                ) from exc

    def _copy_overlay(self, repo: git.Repo, series: Series) -> None:
        copied = []
        for f in series.overlay_files():
            relative = series.overlay_path(f)
            target = self.src / relative
            if target.is_file() and filecmp.cmp(f, target, shallow=False):
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(f, target)
            copied.append(str(relative))
        if copied:
            note(f"overlay: copied {len(copied)} file(s)")
            exclude = Path(repo.git_dir) / "info" / "exclude"
            exclude.parent.mkdir(exist_ok=True)
            known = set(exclude.read_text().splitlines()) if exclude.is_file() else set()
            with exclude.open("a") as out:
                for name in copied:
                    if f"/{name}" not in known:
                        out.write(f"/{name}\n")

    def refresh(self, series: Series, allow_fewer: bool = False) -> list[Path]:
        """Write the tree's commits since the baseline back out as patches/ + series.

        Refuses unless the tree is the series it was made from plus the user's commits (rewritten or not), and
        refuses to write fewer patches than the series has unless `allow_fewer` (squashing patches, say).
        """
        repo = self.repo()
        if repo.is_dirty(untracked_files=False):
            raise ToolkitError(f"{self.src} has uncommitted changes; commit them in the tree first")
        if series.patches_dir is None:
            raise ToolkitError(f"{self.src} belongs to a variant without a patch series")
        state = self.state()
        if not state.get("series"):
            raise ToolkitError(
                f"{self.src} does not hold an applied series (its last `./toolkit patch` failed or never ran); "
                f"refusing to write it over {series.patches_dir}"
            )
        if not self._made_from_patches(state, series):
            raise ToolkitError(
                f"{series.patches_dir} changed since {self.src} was made from it; refusing to overwrite it. "
                "Commit or revert the change there, or remove the tree and run `./toolkit patch` again"
            )
        commits = int(repo.git.rev_list("--count", f"{BASELINE_TAG}..HEAD"))
        listed = len(series.patch_files())
        if commits < listed and not allow_fewer:
            raise ToolkitError(
                f"{self.src} has {commits} commit(s) since the baseline but {series.patches_dir} lists {listed} "
                "patch(es); refusing to drop patches (pass --allow-fewer if you squashed or removed them)"
            )
        series.patches_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=series.patches_dir, prefix=".refresh-") as tmp:
            repo.git.format_patch(
                f"{BASELINE_TAG}..HEAD", "--zero-commit", "--no-signature", "--no-stat", "-o", tmp
            )
            new = sorted(Path(tmp).glob("*.patch"))
            if len(new) != commits:
                raise ToolkitError(
                    f"{self.src} has {commits} commit(s) since the baseline but git format-patch wrote {len(new)} "
                    f"patch(es) (merge commits are not written); {series.patches_dir} is left as it was. "
                    "Make the history linear (git rebase) and refresh again"
                )
            for old in series.patch_files():
                old.unlink()
            written = []
            for f in new:
                dest = series.patches_dir / f.name
                f.rename(dest)
                written.append(dest)
        (series.patches_dir / "series").write_text("".join(f"{p.name}\n" for p in written))
        state.update(series=series.digest(), patches=series.patches_digest(), head=repo.head.commit.hexsha)
        self._write_state(state)
        return written


def work_tree(variant: Variant) -> WorkTree:
    return WorkTree(paths.build_root() / variant.name)
