"""Atomic read-modify-writes a run executed: callgrind's per-instruction counts (--dump-instr=yes) at the addresses
where objdump shows such instructions.

Callgrind counts every instruction as one. An uncontended `lock cmpxchg` costs the core many times a plain store,
so instruction counts cannot show what ft's per-object locks and shared reference counts cost, which is what
ownership claims to remove; how many of them a run executes can be counted, deterministically, on a noisy machine.
An atomic read-modify-write here is an x86-64 instruction with the `lock` prefix or an `xchg` with a memory operand
(what gcc emits for a sequentially consistent store), or an arm64 LSE atomic or store-exclusive (the store of a
load/store-exclusive loop; the loop's retries count again).
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from ..errors import ToolkitError
from .callgrind_profile import CostLine

ATOMIC = re.compile(r"^(lock\b|xchg\s.*\(|(ld|st)(add|clr|eor|set|smax|smin|umax|umin)[a-z]*\s|swp[a-z]*\s"
                    r"|casp?[a-z]*\s|stl?x[rp][bh]?\s)")
"""The text of an atomic read-modify-write instruction in objdump's disassembly (x86-64 or arm64)."""
INSTRUCTION = re.compile(r"^\s*([0-9a-f]+):\t(.+)$")
"""An instruction line of `objdump -d --no-show-raw-insn`: '  10b2b4:\txchg   %rax,0x0(%r13)'."""


def is_atomic(instruction: str) -> bool:
    return ATOMIC.match(instruction.strip()) is not None


@functools.cache
def atomic_addresses(elf: str) -> frozenset[int]:
    """Addresses of the atomic read-modify-writes in an object file (as callgrind gives addresses: the file's own
    virtual addresses); none for an object that is not a file (valgrind's '???')."""
    if not Path(elf).is_file():
        return frozenset()
    if shutil.which("objdump") is None:
        raise ToolkitError("objdump is not installed: it comes with binutils (`apt-get install binutils`)")
    result = subprocess.run(["objdump", "-d", "--no-show-raw-insn", "-w", elf], capture_output=True, text=True,
                            check=False)
    if result.returncode != 0:
        raise ToolkitError(f"objdump could not disassemble {elf}:\n{result.stderr[-2000:]}")
    return frozenset(int(m.group(1), 16) for m in map(INSTRUCTION.match, result.stdout.splitlines())
                     if m and is_atomic(m.group(2)))


def atomic_lines(lines: Sequence[CostLine]) -> list[CostLine]:
    """The cost lines of atomic read-modify-writes among those of a callgrind profile made with --dump-instr=yes (a
    profile without instruction addresses has none)."""
    return [c for c in lines if c.address is not None and c.address in atomic_addresses(c.object)]
