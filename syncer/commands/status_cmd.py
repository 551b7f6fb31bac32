"""CLI: ``goalsync status PLAN``: where every goal and milestone stands.

Online (the default) a dry-run sync reads the backends for fresh completions and a fresh
schedule, writing nothing; ``--offline`` uses only what the last sync stored. The
numbers come from ``syncer.core.progress`` and the prompts from ``syncer.core.review``;
``gather_status`` is shared with ``goalsync review`` and ``goalsync report``.

``--json`` prints exactly::

    {"goals": [{"id", "title", "progress", "expected", "status", "forecast", "deadline",
                "milestones": [{"id", "title", "progress", "status", "due"}]}],
     "prompts": [{"trigger", "goal", "milestone", "text"}]}

with progress and expected as 0..1 (expected may be null) and ISO dates (or null).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import click

from syncer.commands.options import config_option, json_option, now_option
from syncer.config import load_config
from syncer.core.progress import (
    AT_RISK,
    BEHIND,
    DONE,
    INFEASIBLE,
    ON_TRACK,
    STALLED,
    GoalProgress,
)
from syncer.report import StatusSnapshot, gather_status, stale_warning


def offline_option(func: Any) -> Any:
    return click.option("--offline", is_flag=True,
                        help="Do not contact the backends; use the last synced state.")(func)


# ----------------------------------------------------------------------- output


def status_json(snapshot: StatusSnapshot) -> dict[str, Any]:
    """The documented ``--json`` document."""
    return {
        "goals": [_goal_json(g) for g in snapshot.progress.goals],
        "prompts": [p.as_json() for p in snapshot.prompts],
    }


def _goal_json(goal: GoalProgress) -> dict[str, Any]:
    return {
        "id": goal.id, "title": goal.title, "progress": goal.progress,
        "expected": goal.expected,
        "status": goal.status, "forecast": _iso(goal.forecast), "deadline": _iso(goal.deadline),
        "milestones": [
            {"id": m.id, "title": m.title, "progress": m.progress,
             "status": m.status, "due": _iso(m.due)}
            for m in goal.milestones
        ],
    }


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


STATUS_COLOURS = {DONE: "green", ON_TRACK: "green", AT_RISK: "yellow", BEHIND: "yellow",
                  STALLED: "red", INFEASIBLE: "red"}


def bar(share: float, width: int = 20) -> str:
    """A text progress bar: ``[########------------]``."""
    filled = round(max(0.0, min(1.0, share)) * width)
    return "[" + "#" * filled + "-" * (width - filled) + "]"


TITLE_WIDTH = 38
HEADER = (f"{'Goal / milestone':<{TITLE_WIDTH}}  {'Progress':<28}  {'Expected':>8}  "
          f"{'Status':<10}  {'Forecast':<10}  Due")


def render_status(snapshot: StatusSnapshot, colour: bool = True) -> str:
    """The human status table: a row per goal with its milestones indented under it,
    then a line of facts (velocity, measurable target), then the prompts."""
    lines = [f"Status on {snapshot.progress.today.isoformat()}", "", HEADER]
    for goal in snapshot.progress.goals:
        lines.append(_row(goal.title, goal.progress, goal.expected, goal.status,
                          goal.forecast, goal.deadline, colour))
        lines.extend(_row("  " + m.title, m.progress, m.expected, m.status, m.forecast,
                          m.due, colour) for m in goal.milestones)
        lines += ["  " + _facts(goal), ""]
    if snapshot.prompts:
        lines.append("To review:")
        lines.extend(f"  - {p.text}" for p in snapshot.prompts)
    return "\n".join(lines).rstrip() + "\n"


def _row(title: str, progress: float, expected: float | None, status: str,
         forecast: date | None, due: date | None, colour: bool) -> str:
    if len(title) > TITLE_WIDTH:
        title = title[:TITLE_WIDTH - 1] + "…"
    shown = "-" if expected is None else f"{expected:.0%}"
    label = _status(status, colour) + " " * (10 - len(status))
    return (f"{title:<{TITLE_WIDTH}}  {bar(progress)} {progress:>5.0%}  {shown:>8}  "
            f"{label}  {_iso(forecast) or '-':<10}  {_iso(due) or '-'}")


def _facts(goal: GoalProgress) -> str:
    facts = [f"velocity {goal.velocity_hours_per_week:.1f} h/week"]
    if goal.metric is not None:
        current = "?" if goal.current is None else f"{goal.current:g}"
        facts.append(f"{goal.metric}: {current} / {goal.target:g}{_unit(goal.unit)}")
    return "· " + " · ".join(facts)


def _status(status: str, colour: bool) -> str:
    return click.style(status, fg=STATUS_COLOURS[status]) if colour else status


def _unit(unit: str) -> str:
    if not unit:
        return ""
    return unit if unit in ("%",) else f" {unit}"


@click.command("status")
@click.argument("plan_path", metavar="PLAN", type=click.Path(dir_okay=False, path_type=str))
@config_option
@now_option
@json_option
@offline_option
def status(plan_path: str, config_path: str | None, now: datetime | None, as_json: bool,
           offline: bool) -> None:
    """Show progress, expected progress, status and forecast of every goal in PLAN.

    Reads the backends (a dry run: nothing is written), or with --offline the state of
    the last sync.
    """
    snapshot = gather_status(plan_path, load_config(config_path), now, offline=offline)
    if as_json:
        click.echo(json.dumps(status_json(snapshot), indent=2))
    else:
        click.echo(render_status(snapshot), nl=False)
        if snapshot.prompts:
            click.echo(f"\nRun `goalsync review {plan_path}` to go through them.")
    stale_warning(snapshot, "status")


COMMANDS: list[click.Command] = [status]
