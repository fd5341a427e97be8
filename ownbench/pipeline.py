"""The toolkit's tasks as plain functions; tasks.py only parses options and calls these."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import machine, paths, tsan
from .arch import Arch, ensure_binfmt, native_arch
from .bench.callgrind import run_callgrind
from .bench.legacy import run_legacy
from .bench.ownership import run_ownership
from .bench.profiles import Profile
from .bench.pyperformance_runner import benchmark_names, run_pyperformance
from .bench.scaling import run_scaling
from .bench.single_thread import run_single_thread
from .build import BuildOptions, Installed, build, load_installed
from .console import note
from .errors import ToolkitError
from .ownership_policy import policy_in_effect
from .provenance import toolkit_state
from .regrtest import TestCounts, default_tests, run_tests
from .results import read_json, write_json
from .sources import SourceArchive, SourceOptions, default_chain, fetch
from .variants import Variant, builds_of, get_variant
from .versions import Release
from .whole_suite import bad_on_some_only, load_records, run_whole_suite
from .worktree import default_series, series_for, work_tree


def fetch_source(release: Release, options: SourceOptions | None = None) -> SourceArchive:
    """Fetch (or find in the cache) the verified source archive of `release`."""
    return fetch(release, paths.cache_dir(), default_chain(options or SourceOptions()))


def patch_variant(variant: Variant, release: Release) -> Path:
    """Prepare the variant's work tree; return its path."""
    archive = fetch_source(release)
    tree = work_tree(variant)
    tree.prepare(archive, series_for(variant))
    return tree.src


def refresh_patches(variant_name: str = "owner", allow_fewer: bool = False) -> list[Path]:
    """Write the commits of the variant's work tree back to patches/."""
    return work_tree(get_variant(variant_name)).refresh(default_series(), allow_fewer)


def build_variants(variants: list[Variant], release: Release, options: BuildOptions) -> list[Installed]:
    """Build each variant's build once (owner:transfer is owner), fetching the source once; unsupported TSan builds
    are refused before anything runs."""
    builds = builds_of(variants)
    if options.tsan:
        for v in builds:
            tsan.check_supported(v, options.arch, options.pgo)
    archive = fetch_source(release)
    return [build(v, release, archive, options) for v in builds]


def installed_variants(variants: list[Variant], release: Release, arch: Arch, tsan_build: bool = False,
                       pgo: bool = False) -> list[Installed]:
    """The built variants; an error names the first one that is not built."""
    return [load_installed(v, release, arch, tsan_build, pgo) for v in variants]


def tsan_run(variant: Variant, out_dir: Path) -> tsan.TsanRun:
    """TSan logs under out_dir/tsan/<variant>/, with a copy of the suppressions the pristine source ships."""
    log_dir = out_dir / "tsan" / variant.file_name
    return tsan.TsanRun(tsan.pristine_suppressions(work_tree(variant), log_dir / Path(tsan.SUPPRESSIONS).name),
                        log_dir)


def run_regrtest(variant: Variant, release: Release, tests: tuple[str, ...], out_dir: Path, arch: Arch,
                 tsan_build: bool = False, pgo: bool = False) -> TestCounts:
    """Run regrtest on a built variant (or its TSan or PGO build); write its counts under out_dir/regrtest/."""
    installed = load_installed(variant, release, arch, tsan_build, pgo)
    if not arch.native:
        ensure_binfmt(arch)
    out = out_dir / "regrtest" / f"{installed.name}.json"
    if tsan_build:
        return run_tests(installed, tests or tsan.DEFAULT_TESTS[variant.name], out, tsan=tsan_run(variant, out_dir))
    return run_tests(installed, tests or default_tests(variant, emulated=not arch.native), out)


def test_variants(
    variants: list[Variant], release: Release, tests: tuple[str, ...], out_dir: Path, arch: Arch, label: str,
    tsan_build: bool = False,
) -> bool:
    """regrtest on each variant into out_dir (with a run.json, so `report` works); True if all passed."""
    if tsan_build:
        for v in variants:
            tsan.check_supported(v, arch)
    installed = installed_variants(variants, release, arch, tsan_build)
    if not arch.native:
        ensure_binfmt(arch)
    record_run(out_dir, label, "tsan" if tsan_build else "tests", installed)
    return all([run_regrtest(v, release, tests, out_dir, arch, tsan_build).ok for v in variants])


def whole_suite_variants(variants: list[Variant], release: Release, out_dir: Path, label: str, rounds: int) -> bool:
    """CPython's whole regrtest on each variant, `rounds` times, interleaved; False if some file is bad on one
    variant without being bad on every other one."""
    installed = installed_variants(variants, release, native_arch())
    record_run(out_dir, label, "tests", installed)
    run_whole_suite(installed, out_dir, rounds)
    return not bad_on_some_only(load_records(out_dir))  # also against variants run into this directory before


def record_run(out_dir: Path, label: str, profile: str, installed: list[Installed]) -> None:
    """Write (or extend) run.json: what was run, where, on which builds, and the ownership policy each ownership
    variant's interpreter reports (None for a build that cannot tell)."""
    run_file = out_dir / "run.json"
    run: dict[str, Any] = read_json(run_file) if run_file.is_file() else {
        "label": label, "profile": profile, "date": time.strftime("%Y-%m-%d"), "variants": [], "manifests": {},
        "failures": {},
    }
    for inst in installed:
        if inst.variant.label not in run["variants"]:
            run["variants"].append(inst.variant.label)
        run["manifests"][inst.build_name if inst.tsan else inst.variant.name] = inst.manifest
        if inst.variant.ownership:
            run.setdefault("policies", {})[inst.variant.label] = policy_in_effect(inst)
    run["machine"] = machine.describe()
    run["toolkit"] = toolkit_state()
    run["emulated"] = run.get("emulated", False) or any(not i.arch.native for i in installed)
    run["pgo"] = run.get("pgo", False) or any(i.pgo for i in installed)
    write_json(run_file, run)


def check_benchmarkable(arch: Arch, allow_emulated: bool) -> None:
    """Emulated timings are not benchmarks: refuse them unless explicitly allowed."""
    if not arch.native and not allow_emulated:
        raise ToolkitError(
            f"{arch.debian} runs under emulation on this {native_arch().debian} machine: its timings are not "
            "benchmarks; pass --allow-emulated to run anyway (the report will say so)"
        )


def run_benchmarks(
    variants: list[Variant], release: Release, profile: Profile, out_dir: Path, label: str, arch: Arch,
    allow_emulated: bool = False, pgo: bool = False,
) -> None:
    """The parts of `profile` (pyperformance, scaling, ownership benchmarks, callgrind, ...) on the built variants
    (their PGO+LTO builds if `pgo`), into out_dir."""
    check_benchmarkable(arch, allow_emulated)
    if not arch.native:
        ensure_binfmt(arch)
    installed = installed_variants(variants, release, arch, pgo=pgo)
    record_run(out_dir, label, profile.name, installed)
    run = read_json(out_dir / "run.json")
    run["rounds"] = profile.rounds
    write_json(out_dir / "run.json", run)
    parts = set(profile.parts)
    failures: dict[str, list[str]] = {}
    if "pyperformance" in parts:
        started = time.monotonic()
        failures = run_pyperformance(installed, profile, out_dir)
        run = read_json(out_dir / "run.json")
        # Summed over resumed sessions: the time the rounds took, for the report.
        run["pyperformance_seconds"] = round(run.get("pyperformance_seconds", 0) + time.monotonic() - started)
        run["failures"] = {**run.get("failures", {}), **failures}
        write_json(out_dir / "run.json", run)
    # Part -> its runner and the run.json key of the failures it returns (None: it returns none).
    later_parts: dict[str, tuple[Callable[[list[Installed], Profile, Path], list[str] | None], str | None]] = {
        "single_thread": (run_single_thread, "single_thread_failures"),
        "scaling": (run_scaling, None),
        "ownership": (run_ownership, "ownership_failures"),
        "legacy": (run_legacy, "legacy_failures"),
        "callgrind": (run_callgrind, None),
    }
    for part, (run_part, failures_key) in later_parts.items():
        if part not in parts:
            continue
        part_failures = run_part(installed, profile, out_dir)
        if failures_key is not None:
            run[failures_key] = part_failures
            write_json(out_dir / "run.json", run)
    names = benchmark_names(profile)
    broken = [v for v, failed in failures.items() if set(names) <= set(failed)]
    if broken:
        raise ToolkitError(f"every pyperformance benchmark failed on {', '.join(broken)}; see {out_dir}/logs")
    for variant, failed in failures.items():
        if failed:
            note(f"[yellow]pyperformance failures on {variant}:[/] {', '.join(failed)} (re-run to retry them)")
