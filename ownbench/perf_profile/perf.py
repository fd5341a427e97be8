"""Linux perf: find it, record a command with software clock sampling, and read `perf report` back."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from .. import system_deps
from ..errors import ToolkitError
from ..process import environment

EVENT = "cpu-clock"
"""Software clock sampling: virtual machines often have no hardware counters, so `cycles` does not work."""
PARANOID = Path("/proc/sys/kernel/perf_event_paranoid")
REFUSALS = ("perf_event_paranoid", "no permission", "not permitted", "access to performance monitoring")
"""Phrases in perf's error messages when the kernel refuses to let it sample."""
ENTRY = re.compile(r"^\s*\d+(?:\.\d+)?%\s+(\d+)\s+\[(.)\]\s+(.*\S)\s*$")
"""A line of `perf report -F overhead,sample,sym`: '    14.08%     139  [.] _PyEval_EvalFrameDefault'."""
KERNEL = "[k] "
"""What a kernel symbol's name starts with in a Profile."""


@dataclass(frozen=True)
class Profile:
    """The self samples of one run by symbol (kernel symbols keep perf's '[k] ' in front of their name)."""

    counts: Mapping[str, int]

    @cached_property
    def total(self) -> int:
        return sum(self.counts.values())

    def share(self, name: str) -> float:
        """The fraction of all samples that hit `name` (0 if none did)."""
        return self.counts.get(name, 0) / self.total if self.total else 0.0

    @cached_property
    def kernel_share(self) -> float:
        """The fraction of all samples in the kernel (system calls, scheduling, page faults)."""
        kernel = sum(n for name, n in self.counts.items() if name.startswith(KERNEL))
        return kernel / self.total if self.total else 0.0

    def top(self, n: int) -> list[str]:
        """The `n` most sampled symbols, most first (ties by name)."""
        return sorted(self.counts, key=lambda name: (-self.counts[name], name))[:n]


def find_perf() -> str:
    """perf's path, installing linux-perf first when root (see system_deps); a clear error when there is none."""
    system_deps.ensure_packages(system_deps.PROFILE_PACKAGES)
    found = shutil.which("perf")
    if found is None:
        packages = " ".join(system_deps.PROFILE_PACKAGES)
        raise ToolkitError(f"perf is not installed (no `perf` on PATH); install the Debian package {packages}: "
                           f"apt-get install {packages}")
    return found


def paranoid_level() -> str:
    """kernel.perf_event_paranoid as the kernel reports it ('unknown' where it cannot be read)."""
    try:
        return PARANOID.read_text().strip()
    except OSError:
        return "unknown"


def refusal_reason() -> str:
    """Why the kernel refuses perf its events, as far as the toolkit can tell."""
    if os.geteuid() == 0:
        return ("the kernel refuses root too here: perf_event_open is forbidden (a container without CAP_PERFMON or "
                "CAP_SYS_ADMIN, or a seccomp filter)")
    return (f"kernel.perf_event_paranoid is {paranoid_level()}, and sampling a program's user and kernel code "
            "needs root or a value of 1 or less (`sudo sysctl kernel.perf_event_paranoid=1`)")


SAMPLING = ("-e", EVENT, "-g")
"""perf record's arguments for the time profile: clock samples with frame-pointer call chains."""


def record(perf: str, data: Path, command: Sequence[str], env: Mapping[str, str | None], title: str,
           events: Sequence[str] = SAMPLING) -> str:
    """`perf record` of `events` (by default SAMPLING) while `command` runs (with `env`'s changes to the
    environment) into `data`; returns the command's standard output. A refusal by the kernel or a failing command
    is an error saying which."""
    result = subprocess.run([perf, "record", *events, "-o", str(data), "--", *command],
                            capture_output=True, text=True, errors="replace", env=environment(env), check=False)
    if result.returncode == 0:
        return result.stdout
    tail = "\n".join(f"  {line}" for line in result.stderr.strip().splitlines()[-15:])
    if any(phrase in result.stderr.lower() for phrase in REFUSALS):
        raise ToolkitError(f"perf refused to sample {title}: {refusal_reason()}; perf said:\n{tail}")
    raise ToolkitError(f"perf record of {title} failed (exit {result.returncode}, the command's own status when it "
                       f"ran):\n{tail}")


def report(perf: str, data: Path) -> str:
    """`perf report` of `data`: self samples by symbol (--no-children), with the call chains that lead there."""
    result = subprocess.run([perf, "report", "--stdio", "--no-children", "-F", "overhead,sample,sym", "-i", str(data)],
                            capture_output=True, text=True, errors="replace", check=False)
    if result.returncode != 0:
        raise ToolkitError(f"perf report of {data} failed (exit {result.returncode}): {result.stderr.strip()[-2000:]}")
    return result.stdout


def parse_report(text: str) -> Profile:
    """The symbols of a `perf report -F overhead,sample,sym` text and their samples; call chain lines and
    comments are skipped. A text without any symbol is an error."""
    symbols: dict[str, int] = {}
    for line in text.splitlines():
        match = ENTRY.match(line)
        if match:
            samples, kind, name = int(match.group(1)), match.group(2), match.group(3)
            key = f"{KERNEL}{name}" if kind == "k" else name
            symbols[key] = symbols.get(key, 0) + samples
    if not symbols:
        raise ToolkitError("no symbols in the perf report (was it made with `-F overhead,sample,sym`?)")
    return Profile(symbols)
