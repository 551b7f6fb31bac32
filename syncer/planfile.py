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


def load_plan(path: str | Path) -> Plan:
    """Read and parse the plan at ``path``.

    Raises UsageError (exit 2) when the file cannot be read and PlanError (exit 2) with
    every problem when it does not parse; positions use ``path`` as given.
    """
    return parse_plan(read_plan_text(path), str(path))
