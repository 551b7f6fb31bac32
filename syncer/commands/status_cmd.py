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
from typing import TYPE_CHECKING, Any

import click

from syncer.commands.options import (
    colour_option,
    config_option,
    json_option,
    now_option,
    quiet_option,
)

if TYPE_CHECKING:  # imported where used: `goalsync status --help` loads none of them
    from syncer.core.progress import GoalProgress
    from syncer.report import StatusSnapshot


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


STATUS_COLOURS = {"done": "green", "on track": "green", "at risk": "yellow",
                  "behind": "yellow", "stalled": "red", "infeasible": "red"}


FIXED_COLUMNS = 53  # the table without names and bar: "100%", expected, status, dates, gaps


def bar_width(columns: int, longest_name: int = 0) -> int:
    """Cells of the progress bar for a table ``columns`` wide whose longest name is
    ``longest_name``: the bar gives way first (down to 8), so names keep their room."""
    room = columns - FIXED_COLUMNS - longest_name
    cap = 20 if columns >= 120 else 12 if columns >= 100 else 8
    return max(8, min(cap, room))


def render_status(snapshot: StatusSnapshot, width: int = 100, colour: bool = False,
                  unicode: bool = True) -> str:
    """The human status table, ``width`` columns wide: a row per goal with its
    milestones indented under it and a line of facts (velocity, measurable target) in
    the goal's cell, then the prompts. Names fold onto a second line rather than being
    cut; with ``colour`` the text carries ANSI styles."""
    import io

    from rich.console import Console
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text

    from syncer.term import bar

    goals = snapshot.progress.goals
    longest = max((len(t) for g in goals for t in (g.title, *(f"  {m.title}"
                                                             for m in g.milestones))),
                  default=0)
    cells = bar_width(width, longest)
    expected_width = 8 if width >= 100 else 4
    statuses = [g.status for g in goals] + [m.status for g in goals for m in g.milestones]
    status_width = max([6, *map(len, statuses)])
    name_width = max(16, min(longest, width - FIXED_COLUMNS + 8 - expected_width - cells
                             + 10 - status_width))

    def table(header: bool) -> Table:
        """One goal's rows; every goal's table has the same column widths, so they
        line up, and the facts line between them can use the whole width."""
        t = Table(box=None, pad_edge=False, padding=(0, 1), show_edge=False,
                  header_style="bold", expand=False, show_header=header)
        t.add_column("Goal / milestone", width=name_width, overflow="fold")
        t.add_column("Progress", width=cells + 5, no_wrap=True)
        t.add_column("Expected" if expected_width == 8 else "Exp.", width=expected_width,
                     justify="right", no_wrap=True)
        t.add_column("Status", width=status_width, no_wrap=True)
        t.add_column("Forecast", width=10, no_wrap=True)
        t.add_column("Due", width=10, no_wrap=True)
        return t

    def row(t: Table, title: Any, progress: float, expected: float | None, status: str,
            forecast: date | None, due: date | None) -> None:
        style = STATUS_COLOURS.get(status, "")
        shown = Text.assemble((bar(progress, cells, unicode), style),
                              f" {progress:>4.0%}")
        t.add_row(title, shown, "-" if expected is None else f"{expected:.0%}",
                  Text(status, style=style), _iso(forecast) or "-", _iso(due) or "-")

    out = io.StringIO()
    console = Console(file=out, width=width, force_terminal=colour, no_color=not colour,
                      color_system="standard" if colour else None, highlight=False,
                      emoji=False, legacy_windows=False)
    console.print(f"Status on {snapshot.progress.today.isoformat()}")
    for number, goal in enumerate(goals):
        rows = table(header=number == 0)
        row(rows, Text(goal.title, style="bold"), goal.progress, goal.expected,
            goal.status, goal.forecast, goal.deadline)
        for m in goal.milestones:
            row(rows, Padding(Text(m.title), (0, 0, 0, 2)), m.progress, m.expected,
                m.status, m.forecast, m.due)
        console.print()
        console.print(rows)
        console.print(Padding(Text(_facts(goal), style="dim"), (0, 0, 0, 2)))
    if snapshot.prompts:
        console.print("\nTo review:")
        prompts = Table.grid(padding=(0, 1), pad_edge=False)
        prompts.add_column(no_wrap=True)
        prompts.add_column(ratio=1, overflow="fold")
        for prompt in snapshot.prompts:
            prompts.add_row(" -", prompt.text)
        console.print(prompts)
    return "\n".join(line.rstrip() for line in out.getvalue().splitlines()) + "\n"


def print_status(snapshot: StatusSnapshot) -> None:
    """``render_status`` for the current stdout: its width, colour and encoding."""
    from syncer import term

    click.echo(render_status(snapshot, width=term.width(), colour=term.wants_colour(),
                             unicode=term.unicode_ok()), nl=False)


def _facts(goal: GoalProgress) -> str:
    facts = [f"velocity {goal.velocity_hours_per_week:.1f} h/week"]
    if goal.metric is not None:
        current = "?" if goal.current is None else f"{goal.current:g}"
        facts.append(f"{goal.metric}: {current} / {goal.target:g}{_unit(goal.unit)}")
    return "· " + " · ".join(facts)


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
@quiet_option
@colour_option
def status(plan_path: str, config_path: str | None, now: datetime | None, as_json: bool,
           offline: bool, quiet: bool) -> None:
    """Show progress, expected progress, status and forecast of every goal in PLAN.

    Reads the backends (a dry run: nothing is written), or with --offline the state of
    the last sync.
    """
    from syncer.config import load_config
    from syncer.report import gather_status, stale_warning
    from syncer.term import live_progress

    with live_progress(enabled=not (quiet or as_json or offline)):
        snapshot = gather_status(plan_path, load_config(config_path), now, offline=offline)
    if as_json:
        click.echo(json.dumps(status_json(snapshot), indent=2))
    else:
        print_status(snapshot)
        if snapshot.prompts:
            click.echo(f"\nRun `goalsync review {plan_path}` to go through them.")
    stale_warning(snapshot, "status")


COMMANDS: list[click.Command] = [status]
