"""Order work so that machine drift hits every variant alike."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


def rotated(items: Sequence[T], shift: int) -> list[T]:
    """`items` rotated left by `shift`, so each item leads in turn."""
    if not items:
        return []
    k = shift % len(items)
    return [*items[k:], *items[:k]]
