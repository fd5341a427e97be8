"""Configure, build, install and check one variant, with a manifest and no needless rebuilds."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import paths, system_deps, tsan
from .arch import Arch, ensure_cross_environment, native_arch
from .console import note, step
from .errors import ToolkitError
from .process import run_logged
from .results import write_json
from .sources import SourceArchive
from .variants import COMMON_CONFIGURE_FLAGS, PGO_FLAGS, Variant
from .versions import Release
from .worktree import WorkTree, series_for, work_tree

MANIFEST_NAME = "ownbench-manifest.json"

RECIPE_VERSION = 2
"""Bump when the way a variant is configured, built or installed changes: every build key changes with it."""

CONFIGURE_ENV = ("CC", "CXX", "CPP", "CFLAGS", "CPPFLAGS", "CXXFLAGS", "LDFLAGS", "LIBS", "OPT",
                 "AR", "ARFLAGS", "RANLIB", "LD", "LDSHARED", "LINKCC",
                 "PKG_CONFIG_PATH", "PKG_CONFIG_LIBDIR", "CONFIG_SITE", "PROFILE_TASK")
"""Environment variables that configure or make read; the user's values reach the build."""


@dataclass(frozen=True)
class BuildOptions:
    jobs: int = os.cpu_count() or 2
    pgo: bool = False
    arch: Arch = field(default_factory=native_arch)
    tsan: bool = False
    """ThreadSanitizer build (--with-thread-sanitizer) in its own obj-tsan/ and install-tsan/."""


@dataclass(frozen=True)
class Installed:
    """A built and installed variant."""

    variant: Variant
    arch: Arch
    prefix: Path
    python: Path
    manifest: dict[str, object]
    tsan: bool = False
    pgo: bool = False

    @property
    def name(self) -> str:
        """The variant's file name with its build's suffix ('owner', 'owner-transfer', 'owner-tsan', 'owner-pgo',
        'owner-aarch64'): what its result files are called."""
        return f"{self.variant.file_name}{tsan.build_suffix(self.arch, self.tsan, self.pgo)}"

    @property
    def build_name(self) -> str:
        """The build's name with its suffix, whatever the policy ('owner-tsan' for owner:transfer under TSan)."""
        return f"{self.variant.name}{tsan.build_suffix(self.arch, self.tsan, self.pgo)}"


def _install_prefix(variant: Variant, arch: Arch, tsan_build: bool = False, pgo: bool = False) -> Path:
    """install/, install-tsan/, install-pgo/ ...: PGO and TSan builds never share a prefix with a plain one."""
    return paths.build_root() / variant.name / f"install{tsan.build_suffix(arch, tsan_build, pgo)}"


def interpreter_path(variant: Variant, release: Release, arch: Arch, tsan_build: bool = False,
                     pgo: bool = False) -> Path:
    return _install_prefix(variant, arch, tsan_build, pgo) / "bin" / f"python{release.series}{variant.abiflags}"


def manifest_path(variant: Variant, release: Release, arch: Arch, tsan_build: bool = False, pgo: bool = False) -> Path:
    return interpreter_path(variant, release, arch, tsan_build, pgo).parent / MANIFEST_NAME


def load_installed(variant: Variant, release: Release, arch: Arch | None = None, tsan_build: bool = False,
                   pgo: bool = False) -> Installed:
    """The installed variant, or an error saying to build it."""
    arch = arch or native_arch()
    python, manifest = interpreter_path(variant, release, arch, tsan_build, pgo), manifest_path(
        variant, release, arch, tsan_build, pgo)
    if not python.exists() or not manifest.is_file():
        what, flag = (("with ThreadSanitizer", " --tsan") if tsan_build else
                      (f"with PGO+LTO for {arch.debian}", " --pgo") if pgo else (f"for {arch.debian}", ""))
        raise ToolkitError(
            f"variant {variant.name} is not built {what}; "
            f"run `./toolkit build --variant {variant.name} --arch {arch.debian}{flag}`"
        )
    return Installed(variant, arch, _install_prefix(variant, arch, tsan_build, pgo), python,
                     json.loads(manifest.read_text()), tsan_build, pgo)


def configure_flags(variant: Variant, options: BuildOptions) -> list[str]:
    return [*COMMON_CONFIGURE_FLAGS, *variant.configure_flags, *(PGO_FLAGS if options.pgo else ()),
            *(tsan.CONFIGURE_FLAGS if options.tsan else ())]


def cross_flags(arch: Arch, build_python: Path) -> list[str]:
    """configure flags for a cross build; answers configure cannot probe without running target code."""
    return [
        f"--host={arch.triplet}",
        f"--build={native_arch().triplet}",
        f"--with-build-python={build_python}",
        "ac_cv_file__dev_ptmx=yes",
        "ac_cv_file__dev_ptc=no",
        "ac_cv_buggy_getaddrinfo=no",
    ]


def cross_env(arch: Arch) -> dict[str, str]:
    return {
        "CC": f"ccache {arch.triplet}-gcc",
        "PKG_CONFIG_LIBDIR": f"/usr/lib/{arch.triplet}/pkgconfig:/usr/share/pkgconfig",
    }


def compiler_version(compiler: str = "gcc") -> str:
    out = subprocess.run([compiler, "--version"], capture_output=True, text=True, check=True).stdout
    return out.splitlines()[0]


def _tree_state(tree: WorkTree) -> str:
    """Hash of the committed tree, uncommitted edits and the overlay copies."""
    repo = tree.repo()
    h = hashlib.sha256(repo.head.commit.tree.hexsha.encode())
    h.update(repo.git.diff("HEAD", "--binary").encode())
    h.update(tree.state().get("series", "").encode())
    return h.hexdigest()


def build_environment(env: dict[str, str]) -> dict[str, str]:
    """What of the environment reaches configure: the user's CONFIGURE_ENV values, then the toolkit's `env`."""
    return {**{k: os.environ[k] for k in CONFIGURE_ENV if k in os.environ}, **env}


def _build_key(flags: list[str], tree: WorkTree, compiler: str, env: dict[str, str]) -> str:
    """Digest of every input of a build: recipe, configure flags, sources and patches, compiler, environment."""
    inputs = [RECIPE_VERSION, flags, _tree_state(tree), compiler, sorted(build_environment(env).items())]
    return hashlib.sha256(json.dumps(inputs).encode()).hexdigest()


def _check_interpreter(python: Path, variant: Variant, tsan_build: bool, env: dict[str, str]) -> dict[str, object]:
    probe = (
        "import json, sys, sysconfig; print(json.dumps({'version': sys.version, "
        "'gil_enabled': sys._is_gil_enabled(), 'abiflags': sys.abiflags, "
        "'py_ownership': sysconfig.get_config_var('Py_OWNERSHIP'), "
        "'tsan': '--with-thread-sanitizer' in (sysconfig.get_config_var('CONFIG_ARGS') or '')}))"
    )
    result = subprocess.run([str(python), "-c", probe], capture_output=True, text=True, check=False,
                            env={**os.environ, **env})
    if result.returncode != 0:
        raise ToolkitError(f"{python} does not run: {result.stderr.strip()}")
    facts: dict[str, object] = json.loads(result.stdout)
    found = (facts["gil_enabled"], facts["abiflags"], bool(facts["py_ownership"]), facts["tsan"])
    wanted = (variant.gil_enabled, variant.abiflags, variant.ownership, tsan_build)
    if found != wanted:
        raise ToolkitError(
            f"{variant.name} build is wrong: (GIL enabled, abiflags, Py_OWNERSHIP, TSan) is {found}, "
            f"expected {wanted}"
        )
    return facts


def build_dirs(tree: WorkTree, variant: Variant, options: BuildOptions) -> tuple[Path, Path, Path]:
    """(object directory, install prefix, build log) of a build: obj/, obj-aarch64/ or obj-tsan/ and so on."""
    suffix = tsan.build_suffix(options.arch, options.tsan, options.pgo)
    return (tree.root / f"obj{suffix}", _install_prefix(variant, options.arch, options.tsan, options.pgo),
            tree.root / f"build{suffix}.log")


def _tsan_env(tree: WorkTree) -> dict[str, str]:
    """The build runs the new interpreter (sysconfig, ensurepip): with the tree's suppressions, as CI does."""
    return {"TSAN_OPTIONS": tsan.tsan_options(tree.src / tsan.SUPPRESSIONS)}


def forget_profile(obj: Path) -> None:
    """Make CPython's `profile-opt` start again from `make clean` in `obj`: its stamps would otherwise have a
    rebuild of changed sources reuse the profile of the old ones, which gcc refuses ("source locations ... have
    changed", -Werror=coverage-mismatch)."""
    for stamp in obj.glob("profile-*-stamp"):
        stamp.unlink()


def build(variant: Variant, release: Release, archive: SourceArchive, options: BuildOptions) -> Installed:
    """Build and install `variant` unless an identical build is already installed."""
    arch = options.arch
    if options.tsan:
        tsan.check_supported(variant, arch, options.pgo)
    system_deps.ensure_packages(system_deps.BUILD_PACKAGES)
    tree = work_tree(variant)
    tree.prepare(archive, series_for(variant))
    flags = configure_flags(variant, options)
    # GIT_WORK_TREE: CPython's Makefile runs `git --git-dir=$(srcdir)/.git describe --dirty` from the build
    # directory, which would otherwise compare that directory with HEAD and mark every build "dirty".
    env = {"CC": "ccache gcc", "CCACHE_BASEDIR": str(tree.root), "GIT_WORK_TREE": str(tree.src)}
    if options.tsan:
        env.update(_tsan_env(tree))
    if options.pgo:
        # ccache maps every variant's tree onto the same relative paths, so an instrumented object cached from
        # another tree records its profile under that tree: the -fprofile-use pass then fails with
        # "source locations ... have changed" (-Werror=coverage-mismatch). PGO builds compile uncached.
        env["CCACHE_DISABLE"] = "1"
    if not arch.native:
        ensure_cross_environment(arch)
        build_python = build(variant, release, archive, replace(options, arch=native_arch())).python
        flags += cross_flags(arch, build_python)
        env.update(cross_env(arch))
    compiler = compiler_version(env["CC"].split()[-1])
    key = _build_key(flags, tree, compiler, env)
    python = interpreter_path(variant, release, arch, options.tsan, options.pgo)
    manifest_file = manifest_path(variant, release, arch, options.tsan, options.pgo)
    if manifest_file.is_file() and python.exists() and json.loads(manifest_file.read_text()).get("build_key") == key:
        note(f"{variant.name} ({arch.debian}{', TSan' if options.tsan else ''}): up to date ({python})")
        return load_installed(variant, release, arch, options.tsan, options.pgo)

    step(f"Building {variant.name} for {arch.debian} ({' '.join(flags)})")
    obj, prefix, log = build_dirs(tree, variant, options)
    make = [*(tsan.command_prefix() if options.tsan else ()), "make"]
    log.unlink(missing_ok=True)
    started = time.time()
    configured = obj / "ownbench-configure.json"
    configure_cmd = [str(tree.src / "configure"), f"--prefix={prefix}", *flags]
    if not configured.is_file() or json.loads(configured.read_text()) != configure_cmd:
        if obj.exists():
            shutil.rmtree(obj)
        obj.mkdir(parents=True)
        run_logged(configure_cmd, log, cwd=obj, env=env, title=f"{variant.name}: configure")
        write_json(configured, configure_cmd)
    if options.pgo:
        forget_profile(obj)
    run_logged([*make, f"-j{options.jobs}"], log, cwd=obj, env=env, title=f"{variant.name}: make -j{options.jobs}")
    if prefix.exists():
        shutil.rmtree(prefix)
    run_logged([*make, "install"], log, cwd=obj, env=env, title=f"{variant.name}: make install")
    facts = _check_interpreter(python, variant, options.tsan, _tsan_env(tree) if options.tsan else {})
    manifest: dict[str, object] = {
        "variant": variant.name,
        "cpython": release.version,
        "configure_flags": flags,
        "compiler": compiler,
        "environment": build_environment(env),
        "recipe": RECIPE_VERSION,
        "arch": arch.machine,
        "emulated": not arch.native,
        "tsan": options.tsan,
        "pgo": options.pgo,
        "source": archive.digest,
        "series": tree.state().get("series"),
        "head": tree.repo().head.commit.hexsha,
        "build_key": key,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "build_seconds": round(time.time() - started, 1),
        "interpreter": str(python),
        **facts,
    }
    write_json(manifest_file, manifest)
    gil = "on" if facts["gil_enabled"] else "off"
    note(f"[green]{variant.name} ({arch.debian}{', TSan' if options.tsan else ''}):[/] {facts['version']} (GIL {gil})")
    return Installed(variant, arch, prefix, python, manifest, options.tsan, options.pgo)
