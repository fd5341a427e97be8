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

    A result of another build, or of an unrecorded one, is moved to <kind>.stale/ (never deleted) and the move is
    reported, so the resume measures it again.
    """
    if not result.is_file():
        return False
    old = json.loads(result.read_text()).get("build_key")
    if old == build_key:
        return True
    aside = _stale_dir(result.with_suffix(""), old).with_suffix(result.suffix)
    aside.parent.mkdir(parents=True, exist_ok=True)
    result.rename(aside)
    note(f"[yellow]{result}: made by another build ({old or 'not recorded'}), moved to {aside}; "
         f"measuring again with build {build_key[:12]}[/]")
    return False


def _stale_dir(variant_dir: Path, key: str | None) -> Path:
    """A new directory name beside raw/<kind>/, out of reach of the globs that load records."""
    base = variant_dir.parent.with_name(variant_dir.parent.name + ".stale") / \
        f"{variant_dir.name}-{(key or 'unrecorded')[:12]}"
    candidate, n = base, 1
    while candidate.exists():
        n += 1
        candidate = base.with_name(f"{base.name}.{n}")
    return candidate
