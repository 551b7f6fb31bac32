"""Running one hostile input through the CLI, in process, measured.

``guarded(*args)`` runs ``goalsync ARGS --now NOW`` as the console script does (errors
become sentences and exit codes) and returns the exit code, the output, the peak of
Python memory allocated during the run (tracemalloc) and the seconds it took. A hang
guard (SIGALRM, far above any real run) turns a hang into a failure instead of a stuck
suite; it is not a speed limit. ``assert_sentence`` checks what every hostile input must
get: the promised exit code, a sentence (``goalsync: ...`` or ``file:line: ...``), no
traceback, no "unexpected error" (the wording of a bug), and bounded memory.
"""

from __future__ import annotations

import contextlib
import io
import signal
import time
import tracemalloc
from collections.abc import Iterator
from dataclasses import dataclass
from types import FrameType

from syncer.cli import main
from tests.helpers.cli import NOW, run_main

HANG = 90  # seconds: a guard against a hang, not a speed limit
MEMORY = 200 * 1024 * 1024  # bytes of Python allocations at the peak of one run


class Hung(BaseException):
    """Raised into the run by the hang guard (not an Exception: nothing may swallow it)."""


@dataclass(frozen=True)
class Outcome:
    code: int
    out: str
    err: str
    peak: int
    seconds: float

    @property
    def text(self) -> str:
        return self.out + self.err


@contextlib.contextmanager
def hang_guard(seconds: int = HANG) -> Iterator[None]:
    def hung(signum: int, frame: FrameType | None) -> None:
        raise Hung(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def guarded(*args: str, now: str | None = NOW, measure: bool = True) -> Outcome:
    """``goalsync ARGS --now NOW`` (no ``--now`` when ``now`` is None), measured."""
    if measure:
        tracemalloc.start()
    started = time.monotonic()
    try:
        with hang_guard():
            code, out, err = run_main(*args, now=now) if now else _run(*args)
        peak = tracemalloc.get_traced_memory()[1] if measure else 0
    finally:
        if measure:
            tracemalloc.stop()
    return Outcome(code, out, err, peak, time.monotonic() - started)


def _run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(list(args))
        except SystemExit as done:
            code = int(done.code or 0)
    return code, out.getvalue(), err.getvalue()


def assert_sentence(outcome: Outcome, code: int, *, says: str = "") -> None:
    """The promised exit code with a sentence, no traceback, bounded memory."""
    text = outcome.text if len(outcome.text) < 3000 else outcome.text[:3000] + "…"
    assert outcome.code == code, f"exit {outcome.code}, expected {code}:\n{text}"
    assert "Traceback" not in text, text
    assert "unexpected error" not in text, text  # the wording of a bug
    if code:
        assert "goalsync:" in outcome.err or ": " in outcome.err, text
    if says:
        assert says in outcome.text, text
    assert outcome.peak < MEMORY, f"peak {outcome.peak / 1e6:.0f} MB"
