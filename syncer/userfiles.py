"""Reading the files a person hands goalsync (plan, config, answers, busy .ics), bounded.

Every one of them is read here: only a regular file (a FIFO would block forever,
``/dev/zero`` would fill memory), at most ``limit`` bytes, UTF-8 text where text is
expected. A problem is the error class the caller names (UsageError or ConfigError,
exit 2) with a sentence naming the file. ``plain_yaml`` turns a small YAML document
(the review answers) into plain data through the bounded composer
(``core/yamlnodes.py``), expanding at most ``MAX_NODES`` nodes, so a 1 KB
billion-laughs file is refused instead of expanded.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from syncer.core.yamlnodes import Node, Scalar, YamlMap, YamlSeq, compose
from syncer.errors import GoalsyncError, UsageError

MB = 1024 * 1024
MAX_NODES = 100_000  # an answers file has a few dozen


def read_bytes(path: str | os.PathLike[str], what: str, limit: int, *,
               error: type[GoalsyncError] = UsageError, hint: str | None = None) -> bytes:
    """The bytes of the regular file at ``path`` (``what`` names it in sentences, e.g.
    "the plan file"); raises ``error`` when it is missing, not a regular file, unreadable
    or larger than ``limit`` bytes."""
    shown = str(path)
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise error(f"{what} {shown!r} does not exist", hint=hint) from None
    except IsADirectoryError:
        raise error(f"{shown!r} is a folder, not {what}", hint=hint) from None
    except OSError as err:
        raise error(f"cannot read {what} {shown!r}: {err.strerror or err}", hint=hint) from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        if stat.S_ISDIR(mode):
            raise error(f"{shown!r} is a folder, not {what}", hint=hint)
        raise error(f"{what} {shown!r} is not a regular file (a pipe or a device); "
                    "goalsync reads files only", hint=hint)
    with os.fdopen(fd, "rb") as handle:
        try:
            data = handle.read(limit + 1)
        except OSError as err:
            raise error(f"cannot read {what} {shown!r}: {err.strerror or err}",
                        hint=hint) from None
    if len(data) > limit:
        raise error(f"{what} {shown!r} is larger than {limit // MB} MB; that is not "
                    f"{what} goalsync wrote or a person typed", hint=hint)
    return data


def read_text(path: str | os.PathLike[str], what: str, limit: int, *,
              error: type[GoalsyncError] = UsageError, hint: str | None = None) -> str:
    """``read_bytes`` decoded as UTF-8 (a BOM is dropped); another encoding is ``error``
    with the line of the first byte that is not UTF-8."""
    data = read_bytes(path, what, limit, error=error, hint=hint)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise error(f"{Path(path)}:{line}: {what} is not UTF-8 text (byte "
                    f"0x{data[err.start]:02x}); save it as UTF-8", hint=hint) from None


def plain_yaml(text: str, what: str) -> Any:
    """The YAML document ``text`` as plain dicts, lists and scalars (YAML 1.2 core
    values); raises UsageError for a syntax error (with its line) or a document that
    would expand to more than ``MAX_NODES`` nodes."""
    composed = compose(text)
    if composed.issues:
        issue = composed.issues[-1]
        raise UsageError(f"{what}:{issue.line + 1}:{issue.col + 1}: {issue.message}")
    budget = [MAX_NODES]

    def plain(node: Node) -> Any:
        budget[0] -= 1
        if budget[0] < 0:
            raise UsageError(f"{what} expands to more than {MAX_NODES:,} values (aliases "
                             "repeated inside aliases); write the values out")
        if isinstance(node, YamlMap):
            return {key: plain(value) for key, value in node.items()}
        if isinstance(node, YamlSeq):
            return [plain(item) for item in node]
        assert isinstance(node, Scalar)
        return node.value

    return None if composed.root is None else plain(composed.root)
