"""Terminal conventions in one place: colour, width, bars and live progress.

Rendering is done by ``rich``, imported only when something is drawn (``--help`` and
the JSON paths never load it). The rules:

* Colour: ``--color=auto`` (the default) colours a terminal only; ``never`` and a
  non-empty ``NO_COLOR`` (https://no-color.org) turn it off; ``always`` (or
  ``FORCE_COLOR``) keeps it on a pipe too. ``NO_COLOR`` wins over ``auto`` only.
* Width: ``COLUMNS``, else the terminal's own width (also when stdout is piped to
  ``less`` while stderr is the terminal), else 100 (cron, a file).
* Bars: Unicode blocks when the output encoding can show them, ``[###---]`` otherwise.
* Live progress (``live_progress``) goes to stderr, only on a terminal, and is wiped when
  the run ends: what stays on screen is the result.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from rich.console import Console

COLOUR_MODES = ("auto", "never", "always")
PIPE_WIDTH = 100
_mode = ["auto"]  # set once per invocation by the CLI's --color


def set_colour_mode(mode: str) -> None:
    """``auto``, ``never`` or ``always`` (``--color``)."""
    if mode not in COLOUR_MODES:
        raise ValueError(mode)
    _mode[0] = mode


def colour_mode() -> str:
    """The mode in force: ``--color`` if given, else ``never`` under NO_COLOR, else
    ``always`` under FORCE_COLOR, else ``auto``."""
    if _mode[0] != "auto":
        return _mode[0]
    if os.environ.get("NO_COLOR"):
        return "never"
    if os.environ.get("FORCE_COLOR"):
        return "always"
    return "auto"


def wants_colour(stream: TextIO | None = None) -> bool:
    """Whether text written to ``stream`` (default stdout) should carry colour."""
    mode = colour_mode()
    if mode != "auto":
        return mode == "always"
    stream = stream or sys.stdout
    return bool(getattr(stream, "isatty", lambda: False)())


def is_terminal(stream: TextIO | None = None) -> bool:
    stream = stream or sys.stdout
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def console(stream: TextIO | None = None, columns: int | None = None) -> Console:
    """A rich console for ``stream`` (default: the current stdout, so click's test
    runner captures it) that follows the rules above."""
    from rich.console import Console

    stream = stream or sys.stdout
    terminal = is_terminal(stream)
    colour = wants_colour(stream)
    if columns is None and not terminal:
        columns = width(stream)
    return Console(file=stream, width=columns, force_terminal=colour or None,
                   no_color=not colour, color_system="auto" if colour else None,
                   highlight=False, emoji=False, soft_wrap=False,
                   legacy_windows=False, force_interactive=terminal)


def width(stream: TextIO | None = None) -> int:
    """Columns to render for: ``COLUMNS``, else the terminal's width (on a pipe to
    ``less`` or ``head``, the terminal stderr still shows), else 100 (cron, files)."""
    stream = stream or sys.stdout
    env = _env_width()
    if env:
        return env
    for candidate in (stream, sys.__stderr__):
        if candidate is not None and is_terminal(candidate):
            try:
                return os.get_terminal_size(candidate.fileno()).columns or PIPE_WIDTH
            except (OSError, ValueError, AttributeError):
                continue
    return PIPE_WIDTH


def _env_width() -> int | None:
    try:
        return int(os.environ.get("COLUMNS", "")) or None
    except ValueError:
        return None


def unicode_ok(stream: TextIO | None = None) -> bool:
    """Whether ``stream`` can show box and block characters (a UTF encoding)."""
    if os.environ.get("GOALSYNC_ASCII"):
        return False
    encoding = getattr(stream or sys.stdout, "encoding", None) or ""
    return _unicode_encoding(encoding)


def bar(share: float, width: int = 20, unicode: bool = True) -> str:
    """A progress bar ``width`` cells wide: ``█████░░░░░`` (eighths for the partly
    filled cell) or, without Unicode, ``[###-----]`` (brackets included: the same
    width, so a table's column fits either)."""
    share = max(0.0, min(1.0, share))
    if not unicode:
        inner = max(1, width - 2)
        filled = round(share * inner)
        return "[" + "#" * filled + "-" * (inner - filled) + "]"
    eighths = round(share * width * 8)
    full, part = divmod(eighths, 8)
    partial = " ▏▎▍▌▋▊▉"[part] if part else ""
    return ("█" * full + partial + "░" * width)[:width]


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """``1 step``, ``2 steps``: ``noun`` or its ``plural`` (default ``noun + "s"``)."""
    return f"{count} {noun if count == 1 else plural or noun + 's'}"


# ------------------------------------------------------------ narrow encodings

# What the CLI's own typography becomes where the output encoding lacks it; other
# characters lose their accents (``ü`` → ``u``), else become ``?``.
ASCII_TEXT = {"…": "...", "–": "-", "—": "--", "·": "-", "•": "*", "“": '"', "”": '"',
              "‘": "'", "’": "'", "×": "x", "→": "->", "←": "<-", "≤": "<=", "≥": ">=",
              "−": "-", "✓": "v", "█": "#", "░": "-", "▏": "#", "▎": "#", "▍": "#",
              "▌": "#", "▋": "#", "▊": "#", "▉": "#", "━": "-", "\u00a0": " "}
ERRORS = "goalsync-ascii"  # the codec error handler that applies ASCII_TEXT
CODEC = "goalsync_ascii"  # ASCII with that handler, under a name click leaves alone


def to_ascii(text: str) -> str:
    """``text`` with ``ASCII_TEXT`` applied and every other non-ASCII character
    folded (``ü`` → ``u``) or, when it has no ASCII form, ``?``."""
    import unicodedata

    out = []
    for char in text:
        if char.isascii():
            out.append(char)
        elif char in ASCII_TEXT:
            out.append(ASCII_TEXT[char])
        else:
            folded = unicodedata.normalize("NFKD", char).encode("ascii", "ignore")
            out.append(folded.decode() or "?")
    return "".join(out)


def _replace_unencodable(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    return to_ascii(error.object[error.start:error.end]), error.end


def _ascii_codec(name: str) -> Any:
    import codecs

    if name.replace("-", "_") != CODEC:
        return None

    def encode(text: str, errors: str = "strict") -> tuple[bytes, int]:
        return text.encode("ascii", ERRORS), len(text)

    class Encoder(codecs.IncrementalEncoder):
        def encode(self, text: str, final: bool = False) -> bytes:
            return text.encode("ascii", ERRORS)

    ascii_codec = codecs.lookup("ascii")
    return codecs.CodecInfo(encode, ascii_codec.decode, name=CODEC,
                            incrementalencoder=Encoder,
                            incrementaldecoder=ascii_codec.incrementaldecoder)


def fit_streams() -> None:
    """Make stdout and stderr write only what their encoding can show: where it is
    not a Unicode one (``PYTHONIOENCODING=ascii``, a Latin-1 terminal), the CLI's
    typography becomes ASCII (``…`` → ``...``) instead of failing with
    UnicodeEncodeError or (click's fix for ASCII streams) writing UTF-8 anyway."""
    import codecs

    for stream in (sys.stdout, sys.stderr):
        encoding = getattr(stream, "encoding", None) or ""
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is None or _unicode_encoding(encoding):
            continue
        try:
            codecs.lookup_error(ERRORS)
        except LookupError:
            codecs.register_error(ERRORS, _replace_unencodable)
            codecs.register(_ascii_codec)
        try:
            if codecs.lookup(encoding).name == "ascii":  # click would write UTF-8
                reconfigure(encoding=CODEC, errors=ERRORS)
            else:
                reconfigure(errors=ERRORS)
        except (LookupError, ValueError, OSError):
            continue


def _unicode_encoding(encoding: str) -> bool:
    return encoding.lower().replace("-", "").replace("_", "").startswith("utf")


# ----------------------------------------------------------------- live progress


class LiveReporter:
    """An ``activity.Reporter`` drawing one transient line on stderr: a spinner, the
    phase, and for a counted phase a bar with ``n/N`` and the time it has taken."""

    def __init__(self, stream: TextIO) -> None:
        from rich.progress import (
            BarColumn,
            Progress,
            ProgressColumn,
            SpinnerColumn,
            Task,
            TextColumn,
            TimeElapsedColumn,
        )
        from rich.text import Text

        class Counted(ProgressColumn):
            """Its column only for a counted phase (an uncounted one shows none)."""

            def __init__(self, inner: ProgressColumn) -> None:
                super().__init__()
                self.inner = inner

            def render(self, task: Task) -> Any:
                return self.inner.render(task) if task.total is not None else Text("")

        out = console(stream)
        spinner = "dots" if unicode_ok(stream) else "line"
        self._progress = Progress(
            SpinnerColumn(spinner), TextColumn("{task.description}"),
            Counted(BarColumn(bar_width=20 if out.width < 100 else 30)),
            Counted(TextColumn("{task.completed:.0f}/{task.total:.0f}")),
            TimeElapsedColumn(),
            console=out, transient=True, expand=False, refresh_per_second=8)
        self._task: Any = None

    def __enter__(self) -> LiveReporter:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def phase(self, text: str, total: int | None) -> None:
        if self._task is not None:
            self._progress.remove_task(self._task)
        self._task = self._progress.add_task(text, total=total)

    def done(self, count: int) -> None:
        if self._task is not None:
            self._progress.update(self._task, completed=count)

    def tick(self, count: int) -> None:
        if self._task is not None:
            task = self._progress.tasks[-1]
            completed = task.completed + count
            if task.total is not None:
                completed = min(completed, task.total)
            self._progress.update(self._task, completed=completed)


class DelayedReporter:
    """Keeps the latest phase and starts the live line (importing rich) only once the
    run has lasted ``delay`` seconds: a quick run draws nothing and does not pay for
    rich; a slow one shows its phase from then on, also in the middle of a long
    request (a timer thread starts it)."""

    def __init__(self, stream: TextIO, delay: float) -> None:
        import threading

        self._stream, self._lock = stream, threading.Lock()
        self._live: LiveReporter | None = None
        self._phase: tuple[str, int | None] | None = None
        self._count = 0
        self._closed = False
        self._timer = threading.Timer(delay, self._start)
        self._timer.daemon = True

    def __enter__(self) -> DelayedReporter:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()
        with self._lock:
            self._closed = True
            if self._live is not None:
                self._live.__exit__()

    def _start(self) -> None:
        with self._lock:
            if self._closed or self._live is not None:
                return
            live = LiveReporter(self._stream).__enter__()
            if self._phase is not None:
                live.phase(*self._phase)
                live.done(self._count)
            self._live = live

    def phase(self, text: str, total: int | None) -> None:
        with self._lock:
            self._phase, self._count = (text, total), 0
            if self._live is not None:
                self._live.phase(text, total)

    def done(self, count: int) -> None:
        with self._lock:
            self._count = count
            if self._live is not None:
                self._live.done(count)

    def tick(self, count: int) -> None:
        with self._lock:
            self._count += count
            if self._live is not None:
                self._live.tick(count)


@contextmanager
def live_progress(enabled: bool = True, stream: TextIO | None = None,
                  delay: float = 0.3) -> Iterator[None]:
    """Show the phases announced through ``syncer.activity`` while the block runs, on
    ``stream`` (default stderr) when it is a terminal and ``enabled`` (callers pass
    ``not (quiet or as_json)``), once the run has taken ``delay`` seconds; otherwise
    nothing is drawn."""
    from syncer import activity

    stream = stream or sys.stderr
    if not enabled or not is_terminal(stream) or os.environ.get("TERM") == "dumb":
        yield
        return
    with DelayedReporter(stream, delay) as reporter, activity.reporting(reporter):
        yield
