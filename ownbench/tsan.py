"""ThreadSanitizer builds and runs: configure flags, TSAN_OPTIONS as CPython's CI sets them, report counting.

CPython's CI (.github/workflows/reusable-tsan.yml) configures with --with-thread-sanitizer, sets
TSAN_OPTIONS="log_path=... suppressions=Tools/tsan/suppressions_free_threading.txt handle_segv=0" and lowers
vm.mmap_rnd_bits to 28, which older TSan runtimes need; here a process runs without ASLR instead.
"""

from __future__ import annotations

import platform
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .arch import Arch, arch_suffix
from .console import note
from .errors import ToolkitError
from .variants import Variant
from .worktree import BASELINE_TAG, WorkTree

CONFIGURE_FLAGS: tuple[str, ...] = ("--with-thread-sanitizer",)
SUFFIX = "-tsan"
SUPPRESSIONS = "Tools/tsan/suppressions_free_threading.txt"
LOG_NAME = "tsan_log"
TEST_TIMEOUT_S = 5400
"""regrtest --timeout per test file: TSan slows the interpreter down 5-15x."""
DEFAULT_TESTS: dict[str, tuple[str, ...]] = {
    "ft": ("test_free_threading",),
    "owner": ("test_ownership", "test_free_threading"),
}
MMAP_RND_BITS = Path("/proc/sys/vm/mmap_rnd_bits")
MAX_RND_BITS = 28
"""CPython's CI sets vm.mmap_rnd_bits=28 "to avoid TSAN crashing"; above that, run without ASLR."""

WARNING = "WARNING: ThreadSanitizer:"
FATAL: tuple[str, ...] = ("FATAL: ThreadSanitizer", "ThreadSanitizer: failed to read suppressions")
SUMMARY = re.compile(r"SUMMARY: ThreadSanitizer: (.+?)\s*$", re.MULTILINE)


def check_supported(variant: Variant, arch: Arch, pgo: bool = False) -> None:
    """TSan builds are for the free-threaded variants, natively, without PGO; anything else is refused."""
    if variant.gil_enabled:
        raise ToolkitError(
            f"--tsan is for the free-threaded variants (ft, owner): {variant.name} has the GIL and CPython ships "
            "no suppressions for it here; use --variant ft,owner"
        )
    if not arch.native:
        raise ToolkitError(
            f"--tsan with --arch {arch.debian} is not supported: ThreadSanitizer builds are native only "
            f"(not cross-built and run under qemu-user); run it on a {arch.debian} machine"
        )
    if pgo:
        raise ToolkitError("--tsan with --pgo is not supported: PGO would train on the instrumented interpreter")


def build_suffix(arch: Arch, tsan: bool, pgo: bool = False) -> str:
    """Suffix of obj/, install/, the build log and result files: '-tsan', '-pgo', '-<machine>', '-pgo-<machine>'
    or ''."""
    if tsan:
        return SUFFIX
    return ("-pgo" if pgo else "") + arch_suffix(arch)


def tsan_options(suppressions: Path, log_path: Path | None = None) -> str:
    """TSAN_OPTIONS as CPython's CI sets them; with log_path, reports go to <log_path>.<pid>."""
    options = [f"suppressions={suppressions}", "handle_segv=0"]
    if log_path is not None:
        options.insert(0, f"log_path={log_path}")
    for path in (suppressions, log_path):
        if path is not None and re.search(r"[\s:,]", str(path)):
            raise ToolkitError(f"TSAN_OPTIONS cannot hold a path with spaces, ':' or ',': {path}")
    return " ".join(options)


def command_prefix(rnd_bits_file: Path | None = None) -> list[str]:
    """`setarch <machine> -R` where the kernel's mmap randomization is above what TSan runtimes tolerate."""
    try:
        bits = int((rnd_bits_file or MMAP_RND_BITS).read_text().strip())
    except (OSError, ValueError):
        return []
    if bits <= MAX_RND_BITS:
        return []
    return ["setarch", platform.machine(), "--addr-no-randomize"]


@dataclass(frozen=True)
class Scan:
    """ThreadSanitizer output found in logs: warning reports, fatal errors, and their SUMMARY lines."""

    reports: int = 0
    fatal: int = 0
    summaries: Counter[str] = field(default_factory=Counter)

    def __add__(self, other: Scan) -> Scan:
        return Scan(self.reports + other.reports, self.fatal + other.fatal, self.summaries + other.summaries)

    def to_json(self, top: int = 20) -> dict[str, object]:
        return {"reports": self.reports, "fatal": self.fatal,
                "summaries": [{"summary": s, "count": n} for s, n in self.summaries.most_common(top)]}


def scan_text(text: str) -> Scan:
    """Count the 'WARNING: ThreadSanitizer: ...' reports and the errors that stop TSan in `text`."""
    return Scan(text.count(WARNING), sum(text.count(f) for f in FATAL), Counter(SUMMARY.findall(text)))


def scan_files(files: Iterable[Path]) -> Scan:
    total = Scan()
    for f in files:
        total += scan_text(f.read_text(errors="replace"))
    return total


@dataclass(frozen=True)
class TsanRun:
    """Where one regrtest run under TSan takes its suppressions from and writes its reports to."""

    suppressions: Path
    log_dir: Path

    @property
    def log_path(self) -> Path:
        return self.log_dir / LOG_NAME

    @property
    def output_log(self) -> Path:
        """regrtest's own output (reports of processes started without TSAN_OPTIONS end up there)."""
        return self.log_dir / "regrtest.log"

    def env(self) -> dict[str, str]:
        return {"TSAN_OPTIONS": tsan_options(self.suppressions, self.log_path)}

    def command(self, regrtest: list[str], tests: Iterable[str]) -> list[str]:
        """The regrtest command line with a generous per-test timeout, without ASLR where TSan needs that."""
        return [*command_prefix(), *regrtest, f"--timeout={TEST_TIMEOUT_S}", *tests]

    def clear(self) -> None:
        """Remove the logs of an earlier run, so that only this run's reports are counted."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for old in (*self.log_dir.glob(f"{LOG_NAME}.*"), self.output_log):
            old.unlink(missing_ok=True)

    def scan(self) -> Scan:
        """Reports in the per-process TSan logs and in regrtest's output."""
        files = sorted(self.log_dir.glob(f"{LOG_NAME}.*"))
        return scan_files([*files, self.output_log] if self.output_log.is_file() else files)


def pristine_suppressions(tree: WorkTree, dest: Path) -> Path:
    """Copy the suppressions file of the pristine source (what `ft` ships) to `dest`; return `dest`.

    Patches cannot add suppressions: the ownership build must be clean against ft's own list.
    """
    repo = tree.repo()
    text = repo.git.show(f"{BASELINE_TAG}:{SUPPRESSIONS}")
    current = tree.src / SUPPRESSIONS
    if current.is_file() and current.read_text().rstrip("\n") != text.rstrip("\n"):
        note(f"[yellow]{current} differs from the pristine source; using the pristine suppressions[/]")
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(text + "\n")
    return dest
