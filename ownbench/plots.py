"""PNG plots for the report (matplotlib, no display needed)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402


def grouped_bars(
    groups: list[str], series: dict[str, list[float]], *, title: str, ylabel: str, reference: float | None, out: Path,
    log: bool = False,
) -> Path:
    """One bar per series in each group, with an optional horizontal reference line (and a log y axis)."""
    fig, ax = plt.subplots(figsize=(min(14.0, max(6.0, 0.3 * len(groups) * max(1, len(series)))), 4.5))
    width = 0.8 / max(1, len(series))
    for k, (name, values) in enumerate(series.items()):
        ax.bar([i + k * width for i in range(len(groups))], values, width, label=name)
    if reference is not None:
        ax.axhline(reference, color="grey", linewidth=0.8, linestyle="--")
    ax.set_xticks([i + width * (len(series) - 1) / 2 for i in range(len(groups))])
    ax.set_xticklabels(groups, rotation=45, ha="right")
    if log:
        ax.set_yscale("log")
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return _save(fig, out)


def ratio_points(names: list[str], values: list[float], lows: list[float], highs: list[float], *, title: str,
                 xlabel: str, out: Path) -> Path:
    """One point per name with its interval as an error bar, on an axis zoomed to the data, and a line at 1."""
    fig, ax = plt.subplots(figsize=(7.0, max(3.0, 0.28 * len(names) + 1.2)))
    ys = list(range(len(names)))
    below = [v - lo for v, lo in zip(values, lows, strict=True)]
    above = [hi - v for v, hi in zip(values, highs, strict=True)]
    ax.errorbar(values, ys, xerr=[below, above], fmt="o", capsize=3)
    ax.axvline(1.0, color="grey", linewidth=0.8, linestyle="--")
    ax.set_yticks(ys)
    ax.set_yticklabels(names)
    ax.invert_yaxis()
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    return _save(fig, out)


def lines(
    xs: list[int], series: dict[str, list[float]], *, title: str, xlabel: str, ylabel: str,
    reference: list[float] | None, out: Path,
) -> Path:
    """One line with markers per series over the same x values, with an optional dashed reference line."""
    fig, ax = plt.subplots(figsize=(6.0, 4.5))
    for name, values in series.items():
        ax.plot(xs, values, marker="o", label=name)
    if reference is not None:
        ax.plot(xs, reference, color="grey", linewidth=0.8, linestyle="--", label="ideal")
    ax.set_xticks(xs)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return _save(fig, out)


def _save(fig: Figure, out: Path) -> Path:
    """Lay the figure out, write it to `out` and free it."""
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out
