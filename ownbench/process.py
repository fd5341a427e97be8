"""Run long commands with their output in a log file and a live status line."""

from __future__ import annotations

import os
import subprocess
import time
from collections import deque
from collections.abc import Mapping, Sequence
from pathlib import Path

from .console import console
from .errors import ToolkitError

TAIL_LINES = 40
HEARTBEAT_S = 60.0

EnvChanges = Mapping[str, str | None]
"""Changes to an inherited environment: a value sets the variable, None removes it."""


def environment(changes: EnvChanges | None = None, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """`base` (by default this process's environment) with `changes` applied."""
    env = dict(os.environ if base is None else base)
    for name, value in (changes or {}).items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def run_logged(
    command: Sequence[str], log: Path, title: str, *, cwd: Path | None = None, env: EnvChanges | None = None
) -> None:
    """Run `command` with `env`'s changes to the environment, appending its output and duration to `log`; on
    failure, show the log's tail."""
    log.parent.mkdir(parents=True, exist_ok=True)
    tail: deque[str] = deque(maxlen=TAIL_LINES)
    started = time.monotonic()
    with log.open("a") as out, console.status(title) as status:
        out.write(f"$ {' '.join(command)}\n")
        out.flush()
        with subprocess.Popen(
            list(command),
            cwd=cwd,
            env=environment(env),
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
