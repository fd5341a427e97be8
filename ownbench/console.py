"""Progress output shared by every task."""

from __future__ import annotations

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

console = Console(stderr=True, highlight=False, soft_wrap=True)


def step(message: str) -> None:
    """Announce the start of a step."""
    console.print(f"[bold cyan]==>[/] {message}")


def note(message: str) -> None:
    """Print a secondary line of progress (skips, reasons, results)."""
    console.print(f"    {message}")


def download_progress() -> Progress:
    """A progress bar for byte transfers."""
    return Progress(
        TextColumn("    {task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )
