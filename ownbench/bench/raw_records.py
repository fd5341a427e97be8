"""Raw benchmark records belong to one build: a resumed run never mixes them with another build's."""

from __future__ import annotations

import json
from pathlib import Path

from ..console import note

STAMP = ".build_key"
"""File in each raw/<kind>/<variant>/ directory naming the build that made its records."""


def build_key_of(manifest: dict[str, object]) -> str:
    """The build key of an installed interpreter's manifest ("unknown" for one the toolkit did not build)."""
    return str(manifest.get("build_key") or "unknown")


def recorded_key(variant_dir: Path) -> str | None:
    """The build key stamped on a variant's raw records, or None if there is none."""
    stamp = variant_dir / STAMP
    return stamp.read_text().strip() if stamp.is_file() else None


def claim_dir(variant_dir: Path, build_key: str) -> None:
    """Make `variant_dir` hold records of the build `build_key` only.

    Records of another build, or of an unrecorded one, are moved to raw/<kind>.stale/<variant>-<key>/
    (never deleted) and the move is reported, so the resume runs them again.
    """
    records = [p for p in variant_dir.iterdir() if p.name != STAMP] if variant_dir.is_dir() else []
    old = recorded_key(variant_dir)
    if records and old != build_key:
        aside = _stale_dir(variant_dir, old)
        aside.parent.mkdir(parents=True, exist_ok=True)
        variant_dir.rename(aside)
        note(f"[yellow]{variant_dir}: {len(records)} records of another build ({old or 'not recorded'}) "
             f"moved to {aside}; running them again with build {build_key[:12]}[/]")
    variant_dir.mkdir(parents=True, exist_ok=True)
    if recorded_key(variant_dir) != build_key:
        (variant_dir / STAMP).write_text(build_key + "\n")


def is_current(result: Path, build_key: str) -> bool:
    """Whether `result` (a JSON file with a "build_key") holds this build's results, so a resume keeps it.

    A result of another build, of an unrecorded one, or one that cannot be read is moved to <kind>.stale/ (never
    deleted) and the move is reported, so the resume measures it again.
    """
    if not result.is_file():
        return False
    try:
        recorded = json.loads(result.read_text())
    except (OSError, ValueError):
        recorded = None
    old = recorded.get("build_key") if isinstance(recorded, dict) else None
    if old == build_key:
        return True
    aside = _stale_path(result.parent, result.stem, old, result.suffix)
    aside.parent.mkdir(parents=True, exist_ok=True)
    result.rename(aside)
    note(f"[yellow]{result}: made by another build ({old or 'not recorded'}), moved to {aside}; "
         f"measuring again with build {build_key[:12]}[/]")
    return False


def _stale_dir(variant_dir: Path, key: str | None) -> Path:
    """A new directory name beside raw/<kind>/, out of reach of the globs that load records."""
    return _stale_path(variant_dir.parent, variant_dir.name, key)


def _stale_path(kind_dir: Path, name: str, key: str | None, suffix: str = "") -> Path:
    """A new path <kind>.stale/<name>-<key>[.N]<suffix> beside `kind_dir`, out of reach of the loaders' globs."""
    stale = kind_dir.with_name(kind_dir.name + ".stale")
    stem = f"{name}-{(key or 'unrecorded')[:12]}"
    candidate, n = stale / f"{stem}{suffix}", 1
    while candidate.exists():
        n += 1
        candidate = stale / f"{stem}.{n}{suffix}"
    return candidate
