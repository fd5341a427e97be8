"""Small Markdown helpers for the report."""

from __future__ import annotations


def ordered(names: list[str], known: list[str]) -> list[str]:
    """`names` in the order of `known`, then the unknown ones sorted."""
    return [n for n in known if n in names] + sorted(n for n in names if n not in known)


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def code(text: str) -> str:
    """`text` as inline code in a Markdown table cell."""
    return f"`{text}`".replace("|", "\\|")
