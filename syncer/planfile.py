"""Read a plan file from disk (the shell side of ``syncer.core.parse``)."""

from __future__ import annotations

from pathlib import Path

from syncer.core.model import Plan
from syncer.core.parse import parse_plan
from syncer.errors import UsageError


def read_plan_text(path: str | Path) -> str:
    """Return the text of the plan file, or raise UsageError with a sentence."""
    file = Path(path)
    try:
        return file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"the plan file {str(path)!r} does not exist",
                         hint="check the path, or create a plan with `goalsync init`") from None
    except IsADirectoryError:
        raise UsageError(f"{str(path)!r} is a folder, not a plan file",
                         hint="pass the path of your goals.yaml") from None
    except UnicodeDecodeError as err:
        raise UsageError(f"the plan file {str(path)!r} is not UTF-8 text ({err.reason})",
                         hint="save it as UTF-8") from None
    except OSError as err:
        raise UsageError(f"cannot read the plan file {str(path)!r}: {err.strerror}",
                         hint="check that the file exists and is readable") from None


def load_plan(path: str | Path) -> Plan:
    """Read and parse the plan at ``path``.

    Raises UsageError (exit 2) when the file cannot be read and PlanError (exit 2) with
    every problem when it does not parse; positions use ``path`` as given.
    """
    return parse_plan(read_plan_text(path), str(path))
