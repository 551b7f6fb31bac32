"""CLI: ``goalsync today PLAN`` and ``goalsync week PLAN``: what to do now.

The day's (or the rest of the week's) goal blocks and due steps, and the three steps to
do first with the reasons (``syncer.agenda``). It reads the state the last sync left:
no network, so it answers at once and works offline; ``--fresh`` reads the servers
first (a dry run: nothing is written). ``--json``: docs/json.md.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import click

from syncer.commands.options import (
    colour_option,
    config_option,
    emit_json,
    json_option,
    now_option,
    quiet_option,
)

if TYPE_CHECKING:
    from syncer.agenda import Agenda


def agenda_json(agenda: Agenda, source: str, last_sync: datetime | None,
                notes: tuple[str, ...] = ()) -> dict[str, Any]:
    """The ``--json`` document: times ISO 8601 with the plan zone's offset."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(agenda.timezone)

    def at(value: datetime) -> str:
        return value.astimezone(zone).isoformat()

    return {
        "period": agenda.kind, "start": agenda.start.isoformat(),
        "end": agenda.end.isoformat(), "now": at(agenda.now),
        "timezone": agenda.timezone, "source": source,
        "last_sync": at(last_sync) if last_sync else None,
        "first": [{"step": f.step, "title": f.title, "goal": f.goal,
                   "why": list(f.reasons),
                   "block": None if f.block is None else
                   {"start": at(f.block.start), "end": at(f.block.end)}}
                  for f in agenda.first],
        "blocks": [{"step": b.step, "title": b.title, "goal": b.goal or None,
                    "start": at(b.start), "end": at(b.end), "done": b.done,
                    "habit": b.habit} for b in agenda.blocks],
        "due": [{"step": d.step, "title": d.title, "goal": d.goal,
                 "milestone": d.milestone, "due": d.due.isoformat(),
                 "overdue": d.overdue} for d in agenda.due],
        "milestones": [{"goal": g, "title": t, "due": d.isoformat()}
                       for g, t, d in agenda.milestones],
        "notes": list(notes),
    }


def render(agenda: Agenda, colour: bool, width: int, last_sync: datetime | None,
           source: str, notes: tuple[str, ...] = ()) -> str:
    """The agenda as text: ``notes`` (what the state cannot tell), first things first,
    then the blocks by day, then what is due; ``width`` columns, styles only with
    ``colour``."""
    import io
    from zoneinfo import ZoneInfo

    from rich.console import Console
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text

    zone = ZoneInfo(agenda.timezone)
    out = io.StringIO()
    console = Console(file=out, width=width, force_terminal=colour, no_color=not colour,
                      color_system="standard" if colour else None, highlight=False,
                      emoji=False, legacy_windows=False)
    if agenda.kind == "today":
        head = f"Today, {agenda.start:%A %d %B %Y}"
    else:
        head = f"This week, {agenda.start:%a %d %b} – {agenda.end:%a %d %b %Y}"
    console.print(Text(head, style="bold"))
    for note in notes:
        console.print(Text("\n" + note, style="yellow"), overflow="fold")
    if agenda.first:
        console.print("\nFirst:")
        for number, item in enumerate(agenda.first, 1):
            line = Text.assemble(f" {number}. ", (item.title, "bold"), f" ({item.goal})")
            console.print(line)
            console.print(Padding(Text("; ".join(item.reasons), style="dim"),
                                  (0, 0, 0, 4)))
    else:
        console.print("\nNothing is due or booked" +
                      (" today." if agenda.kind == "today" else " this week."))
    if agenda.blocks:
        console.print("\nTime blocks:")
        table = Table(box=None, show_header=False, pad_edge=False, padding=(0, 1))
        table.add_column("day", no_wrap=True)
        table.add_column("time", no_wrap=True)
        table.add_column("what", ratio=1, overflow="fold")
        day = None
        for block in agenda.blocks:
            start, end = block.start.astimezone(zone), block.end.astimezone(zone)
            label = f"{start:%a %d}" if start.date() != day else ""
            day = start.date()
            what = Text(block.title, style="dim strike" if block.done else "")
            if block.goal:
                what.append(f" ({block.goal})", style="dim")
            if block.done:
                what.append("  done", style="green")
            table.add_row("  " + label, f"{start:%H:%M}–{end:%H:%M}", what)
        console.print(table)
    if agenda.due:
        console.print("\nDue:")
        for due in agenda.due:
            style = "red" if due.overdue else ""
            when = ("overdue since " if due.overdue else "") + f"{due.due:%a %d %b}"
            console.print(Text.assemble("  ", (when, style), f"  {due.title} ",
                                        (f"({due.goal})", "dim")), overflow="fold")
    for goal, title, day in agenda.milestones:
        console.print(f"\nMilestone due {day:%a %d %b}: {title} ({goal})")
    if source == "state" and last_sync is not None:
        since = f"the last sync ({last_sync.astimezone(zone):%a %d %b %H:%M})"
        console.print(Text(f"\nFrom {since}; --fresh reads your task list and calendar "
                           "first.", style="dim"), overflow="fold")
    return "\n".join(line.rstrip() for line in out.getvalue().splitlines()) + "\n"


def _run(kind: str, plan_path: str, config_path: str | None, now: datetime | None,
         as_json: bool, fresh: bool, quiet: bool) -> None:
    from syncer import agenda as ag
    from syncer import term
    from syncer.config import load_config
    from syncer.report import gather_status, stale_warning

    config = load_config(config_path)
    report = None
    if fresh:
        from syncer.clock import plan_now
        from syncer.engine import sync

        with term.live_progress(enabled=not (quiet or as_json)):
            report = sync(plan_path, config, now=plan_now(now, plan_path), dry_run=True)
    owner, last_sync = _state_owner(config)
    notes: tuple[str, ...] = ()
    empty = None
    if report is None:
        from syncer.planfile import load_plan

        plan = load_plan(plan_path)
        if owner is not None and owner != plan.id:  # another plan's: nothing of it
            empty, last_sync = _empty_record(), None
            notes = (_other_plan_note(config, plan_path, plan.id, owner),)
        elif last_sync is None:
            notes = (f"No sync yet: this shows the plan's due dates only. Run `goalsync "
                     f"sync {plan_path}` to book your time blocks (`goalsync schedule "
                     f"{plan_path}` previews them).",)
    snapshot = gather_status(plan_path, config, now, offline=True, report=report,
                             record=empty)
    if report is not None:
        blocks = list(report.schedule.blocks)
    elif empty is not None:
        blocks = []
    else:
        record = _record(config)
        blocks = ag.merged_blocks(record.on_calendar, record.planned)
    agenda = ag.build(kind, snapshot.plan, snapshot.progress, blocks, snapshot.now)
    source = "servers" if fresh else "state"
    if as_json:
        emit_json(agenda_json(agenda, source, last_sync, notes))
    else:
        click.echo(render(agenda, term.wants_colour(), term.width(), last_sync, source,
                          notes), nl=False)
    if report is not None:
        stale_warning(snapshot, kind)


def _record(config: Any) -> Any:
    from syncer.engine import recorded

    return recorded(config)


def _state_owner(config: Any) -> tuple[str | None, datetime | None]:
    """The plan id the state belongs to and when its last sync ended (None, None
    without a state)."""
    from syncer.engine import state_path
    from syncer.state import State

    path = state_path(config)
    if not path.exists():
        return None, None
    with State.open(path, readonly=True) as state:
        return state.meta("plan_id"), state.last_run()


def _empty_record() -> Any:
    from syncer.state import Record

    return Record(completions={}, planned=(), on_calendar=(), metrics={}, journal=(),
                  since=None)


def _other_plan_note(config: Any, plan_path: str, plan_id: str, owner: str) -> str:
    from syncer.engine import state_path

    folder = state_path(config).parent
    return (f"The state in {folder} belongs to plan id `{owner}`, not to {plan_path} (plan "
            f"id `{plan_id}`): nothing of it is shown, only this plan's due dates. If "
            f"{plan_path} is that plan renamed, add `id: {owner}` at its top; for a second "
            "plan, use another GOALSYNC_STATE_DIR and run `goalsync sync` for it.")


def _options(func: Any) -> Any:
    for decorate in (colour_option, quiet_option, json_option, now_option, config_option,
                     click.option("--fresh", is_flag=True,
                                  help="Read the task list and calendar first (a dry run: "
                                       "nothing is written). Default: the last sync's "
                                       "state, no network."),
                     click.argument("plan_path", metavar="PLAN",
                                    type=click.Path(dir_okay=False, path_type=str))):
        func = decorate(func)
    return func


@click.command("today")
@_options
def today_command(plan_path: str, fresh: bool, config_path: str | None, now: datetime | None,
                  as_json: bool, quiet: bool) -> None:
    """Today's goal blocks and due steps, and what to do first (and why).

    Reads the last sync's state (no network); --fresh reads the servers first.
    """
    _run("today", plan_path, config_path, now, as_json, fresh, quiet)


@click.command("week")
@_options
def week_command(plan_path: str, fresh: bool, config_path: str | None, now: datetime | None,
                 as_json: bool, quiet: bool) -> None:
    """This week's goal blocks and due steps, and what to do first (and why).

    The rest of the week, today through Sunday. Reads the last sync's state (no
    network); --fresh reads the servers first.
    """
    _run("week", plan_path, config_path, now, as_json, fresh, quiet)


COMMANDS: list[click.Command] = [today_command, week_command]
