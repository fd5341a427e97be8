"""Run long commands with their output in a log file and a live status line."""

from __future__ import annotations

import os
import subprocess
import time
from collections import deque
from collections.abc import Sequence
from pathlib import Path

from .console import console
from .errors import ToolkitError

TAIL_LINES = 40
HEARTBEAT_S = 60.0


def run_logged(
    command: Sequence[str], log: Path, title: str, *, cwd: Path | None = None, env: dict[str, str] | None = None
) -> None:
    """Run `command`, appending its output and duration to `log`; on failure, show the log's tail."""
    log.parent.mkdir(parents=True, exist_ok=True)
    tail: deque[str] = deque(maxlen=TAIL_LINES)
    started = time.monotonic()
    with log.open("a") as out, console.status(title) as status:
        out.write(f"$ {' '.join(command)}\n")
        out.flush()
        with subprocess.Popen(
            list(command),
            cwd=cwd,
            env={**os.environ, **(env or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        ) as proc:
            assert proc.stdout is not None
            last_beat = started
            for line in proc.stdout:
                out.write(line)
                tail.append(line.rstrip())
                now = time.monotonic()
                status.update(f"{title} [dim]({now - started:.0f}s) {line.strip()[:70]}[/]")
                if not console.is_terminal and now - last_beat >= HEARTBEAT_S:
                    console.print(f"    {title}: {now - started:.0f}s, log: {log}")
                    last_beat = now
            code = proc.wait()
        out.write(f"# {title}: exit {code} after {time.monotonic() - started:.0f}s\n")
    if code != 0:
        raise ToolkitError(
            f"{title} failed (exit {code}); last lines of {log}:\n" + "\n".join(f"  {ln}" for ln in tail)
        )
