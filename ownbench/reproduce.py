"""The whole comparison in one resumable run: fetch, patch, build, smoke test, bench, report."""

from __future__ import annotations

from pathlib import Path

from . import paths, pipeline
from .bench.profiles import Profile
from .build import BuildOptions, build
from .console import console, note
from .errors import ToolkitError
from .regrtest import SMOKE_TESTS
from .report import write_report
from .results import default_run_dir, read_json, write_json
from .variants import Variant
from .versions import Release
from .worktree import series_for, work_tree


def _state_file(profile: Profile, label: str) -> Path:
    return paths.build_root() / f"reproduce-{label}-{profile.name}.json"


def _smoke_done(out_dir: Path, variant: Variant, release: Release) -> bool:
    result = out_dir / "regrtest" / f"{variant.name}.json"
    if not result.is_file():
        return False
    recorded = read_json(result)
    build_key = pipeline.load_installed(variant, release).manifest.get("build_key")
    return bool(recorded.get("build_key") == build_key and recorded.get("failed") == 0 and recorded.get("passed"))


def reproduce(variants: list[Variant], release: Release, profile: Profile, label: str, jobs: int) -> Path:
    """Run every step, resuming an interrupted run of the same label and profile."""
    state_file = _state_file(profile, label)
    if state_file.is_file():
        out_dir = Path(read_json(state_file)["out_dir"])
        note(f"resuming the interrupted run in {out_dir}")
    else:
        out_dir = default_run_dir(label, profile.name)
        write_json(state_file, {"out_dir": str(out_dir)})

    def banner(number: int, title: str) -> None:
        console.rule(f"[bold]step {number}/6: {title}")

    banner(1, "fetch")
    archive = pipeline.fetch_source(release)
    banner(2, "patch")
    for v in variants:
        work_tree(v).prepare(archive, series_for(v))
    banner(3, "build")
    for v in variants:
        build(v, release, archive, BuildOptions(jobs=jobs))
    banner(4, "smoke test")
    for v in variants:
        if _smoke_done(out_dir, v, release):
            note(f"{v.name}: smoke test already passed")
            continue
        counts = pipeline.run_regrtest(v, release, SMOKE_TESTS, out_dir)
        if not counts.ok:
            raise ToolkitError(f"smoke test failed on {v.name}; see the regrtest output above")
    banner(5, f"benchmarks ({profile.name})")
    pipeline.run_benchmarks(variants, release, profile, out_dir, label)
    banner(6, "report")
    report = write_report(out_dir)
    state_file.unlink(missing_ok=True)
    return report
