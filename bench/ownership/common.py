"""Helpers shared by the ownership benchmark scripts (imported from the script's own directory)."""

from __future__ import annotations

import json
import statistics
import sys
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def gil_enabled() -> bool:
    """Whether this interpreter runs with a GIL (always true before 3.13)."""
    is_enabled: Callable[[], bool] = getattr(sys, "_is_gil_enabled", lambda: True)
    return is_enabled()


def latency_summary(samples: list[int]) -> dict[str, Any]:
    """Count, median and 99th percentile (ns) of latency samples."""
    return {
        "n": len(samples),
        "median_ns": statistics.median(samples),
        "p99_ns": statistics.quantiles(samples, n=100, method="inclusive")[98],
    }


def with_ownership_stats(run: Callable[..., T], *args: Any) -> tuple[T, dict[str, int] | None]:
    """`run(*args)` and the ownership counters it moved (zeroed before, read after); None without them."""
    stats: Callable[[], dict[str, int]] | None = getattr(sys, "_ownership_stats", None)
    if stats is None:
        return run(*args), None
    sys._ownership_reset_stats()  # type: ignore[attr-defined]
    result = run(*args)
    return result, stats()


def emit(benchmark: str, data: dict[str, Any], path: str | None = None) -> None:
    """Write the result as one JSON document to `path`, or print it on stdout."""
    document = {"benchmark": benchmark, "python": sys.version, "gil": gil_enabled(), **data}
    if path is None:
        json.dump(document, sys.stdout)
        print()
        return
    with open(path, "w") as out:
        json.dump(document, out)
