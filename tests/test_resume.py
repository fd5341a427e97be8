"""Benchmark runs resume: finished pieces are kept, missing ones are run."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from ownbench import reproduce as reproduce_module
from ownbench import system_deps
from ownbench.arch import Arch, get_arch, native_arch
from ownbench.bench import scaling
from ownbench.bench.profiles import OwnershipSizes, Profile, get_profile
from ownbench.bench.pyperformance_runner import raw_file, run_pyperformance
from ownbench.bench.raw_records import claim_dir, recorded_key
from ownbench.build import BuildOptions, Installed
from ownbench.errors import ToolkitError
from ownbench.results import read_json
from ownbench.variants import VARIANTS
from ownbench.versions import get_release

TWO = Profile("two", ("nbody", "unpack_sequence"), ("--debug-single-value",), 1, (1,), 1, 1, 1,
              OwnershipSizes(1, 10, 1.0, 2, (1,), 100, 0.01, 1))


@pytest.mark.integration
def test_pyperformance_reruns_only_what_is_missing(tmp_path: Path) -> None:
    python = Path(sys.executable)
    prefix = tmp_path / "build" / "stock" / "install"
    prefix.mkdir(parents=True)
    host = Installed(VARIANTS["stock"], native_arch(), prefix, python, {"variant": "stock"})
    out = tmp_path / "results"
    assert run_pyperformance([host], TWO, out) == {"stock": []}
    raw = out / "raw" / "pyperformance"
    done, redo = raw_file(raw, "stock", "nbody", 0), raw_file(raw, "stock", "unpack_sequence", 0)
    kept = done.stat().st_mtime_ns
    redo.unlink()
    assert run_pyperformance([host], TWO, out) == {"stock": []}
    assert done.stat().st_mtime_ns == kept  # not run again
    assert redo.is_file()  # the missing piece was run
    assert (out / "pyperformance" / "stock.json").is_file()


def test_reproduce_checks_every_package_before_step_one(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    asked: list[tuple[str, ...]] = []

    def stop(packages: tuple[str, ...]) -> None:
        asked.append(packages)
        raise ToolkitError("preflight")

    def no_fetch(*args: object) -> None:
        raise AssertionError("step 1 ran before the preflight")

    monkeypatch.setattr(system_deps, "ensure_packages", stop)
    monkeypatch.setattr(reproduce_module.pipeline, "fetch_source", no_fetch)
    monkeypatch.setenv("OWNBENCH_BUILD_DIR", str(tmp_path))
    with pytest.raises(ToolkitError, match="preflight"):
        reproduce_module.reproduce([VARIANTS["stock"]], get_release(), get_profile("quick"), "t",
                                   BuildOptions(arch=native_arch()))
    assert "valgrind" in asked[0] and "build-essential" in asked[0]


def test_reproduce_sets_up_a_foreign_target_before_step_one(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    prepared: list[str] = []

    def stop(arch: Arch) -> None:
        prepared.append(arch.machine)
        raise ToolkitError("cross preflight")

    def no_fetch(*args: object) -> None:
        raise AssertionError("step 1 ran before the cross preflight")

    monkeypatch.setattr(system_deps, "ensure_packages", lambda packages: None)
    monkeypatch.setattr(reproduce_module, "ensure_cross_environment", stop)
    monkeypatch.setattr(reproduce_module.pipeline, "fetch_source", no_fetch)
    monkeypatch.setenv("OWNBENCH_BUILD_DIR", str(tmp_path))
    with pytest.raises(ToolkitError, match="cross preflight"):
        reproduce_module.reproduce([VARIANTS["stock"]], get_release(), get_profile("quick"), "t",
                                   BuildOptions(arch=get_arch("arm64")), allow_emulated=True)
    assert prepared == ["aarch64"]


def test_records_of_another_build_are_moved_aside_not_reused(tmp_path: Path) -> None:
    variant_dir = tmp_path / "raw" / "ownership" / "owner"
    claim_dir(variant_dir, "key-one")
    (variant_dir / "steal_roundtrip.r0.json").write_text("{}")
    claim_dir(variant_dir, "key-one")  # same build: kept
    assert (variant_dir / "steal_roundtrip.r0.json").is_file()
    claim_dir(variant_dir, "key-two")  # rebuilt: the old record must not be resumed
    assert not (variant_dir / "steal_roundtrip.r0.json").exists()
    assert recorded_key(variant_dir) == "key-two"
    aside = tmp_path / "raw" / "ownership.stale" / "owner-key-one"
    assert (aside / "steal_roundtrip.r0.json").is_file()  # moved, never deleted
    assert sorted((tmp_path / "raw" / "ownership").glob("*/*.r*.json")) == []


def test_unstamped_records_count_as_another_build(tmp_path: Path) -> None:
    variant_dir = tmp_path / "raw" / "pyperformance" / "ft"
    variant_dir.mkdir(parents=True)
    (variant_dir / "nbody.r0.json").write_text("{}")
    claim_dir(variant_dir, "key")
    assert list(variant_dir.glob("*.json")) == []
    assert (tmp_path / "raw" / "pyperformance.stale" / "ft-unrecorded" / "nbody.r0.json").is_file()


def test_scaling_results_of_another_build_are_measured_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    measured: list[str] = []

    def fake_time_threads(python: Path, script: Path, threads: int, scale: int, env: object) -> dict[str, float]:
        measured.append(str(python))
        return {"object_cfunction": 10.0 * threads}

    monkeypatch.setattr(scaling, "time_threads", fake_time_threads)

    def built(key: str) -> Installed:
        return Installed(VARIANTS["owner"], native_arch(), tmp_path / "owner" / "install", Path(f"/py-{key}"),
                         {"variant": "owner", "build_key": key})

    out = tmp_path / "results"
    scaling.run_scaling([built("key-one")], TWO, out)
    scaling.run_scaling([built("key-one")], TWO, out)  # same build: resumed, not measured again
    assert measured == ["/py-key-one"]
    scaling.run_scaling([built("key-two")], TWO, out)  # rebuilt: the old result must not be reused
    assert measured == ["/py-key-one", "/py-key-two"]
    assert read_json(out / "scaling" / "owner.json")["build_key"] == "key-two"
    assert read_json(out / "scaling.stale" / "owner-key-one.json")["build_key"] == "key-one"  # moved, not deleted
    scaling.run_scaling([built("key-one")], TWO, out)  # back to the first build: both old results are kept
    assert read_json(out / "scaling.stale" / "owner-key-two.json")["build_key"] == "key-two"
    scaling.run_scaling([built("key-two")], TWO, out)
    assert sorted(p.name for p in (out / "scaling.stale").iterdir()) == \
        ["owner-key-one.2.json", "owner-key-one.json", "owner-key-two.json"]
    (out / "scaling" / "owner.json").write_text("{not json")  # damaged: moved aside as unrecorded, measured again
    scaling.run_scaling([built("key-two")], TWO, out)
    assert (out / "scaling.stale" / "owner-unrecorded.json").read_text() == "{not json"
    assert read_json(out / "scaling" / "owner.json")["build_key"] == "key-two"


def test_scaling_pairs_hash_seeds_across_variants(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seeds: dict[tuple[str, int], list[str]] = {}

    def fake_time_threads(python: Path, script: Path, threads: int, scale: int, env: dict[str, str | None]
                          ) -> dict[str, float]:
        seeds.setdefault((str(python), threads), []).append(str(env["PYTHONHASHSEED"]))
        return {"object_cfunction": 10.0 * threads}

    monkeypatch.setattr(scaling, "time_threads", fake_time_threads)
    installed = [Installed(VARIANTS[v], native_arch(), tmp_path / v / "install", Path(f"/py-{v}"),
                           {"variant": v, "build_key": v}) for v in ("ft", "owner")]
    profile = Profile("three", (), (), 0, (1, 2), 1, 3, 0, TWO.ownership)
    scaling.run_scaling(installed, profile, tmp_path / "results")
    assert set(map(tuple, seeds.values())) == {("1", "2", "3")}  # every variant and thread count, same seeds
    assert read_json(tmp_path / "results" / "scaling" / "ft.json")["hash_seeds"] == ["1", "2", "3"]
