"""invoke tasks: a thin command-line layer over the ownbench package."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

from invoke import Context, task  # type: ignore[attr-defined]

from ownbench import paths, pipeline
from ownbench.abi_check import check_wheels
from ownbench.arch import get_arch
from ownbench.autoconf import regenerate
from ownbench.bench.profiles import get_profile
from ownbench.build import BuildOptions, load_installed
from ownbench.console import console
from ownbench.container import docker_check as run_docker_check
from ownbench.errors import ToolkitError
from ownbench.legacy_check import check_legacy
from ownbench.perf_profile.runner import WORKLOADS, profile_variants, select_workloads
from ownbench.pool import pool as pool_runs
from ownbench.report import write_report
from ownbench.reproduce import reproduce as run_reproduce
from ownbench.request_sites import trace_requests, write_requests
from ownbench.results import default_run_dir, latest_run_dir, write_json
from ownbench.results_index import write_index
from ownbench.sources import SourceOptions
from ownbench.variants import builds_of, get_variant, select_variants
from ownbench.versions import DEFAULT_VERSION, get_release
from ownbench.worktree import work_tree

VARIANT_HELP = ("stock, ft, owner, owner:transfer, owner:share, owner:adaptive (the owner build run with that "
                "PYTHON_OWNERSHIP policy) or all (stock, ft, owner); comma-separated")


def _fail(exc: ToolkitError) -> None:
    console.print(f"[bold red]error:[/] {exc}")
    sys.exit(1)


@task(help={"tarball": "use this local source tarball first", "git_remote": "git remote to clone the tag from",
            "version": "CPython version to fetch"})
def fetch(c: Context, tarball: str = "", git_remote: str = "", version: str = DEFAULT_VERSION) -> None:
    """Fetch the pinned, checksum-verified CPython source."""
    try:
        options = SourceOptions(tarball=Path(tarball) if tarball else None)
        if git_remote:
            options.git_remote = git_remote
        archive = pipeline.fetch_source(get_release(version), options)
        console.print(str(archive.path))
    except ToolkitError as exc:
        _fail(exc)


@task(help={"variant": VARIANT_HELP, "refresh": "write the owner tree's commits back to patches/",
            "allow_fewer": "let --refresh write fewer patches than patches/series lists (after squashing)"})
def patch(c: Context, variant: str = "owner", refresh: bool = False, allow_fewer: bool = False) -> None:
    """Make a variant's work tree: pristine source + patches/series + cpython-overlay/."""
    try:
        if refresh:
            for written in pipeline.refresh_patches(variant, allow_fewer):
                console.print(str(written))
            return
        for v in builds_of(select_variants(variant)):
            console.print(str(pipeline.patch_variant(v, get_release())))
    except ToolkitError as exc:
        _fail(exc)


PROFILE_HELP = ("quick, full, ownership (only the ownership benchmarks in 20 rounds and ftscalingbench in 20 repeats) "
                "or callgrind (only the callgrind counts)")
ARCH_HELP = "target architecture: native (default), arm64 (cross-built, run under qemu-user) or amd64"


def _build_options(jobs: int, arch: str, pgo: bool = False, tsan: bool = False) -> BuildOptions:
    return BuildOptions(jobs=jobs or BuildOptions().jobs, pgo=pgo, arch=get_arch(arch), tsan=tsan)


@task(help={"variant": VARIANT_HELP + " (a policy builds owner)", "jobs": "parallel make jobs",
            "pgo": "profile-guided and link-time optimization (--enable-optimizations --with-lto), into obj-pgo/ and "
                   "install-pgo/", "arch": ARCH_HELP,
            "tsan": "ThreadSanitizer build (--with-thread-sanitizer) into install-tsan/; ft and owner only"})
def build(c: Context, variant: str = "all", jobs: int = 0, pgo: bool = False, arch: str = "native",
          tsan: bool = False) -> None:
    """Configure, build with ccache, install under build/ and check the variants."""
    try:
        options = _build_options(jobs, arch, pgo, tsan)
        for installed in pipeline.build_variants(select_variants(variant), get_release(), options):
            console.print(str(installed.python))
    except ToolkitError as exc:
        _fail(exc)


@task(help={"variant": VARIANT_HELP, "tests": "comma-separated test names (default: the variant's list)",
            "out": "results directory (default: results/<date>-<label>-<arch>-tests)", "label": "results label",
            "arch": ARCH_HELP,
            "tsan": "run on the ThreadSanitizer build with CPython's suppressions; any TSan report fails "
                    "(default tests: test_ownership and test_free_threading; results in <date>-<label>-<arch>-tsan)",
            "all": "CPython's whole suite (-j2 --timeout 900) instead of a list, compared file by file across the "
                   "variants, into <results>/regrtest/whole/",
            "rounds": "with --all: runs per variant, interleaved (resumes finished rounds)"})
def test(c: Context, variant: str = "owner", tests: str = "", out: str = "", label: str = "local",
         arch: str = "native", tsan: bool = False, all: bool = False, rounds: int = 1) -> None:
    """Run CPython's regrtest on a built variant and record passed/failed/skipped."""
    try:
        names = tuple(t for t in tests.split(",") if t)
        target = get_arch(arch)
        out_dir = Path(out) if out else default_run_dir(label, "tsan" if tsan else "tests", target.machine)
        if all:
            if names or tsan or not target.native or rounds < 1:
                raise ToolkitError("--all runs the whole suite natively: not with --tests, --tsan or --arch, "
                                   "and --rounds must be at least 1")
            if not pipeline.whole_suite_variants(select_variants(variant), get_release(), out_dir, label, rounds):
                raise ToolkitError(f"some test files are bad on one variant only; see {write_report(out_dir)}")
            console.print(str(write_report(out_dir)))
            return
        passed = pipeline.test_variants(select_variants(variant), get_release(), names, out_dir, target, label, tsan)
        try:
            where = write_report(out_dir)
        except ToolkitError as exc:  # the tests' verdict comes first; the report's failure is only noted
            if passed:
                raise
            console.print(f"[yellow]no report: {exc}[/]")
            where = out_dir / "regrtest"
        if not passed:
            raise ToolkitError(f"some tests failed or ThreadSanitizer reported races; see {where}"
                               if tsan else f"some tests failed; see {where}")
        console.print(str(where))
    except ToolkitError as exc:
        _fail(exc)


@task(help={"profile": PROFILE_HELP, "variant": VARIANT_HELP,
            "out": "results directory (default: results/<date>-<label>-<arch>-<profile>)", "label": "results label",
            "arch": ARCH_HELP, "allow_emulated": "benchmark a foreign architecture under qemu anyway",
            "rounds": "pyperformance rounds, variants interleaved in each (default: the profile's)",
            "pgo": "benchmark the PGO+LTO builds (./toolkit build --pgo)"})
def bench(c: Context, profile: str = "quick", variant: str = "all", out: str = "", label: str = "local",
          arch: str = "native", allow_emulated: bool = False, rounds: int = 0, pgo: bool = False) -> None:
    """Run pyperformance, ftscalingbench scaling, the ownership benchmarks and callgrind counts on built variants."""
    try:
        prof = get_profile(profile, rounds)
        target = get_arch(arch)
        out_dir = Path(out) if out else default_run_dir(label, prof.name, target.machine)
        pipeline.run_benchmarks(select_variants(variant), get_release(), prof, out_dir, label, target, allow_emulated,
                                pgo)
        console.print(str(write_report(out_dir)))
    except ToolkitError as exc:
        _fail(exc)


@task(help={"out": "results directory to report on (default: the newest under results/); with --pool, the new "
                   "directory of the pooled run",
            "index": "also regenerate results/README.md, the index of every run",
            "pool": "comma-separated results directories of the same builds: report on all their rounds together"})
def report(c: Context, out: str = "", index: bool = False, pool: str = "") -> None:
    """Write report.md, plots and summary.json for a results directory (or for several runs pooled)."""
    try:
        if pool:
            runs = [Path(p) for p in pool.split(",") if p]
            dest = Path(out) if out else runs[0].with_name(runs[0].name + "-pooled")
            console.print(str(write_report(pool_runs(runs, dest))))
        elif out or not index:
            console.print(str(write_report(Path(out) if out else latest_run_dir())))
        if index:
            console.print(str(write_index()))
    except ToolkitError as exc:
        _fail(exc)


@task(help={"variant": VARIANT_HELP,
            "workloads": f"comma-separated workloads of bench/profile/: {', '.join(WORKLOADS)} (default: all)",
            "out": "results directory (default: results/<date>-<label>-<arch>-profile)", "label": "results label",
            "seconds": "how long each workload runs per variant under perf (default 10)",
            "pgo": "profile the PGO+LTO builds (./toolkit build --pgo)"})
def profile(c: Context, variant: str = "all", workloads: str = "", out: str = "", label: str = "local",
            seconds: int = 10, pgo: bool = False) -> None:
    """Sample where each variant spends its time (perf record -e cpu-clock -g, every thread) into <results>/profile/."""
    try:
        variants, names = select_variants(variant), select_workloads(workloads)
        out_dir = Path(out) if out else default_run_dir(label, "profile")
        profile_variants(variants, get_release(), names, seconds, out_dir, label, pgo)
        console.print(str(write_report(out_dir)))
    except ToolkitError as exc:
        _fail(exc)


@task(help={"command": "the program to trace: a script and its arguments, in one string",
            "variant": "owner or owner:<policy> (default owner); comma-separated",
            "out": "results directory (default: results/<date>-<label>-<arch>-requests)", "label": "results label",
            "pgo": "trace the PGO+LTO build (./toolkit build --pgo)"})
def requests(c: Context, command: str = "", variant: str = "owner", out: str = "", label: str = "local",
             pgo: bool = False) -> None:
    """Count where a program's threads ask running owners for objects (under gdb): type, Python function, C caller."""
    try:
        program = shlex.split(command)
        if not program:
            raise ToolkitError("--command is empty: give a script and its arguments")
        out_dir = Path(out) if out else default_run_dir(label, "requests")
        for v in select_variants(variant):
            installed = load_installed(v, get_release(), pgo=pgo)
            sites = trace_requests(installed, program, out_dir)
            pipeline.record_run(out_dir, label, "requests", [installed])
            console.print(str(write_requests(out_dir, installed, program, sites)))
    except ToolkitError as exc:
        _fail(exc)


@task(help={"profile": PROFILE_HELP, "variant": VARIANT_HELP + " (default all)", "label": "results label",
            "jobs": "parallel make jobs", "arch": ARCH_HELP,
            "allow_emulated": "benchmark a foreign architecture under qemu anyway",
            "rounds": "pyperformance rounds, variants interleaved in each (default: the profile's)",
            "pgo": "build every variant with --enable-optimizations --with-lto (in obj-pgo/, install-pgo/) and "
                   "benchmark those builds; label <label>-pgo"})
def reproduce(c: Context, profile: str = "quick", variant: str = "all", label: str = "local", jobs: int = 0,
              arch: str = "native", allow_emulated: bool = False, rounds: int = 0, pgo: bool = False) -> None:
    """Fetch, patch, build, smoke-test, benchmark and report, resuming an interrupted run."""
    try:
        path = run_reproduce(select_variants(variant), get_release(), get_profile(profile, rounds), label,
                             _build_options(jobs, arch, pgo), allow_emulated)
        console.print(f"[bold green]report:[/] {path}")
    except ToolkitError as exc:
        _fail(exc)


@task(help={"fast": "skip the slow integration test (fetch through Debian, build stock, regrtest)"})
def selftest(c: Context, fast: bool = False) -> None:
    """Run the toolkit's own test suite (pytest)."""
    args = ["-m", "not integration"] if fast else []
    env = {**os.environ, "OWNBENCH_SELFTEST_FAST": "1"} if fast else None
    sys.exit(subprocess.call([sys.executable, "-m", "pytest", "-v", *args], cwd=Path(__file__).resolve().parent,
                             env=env))


@task(name="regen-configure", help={"variant": "whose work tree (default owner)"})
def regen_configure(c: Context, variant: str = "owner") -> None:
    """Regenerate configure and pyconfig.h.in in a work tree with autoconf 2.72."""
    try:
        tree = work_tree(get_variant(variant))
        regenerate(tree.src, tree.root / "regen-configure.log")
    except ToolkitError as exc:
        _fail(exc)


@task(name="abi-check", help={"variant": VARIANT_HELP + " (default owner)", "out": "results directory",
                              "label": "results label"})
def abi_check(c: Context, variant: str = "owner", out: str = "", label: str = "local") -> None:
    """Install binary cp314t wheels from PyPI (numpy, markupsafe, PyYAML, msgpack) into a variant and use them."""
    try:
        release = get_release()
        out_dir = Path(out) if out else default_run_dir(label, "tests")
        for v in select_variants(variant):
            installed = load_installed(v, release)
            write_json(out_dir / "abi" / f"{v.file_name}.json", check_wheels(installed, out_dir / "logs" / "abi.log"))
    except ToolkitError as exc:
        _fail(exc)


@task(name="legacy-check", help={"variant": VARIANT_HELP + " (default owner,ft)", "out": "results directory",
                                 "label": "results label"})
def legacy_check(c: Context, variant: str = "owner,ft", out: str = "", label: str = "local") -> None:
    """Run lxml's own test suite (from its sdist) against its cp314t wheel, a legacy extension, on each variant."""
    try:
        installed = pipeline.installed_variants(select_variants(variant), get_release(), get_arch("native"))
        out_dir = Path(out) if out else default_run_dir(label, "legacy")
        console.print(str(check_legacy(installed, out_dir, label)))
    except ToolkitError as exc:
        _fail(exc)


@task(name="docker-check", help={"arch": "image architecture: native (default) or arm64 (under qemu-user)"})
def docker_check(c: Context, arch: str = "native") -> None:
    """Build the Docker image with buildah on a debootstrapped base and run the fast tests in it (slow)."""
    try:
        console.print(str(run_docker_check(paths.RESULTS_DIR / "docker-check", arch)))
    except ToolkitError as exc:
        _fail(exc)
