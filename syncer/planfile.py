"""Read a plan file from disk (the shell side of ``syncer.core.parse``)."""

from __future__ import annotations

from pathlib import Path

from syncer.core.model import Plan
from syncer.core.parse import parse_plan
from syncer.userfiles import MB, read_text

MAX_PLAN_BYTES = 16 * MB  # a 500-step plan is about 100 KB


def read_plan_text(path: str | Path) -> str:
    """Return the text of the plan file, or raise UsageError with a sentence (missing,
    a folder, a pipe or device, larger than ``MAX_PLAN_BYTES``, not UTF-8)."""
    return read_text(path, "the plan file", MAX_PLAN_BYTES,
                     hint="check the path, or create a plan with `goalsync init`")


_PARSED: dict[tuple[str, str], Plan] = {}  # (text, path as given) → its plan


def load_plan(path: str | Path) -> Plan:
    """Read and parse the plan at ``path``.

    Raises UsageError (exit 2) when the file cannot be read and PlanError (exit 2) with
    every problem when it does not parse; positions use ``path`` as given. The file is
    read on every call; the same text is parsed once per process (``--now`` reads the
    plan for its timezone, then the command for its work; ``Plan`` is immutable).
    """
    text = read_plan_text(path)
    key = (text, str(path))
    plan = _PARSED.get(key)
    if plan is None:
        plan = parse_plan(text, str(path))
        _PARSED.clear()  # one plan at a time is what a command reads
        _PARSED[key] = plan
    return plan
