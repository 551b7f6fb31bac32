"""CLI: ``goalsync check PLAN`` validates a plan and shows SMART warnings.

Output lists errors, then warnings, one per line as ``path:line:col: message``
(warnings say ``warning:`` after the position). Exit 0 when the plan is valid, even with
warnings; 2 when it has errors (or cannot be read). ``--json`` prints
``{"errors": [...], "warnings": [...]}``, each entry with path, line, column, code and
message, whatever the outcome.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from syncer.commands.options import config_option, emit_json, json_option, now_option
from syncer.errors import PlanError, UsageError

if TYPE_CHECKING:  # imported where used: `goalsync check --help` loads none of them
    from syncer.config import Config
    from syncer.core.model import Plan, Problem

DEFAULT_PLAN = "goals.yaml"  # what `goalsync init` writes


@dataclass(frozen=True)
class CheckResult:
    """What ``check_plan`` found; ``plan`` is None when there are errors."""

    plan: Plan | None
    errors: tuple[Problem, ...]
    warnings: tuple[Problem, ...]


def check_plan(path: str, now: datetime | None,
               rule_overrides: Mapping[str, Mapping[str, Any]] | None = None) -> CheckResult:
    """Parse the plan at ``path`` and run the SMART checks as of ``now`` with the shipped
    rules plus ``rule_overrides`` (the config's ``[rules.*]`` tables).

    Raises UsageError when the file cannot be read, ConfigError for bad rule overrides;
    plan errors are returned.
    """
    from syncer.clock import resolve_now
    from syncer.core.budget import fit_warnings
    from syncer.core.smart import smart_check
    from syncer.planfile import load_plan
    from syncer.policy import load_rules

    try:
        plan = load_plan(path)
    except PlanError as error:
        return CheckResult(None, tuple(_problems(error)), ())
    rules = load_rules(rule_overrides)
    moment = resolve_now(now, plan.timezone)
    warnings = smart_check(plan, rules.smart, moment)
    try:
        warnings += [w for w in fit_warnings(plan, rules.scheduling, moment,
                                             review_minutes=rules.review.duration_minutes)
                     if w.code not in rules.smart.ignore]
    except PlanError as error:  # a goal or habit names an hour set the rules lack
        return CheckResult(None, tuple(_problems(error)), ())
    return CheckResult(plan, (), tuple(warnings))


def _problems(error: PlanError) -> list[Problem]:
    from syncer.core.model import Problem

    return [p for p in error.problems if isinstance(p, Problem)]


@click.command("check")
@click.argument("plan_path", metavar="[PLAN]", required=False,
                type=click.Path(dir_okay=True, path_type=str))
@now_option
@json_option
@config_option
@click.pass_context
def check(ctx: click.Context, plan_path: str | None, now: datetime | None, as_json: bool,
          config_path: str | None) -> None:
    """Validate the plan file PLAN and show SMART warnings.

    PLAN defaults to goals.yaml in the current folder (what `goalsync init` writes).
    Also warns when the plan does not fit its week: the hours that cannot be booked
    before the deadlines under `weekly_hours` and the goal hours, and the first week that
    overflows. Exit status 0 when the plan is valid (warnings do not fail it), 2 when it
    has errors. Rules come from rules/*.toml and the config's [rules.*] tables.
    """
    from syncer.config import load_config
    from syncer.core.model import Pos, Problem

    if plan_path is None:
        if not Path(DEFAULT_PLAN).exists():
            raise UsageError(f"no plan given and there is no {DEFAULT_PLAN} here",
                             hint="pass the plan file (goalsync check PLAN), or run "
                                  "`goalsync init` to write goals.yaml")
        plan_path = DEFAULT_PLAN
    config = load_config(config_path)
    overrides = config.rules
    try:
        result = check_plan(plan_path, now, overrides)
        result = _with_target_warnings(result, config)
    except UsageError as error:
        if not as_json:
            raise
        unreadable = Problem(Pos(plan_path, 0, 0), "unreadable", error.message)
        result = CheckResult(None, (unreadable,), ())
    if as_json:
        emit_json({"errors": [p.as_json() for p in result.errors],
                   "warnings": [p.as_json() for p in result.warnings]})
    else:
        _print_human(result)
        _note_unfinished(plan_path)
    if result.errors:
        ctx.exit(2)


def _note_unfinished(plan_path: str) -> None:
    """Say so when PLAN is what a stopped `goalsync init` saved (its first line)."""
    from syncer.commands.init_cmd import UNFINISHED

    try:
        with open(plan_path, encoding="utf-8", errors="replace") as file:
            first = file.read(len(UNFINISHED))
    except OSError:
        return
    if first == UNFINISHED:
        click.echo(f"note: {plan_path} is the unfinished plan of a stopped `goalsync init` "
                   f"(its first comment lists the open questions); `goalsync init "
                   f"{plan_path}` asks them.")


def _with_target_warnings(result: CheckResult, config: Config) -> CheckResult:
    """The SMART warnings plus what the configured task app will make of the plan
    (Todoist: goals per layout on the free plan, titles it shortens)."""
    if result.plan is None or config.tasks_backend != "todoist":
        return result
    from syncer.backends.todoist_limits import plan_warnings

    layout = config.get("todoist", "layout") or "sections"
    return replace(result, warnings=result.warnings + tuple(plan_warnings(result.plan,
                                                                          layout)))


def _print_human(result: CheckResult) -> None:
    for problem in result.errors:
        click.echo(f"{problem.pos}: {problem.message}")
    for problem in result.warnings:
        click.echo(f"{problem.pos}: warning: {problem.message}")
    click.echo(_summary(result), err=bool(result.errors))


def _summary(result: CheckResult) -> str:
    from syncer.term import counted

    warned = counted(len(result.warnings), "warning") if result.warnings else "no warnings"
    if result.errors:
        fix = "it" if len(result.errors) == 1 else "them"
        return (f"{counted(len(result.errors), 'error')}: the plan was not used. Fix {fix} "
                "and run `goalsync check` again.")
    plan = result.plan
    assert plan is not None
    steps = sum(1 for _ in plan.steps())
    return (f"{plan.path}: valid, {counted(len(plan.goals), 'goal')}, "
            f"{counted(steps, 'step')}, {warned}.")


COMMANDS: list[click.Command] = [check]
