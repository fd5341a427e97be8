"""Configure, build, install and check one variant, with a manifest and no needless rebuilds."""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from . import paths, system_deps
from .console import note, step
from .errors import ToolkitError
from .process import run_logged
from .sources import SourceArchive
from .variants import COMMON_CONFIGURE_FLAGS, PGO_FLAGS, Variant
from .versions import Release
from .worktree import WorkTree, series_for, work_tree

MANIFEST_NAME = "ownbench-manifest.json"


@dataclass(frozen=True)
class BuildOptions:
    jobs: int = os.cpu_count() or 2
    pgo: bool = False


@dataclass(frozen=True)
class Installed:
    """A built and installed variant."""

    variant: Variant
    prefix: Path
    python: Path
    manifest: dict[str, object]


def _install_prefix(variant: Variant) -> Path:
    return paths.build_root() / variant.name / "install"


def interpreter_path(variant: Variant, release: Release) -> Path:
    return _install_prefix(variant) / "bin" / f"python{release.series}{variant.abiflags}"


def manifest_path(variant: Variant, release: Release) -> Path:
    return interpreter_path(variant, release).parent / MANIFEST_NAME


def load_installed(variant: Variant, release: Release) -> Installed:
    """The installed variant, or an error saying to build it."""
    python, manifest = interpreter_path(variant, release), manifest_path(variant, release)
    if not python.exists() or not manifest.is_file():
        raise ToolkitError(f"variant {variant.name} is not built; run `invoke build --variant {variant.name}`")
    return Installed(variant, _install_prefix(variant), python, json.loads(manifest.read_text()))


def configure_flags(variant: Variant, options: BuildOptions) -> list[str]:
    return [*COMMON_CONFIGURE_FLAGS, *variant.configure_flags, *(PGO_FLAGS if options.pgo else ())]


def compiler_version() -> str:
    out = subprocess.run(["gcc", "--version"], capture_output=True, text=True, check=True).stdout
    return out.splitlines()[0]


def _tree_state(tree: WorkTree) -> str:
    """Hash of the committed tree, uncommitted edits and the overlay copies."""
    repo = tree.repo()
    h = hashlib.sha256(repo.head.commit.tree.hexsha.encode())
    h.update(repo.git.diff("HEAD", "--binary").encode())
    h.update(tree.state().get("series", "").encode())
    return h.hexdigest()


def _build_key(flags: list[str], tree: WorkTree, compiler: str) -> str:
    return hashlib.sha256(json.dumps([flags, _tree_state(tree), compiler]).encode()).hexdigest()


def _check_interpreter(python: Path, variant: Variant) -> dict[str, object]:
    probe = (
        "import json, sys, sysconfig; print(json.dumps({'version': sys.version, "
        "'gil_enabled': sys._is_gil_enabled(), 'abiflags': sys.abiflags, "
        "'py_ownership': sysconfig.get_config_var('Py_OWNERSHIP')}))"
    )
    result = subprocess.run([str(python), "-c", probe], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise ToolkitError(f"{python} does not run: {result.stderr.strip()}")
    facts: dict[str, object] = json.loads(result.stdout)
    if facts["gil_enabled"] != variant.gil_enabled or facts["abiflags"] != variant.abiflags:
        raise ToolkitError(
            f"{variant.name} build is wrong: GIL enabled={facts['gil_enabled']} abiflags={facts['abiflags']!r}, "
            f"expected GIL enabled={variant.gil_enabled} abiflags={variant.abiflags!r}"
        )
    return facts


def build(variant: Variant, release: Release, archive: SourceArchive, options: BuildOptions) -> Installed:
    """Build and install `variant` unless an identical build is already installed."""
    system_deps.ensure_packages(system_deps.BUILD_PACKAGES)
    tree = work_tree(variant)
    series = series_for(variant)
    tree.prepare(archive, series)
    flags = configure_flags(variant, options)
    compiler = compiler_version()
    key = _build_key(flags, tree, compiler)
    python, manifest_file = interpreter_path(variant, release), manifest_path(variant, release)
    if manifest_file.is_file() and python.exists() and json.loads(manifest_file.read_text()).get("build_key") == key:
        note(f"{variant.name}: up to date ({python})")
        return load_installed(variant, release)

    step(f"Building {variant.name} ({' '.join(flags) or 'default flags'})")
    obj = tree.root / "obj"
    prefix = _install_prefix(variant)
    log = tree.root / "build.log"
    log.unlink(missing_ok=True)
    started = time.time()
    configured = obj / "ownbench-configure.json"
    configure_cmd = [str(tree.src / "configure"), f"--prefix={prefix}", *flags]
    env = {"CC": "ccache gcc", "CCACHE_BASEDIR": str(tree.root)}
    if not configured.is_file() or json.loads(configured.read_text()) != configure_cmd:
        if obj.exists():
            shutil.rmtree(obj)
        obj.mkdir(parents=True)
        run_logged(configure_cmd, log, cwd=obj, env=env, title=f"{variant.name}: configure")
        configured.write_text(json.dumps(configure_cmd))
    run_logged(["make", f"-j{options.jobs}"], log, cwd=obj, env=env, title=f"{variant.name}: make -j{options.jobs}")
    if prefix.exists():
        shutil.rmtree(prefix)
    run_logged(["make", "install"], log, cwd=obj, env=env, title=f"{variant.name}: make install")
    facts = _check_interpreter(python, variant)
    manifest: dict[str, object] = {
        "variant": variant.name,
        "cpython": release.version,
        "configure_flags": flags,
        "compiler": compiler,
        "arch": platform.machine(),
        "source": archive.digest,
        "series": tree.state().get("series"),
        "head": tree.repo().head.commit.hexsha,
        "build_key": key,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "build_seconds": round(time.time() - started, 1),
        "interpreter": str(python),
        **facts,
    }
    manifest_file.write_text(json.dumps(manifest, indent=2) + "\n")
    note(f"[green]{variant.name}:[/] {facts['version']} (GIL {'on' if facts['gil_enabled'] else 'off'})")
    return Installed(variant, prefix, python, manifest)
