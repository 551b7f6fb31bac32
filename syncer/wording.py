"""Counts as people write them: ``1 step``, ``2 steps``, ``1 habit``, ``3 entries``."""

from __future__ import annotations


def count(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and ``noun`` in the number ``n`` asks for (``plural`` when adding an "s"
    is not how the noun forms it)."""
    return f"{n} {noun}" if n == 1 else f"{n} {plural or noun + 's'}"
