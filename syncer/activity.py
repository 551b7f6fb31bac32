"""What a long run is doing right now, for a person watching a terminal.

The engine, the puller, the executor and the adapters announce their phases here
("Reading the task list", "Scheduling", "Writing 12/340") with ``phase``, ``done`` and
``tick``; a reporter installed by the CLI (``reporting``) shows them. Without a reporter
(a pipe, ``--quiet``, ``--json``, tests, the library) every call is a cheap no-op. The
module imports nothing heavy: the core and the adapters may call it freely.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Protocol


class Reporter(Protocol):
    """Shows the current phase; ``total`` (when known) makes it a counted phase."""

    def phase(self, text: str, total: int | None) -> None: ...

    def done(self, count: int) -> None: ...

    def tick(self, count: int) -> None: ...


_CURRENT: ContextVar[Reporter | None] = ContextVar("goalsync_activity", default=None)


def phase(text: str, total: int | None = None) -> None:
    """Start a phase: ``text`` says what is being done ("Reading the calendar");
    ``total``, when given, the number of items it will go through."""
    reporter = _CURRENT.get()
    if reporter is not None:
        reporter.phase(text, total)


def done(count: int) -> None:
    """``count`` items of the current phase are finished (an absolute count)."""
    reporter = _CURRENT.get()
    if reporter is not None:
        reporter.done(count)


def tick(count: int = 1) -> None:
    """``count`` more items of the current phase are finished (adapters writing a
    batch one by one call this; the executor sets the absolute count after)."""
    reporter = _CURRENT.get()
    if reporter is not None:
        reporter.tick(count)


@contextmanager
def reporting(reporter: Reporter | None) -> Iterator[None]:
    """Send the phases announced inside the block to ``reporter`` (None: nowhere)."""
    token = _CURRENT.set(reporter)
    try:
        yield
    finally:
        _CURRENT.reset(token)
