"""Every failure class goalsync knows, each with its exit code and a hint.

The CLI has one handler (``syncer.cli``) that turns these into sentences; tracebacks
are shown only with ``--debug``. Exit codes follow docs/architecture.md:
0 ok, 1 partial failure, 2 usage/plan/config error, 3 credentials, 4 safety stop,
130 interrupted.
"""

from __future__ import annotations

from collections.abc import Sequence

from syncer.wording import count


class GoalsyncError(Exception):
    """Base class: a message for a person, an exit code and an optional hint."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class PartialFailure(GoalsyncError):
    """Some actions failed; a rerun may finish the job."""

    exit_code = 1


class UsageError(GoalsyncError):
    exit_code = 2


class ConfigError(GoalsyncError):
    exit_code = 2


class PlanError(GoalsyncError):
    """The plan file has errors; ``problems`` holds every one (``Problem`` values)."""

    exit_code = 2

    def __init__(self, problems: Sequence[object], hint: str | None = None) -> None:
        self.problems = list(problems)
        lines = "\n".join(str(p) for p in problems)
        super().__init__(f"the plan has {count(len(problems), 'error')}:\n{lines}", hint)


class CredentialError(GoalsyncError):
    """A credential is missing or was rejected."""

    exit_code = 3


class SafetyStop(GoalsyncError):
    """A guard refused to go on; a flag such as --force is needed."""

    exit_code = 4


class AccountLimit(GoalsyncError):
    """The writes a sync needs do not fit the account's limits (a Todoist plan's caps);
    nothing was written. The person changes a setting, the plan or the account."""

    exit_code = 4


class LockedError(GoalsyncError):
    """Another goalsync run holds the lock."""

    exit_code = 1
