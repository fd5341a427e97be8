"""Where threads switch out: perf's sched:sched_switch events with their call chains, counted by kind and site."""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..errors import ToolkitError

EVENTS = ("-e", "sched:sched_switch", "--call-graph", "dwarf,4096")
"""perf record's arguments: every switch-out, with a DWARF call chain (CPython and glibc keep no frame pointers)."""
FRAME = re.compile(r"^\s*[0-9a-f]+\s+(.+?)\s+\((.*)\)\s*$")
"""A call-chain line of `perf script -F ip,sym,dso`: '  163f32 __memcpy_evex_unaligned_erms (inlined)'."""
KINDS = (("yield", ("do_sched_yield", "__x64_sys_sched_yield", "__arm64_sys_sched_yield")),
         ("sleep", ("futex_wait", "futex_do_wait", "do_nanosleep", "io_schedule")),
         ("preempted", ("irqentry_exit_to_user_mode", "exit_to_user_mode_loop")))
"""Why a thread switched out, by a kernel function on its chain: it called sched_yield() (a spinning PyMutex), it
slept (a futex, as parked threads do; a sleep; I/O), or the scheduler preempted it (a timer tick or a wake-up)."""
PLUMBING = re.compile(r"^(_?_Py_yield|_?PyMutex_\w+|_PySemaphore_\w+|_PyParkingLot_Park|lock_short|lock_bucket"
                      r"|_PyCriticalSection_Begin(Mutex)?|\w*[Vv]ectorcall\w*|_Py?Object_Call\w*)$")
"""Frames between a site and the kernel that every wait shares (locking, parking, calling): skipped."""
SITE_FRAMES = 3


@dataclass(frozen=True)
class Switches:
    """Switch-outs of one run by (kind, site); a site is the innermost SITE_FRAMES frames of CPython's own code."""

    counts: Mapping[tuple[str, str], int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def of_kind(self, kind: str) -> int:
        return sum(n for (k, _), n in self.counts.items() if k == kind)


def switch_kind(kernel_frames: list[str]) -> str:
    return next((kind for kind, names in KINDS if any(f in names for f in kernel_frames)), "other")


def with_containers(frames: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Frames with each inlined one given the object file of the function it was inlined into (the next frame
    perf names one for)."""
    found: list[tuple[str, str]] = []
    container = "inlined"
    for name, dso in reversed(frames):
        if dso != "inlined":
            container = dso
        found.append((name, container))
    return found[::-1]


def site_of(frames: list[tuple[str, str]]) -> str:
    """The innermost frames outside the kernel, the C library, the loader and PLUMBING, innermost first; names
    reserved to the implementation (a leading `__`) and unresolved ones are left out too."""
    own = [name for name, dso in with_containers(frames)
           if dso != "[kernel.kallsyms]" and "/libc.so" not in dso and "/ld-linux" not in dso
           and not name.startswith("__") and name != "[unknown]"]
    return " < ".join([f for f in own if not PLUMBING.match(f)][:SITE_FRAMES]) or "(no frame of CPython)"


def parse_script(text: str) -> Switches:
    """The switch-outs of a `perf script -F ip,sym,dso` text (one call chain per event, blank lines between)."""
    counts: Counter[tuple[str, str]] = Counter()
    for block in text.split("\n\n"):
        frames = [(m.group(1), m.group(2)) for line in block.splitlines() if (m := FRAME.match(line))]
        if frames:
            kernel = [name for name, dso in frames if dso == "[kernel.kallsyms]"]
            counts[(switch_kind(kernel), site_of(frames))] += 1
    return Switches(counts)


def read_switches(perf: str, data: Path) -> Switches:
    result = subprocess.run([perf, "script", "-F", "ip,sym,dso", "-i", str(data)], capture_output=True, text=True,
                            errors="replace", check=False)
    if result.returncode != 0:
        raise ToolkitError(f"perf script of {data} failed (exit {result.returncode}): {result.stderr.strip()[-2000:]}")
    found = parse_script(result.stdout)
    if not found.total:
        raise ToolkitError(f"no sched:sched_switch events in {data}: did the workload's threads never wait?")
    return found


def format_counts(switches: Switches) -> str:
    """One line per (kind, site), most first: count, kind and site separated by tabs."""
    ranked = sorted(switches.counts.items(), key=lambda item: (-item[1], item[0]))
    return "".join(f"{n}\t{kind}\t{site}\n" for (kind, site), n in ranked)


def parse_counts(text: str) -> Switches:
    counts: dict[tuple[str, str], int] = {}
    for line in text.splitlines():
        n, kind, site = line.split("\t")
        counts[(kind, site)] = int(n)
    return Switches(counts)
