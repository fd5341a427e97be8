"""The whole comparison in one resumable run: fetch, patch, build, smoke test, bench, report."""

from __future__ import annotations

from pathlib import Path

from . import paths, pipeline, system_deps
from .arch import Arch, ensure_cross_environment
from .bench.profiles import Profile
from .build import BuildOptions, build
from .console import console, note
from .errors import ToolkitError
from .regrtest import smoke_tests
from .report import write_report
from .results import default_run_dir, read_json, write_json
from .variants import Variant, builds_of
from .versions import Release
from .worktree import series_for, work_tree


def _state_file(profile: Profile, label: str, arch: Arch) -> Path:
    return paths.build_root() / f"reproduce-{label}-{arch.machine}-{profile.name}.json"


def _smoke_done(out_dir: Path, variant: Variant, release: Release, options: BuildOptions) -> bool:
    installed = pipeline.load_installed(variant, release, options.arch, pgo=options.pgo)
    result = out_dir / "regrtest" / f"{installed.name}.json"
    if not result.is_file():
        return False
    recorded = read_json(result)
    build_key = installed.manifest.get("build_key")
    return bool(recorded.get("build_key") == build_key and recorded.get("failed") == 0 and recorded.get("passed"))


def reproduce(
    variants: list[Variant], release: Release, profile: Profile, label: str, options: BuildOptions,
    allow_emulated: bool = False,
) -> Path:
    """Run every step, resuming an interrupted run of the same label, architecture and profile."""
    arch = options.arch
    if options.pgo and not label.endswith("-pgo"):
        label = f"{label}-pgo"  # its own results directory and resume state
    pipeline.check_benchmarkable(arch, allow_emulated)
    # Preflight: every Debian package the steps need, in one apt-get, before anything runs.
    system_deps.ensure_packages((*system_deps.BUILD_PACKAGES, *system_deps.BENCH_PACKAGES))
    ensure_cross_environment(arch)  # a foreign target's multiarch packages and qemu, also before step 1
    state_file = _state_file(profile, label, arch)
    if state_file.is_file():
        out_dir = Path(read_json(state_file)["out_dir"])
        note(f"resuming the interrupted run in {out_dir}")
    else:
        out_dir = default_run_dir(label, profile.name, arch.machine)
        write_json(state_file, {"out_dir": str(out_dir)})

    def banner(number: int, title: str) -> None:
        console.rule(f"[bold]step {number}/6: {title}")

    banner(1, "fetch")
    archive = pipeline.fetch_source(release)
    banner(2, "patch")
    for v in builds_of(variants):
        work_tree(v).prepare(archive, series_for(v))
    banner(3, "build")
    for v in builds_of(variants):
        build(v, release, archive, options)
    pipeline.record_run(out_dir, label, profile.name,
                        pipeline.installed_variants(variants, release, arch, pgo=options.pgo))
    banner(4, "smoke test")
    for v in variants:
        if _smoke_done(out_dir, v, release, options):
            note(f"{v.label}: smoke test already passed")
            continue
        counts = pipeline.run_regrtest(v, release, smoke_tests(v), out_dir, arch, pgo=options.pgo)
        if not counts.ok:
            raise ToolkitError(f"smoke test failed on {v.label}; see the regrtest output above")
    banner(5, f"benchmarks ({profile.name})")
    pipeline.run_benchmarks(variants, release, profile, out_dir, label, arch, allow_emulated, options.pgo)
    banner(6, "report")
    report = write_report(out_dir)
    state_file.unlink(missing_ok=True)
    return report
