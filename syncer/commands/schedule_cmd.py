"""CLI: ``goalsync schedule PLAN`` previews the time blocks, no account needed.

``--busy FILE.ics`` (repeatable) adds busy time from calendar exports; ``--ics OUT.ics``
writes the blocks as an importable calendar; ``--json`` prints exactly
``{"blocks": [{"step", "goal", "start", "end", "why"}],
"unscheduled": [{"step", "reason", "missing_minutes"}]}`` with ISO 8601 times carrying
the plan zone's UTC offset. Rules come from rules/scheduling.toml plus the user's
``[rules.scheduling]`` overrides. ``--weeks`` limits what is shown: the plan is always
made over the sync's own horizon, so the first N weeks shown are the first N weeks the
sync books.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import click

from syncer.commands.options import (
    WholeNumber,
    config_option,
    emit_json,
    json_option,
    now_option,
)
from syncer.errors import GoalsyncError, UsageError

if TYPE_CHECKING:  # imported where used: `goalsync schedule --help` loads none of them
    from syncer.core.model import Block, BusyTime, Plan, Schedule, Unscheduled
    from syncer.core.values import BlockSpec


@dataclass(frozen=True)
class Preview:
    """A plan and its schedule as of ``now``."""

    plan: Plan
    schedule: Schedule
    now: datetime
    horizon_end: datetime  # where planning stops
    busy_warnings: tuple[str, ...] = ()
    from_state: bool = False  # True: the next sync's plan, from the saved state
    shown_end: datetime | None = None  # --weeks: blocks from here on are not shown
    hidden: int = 0  # blocks planned at or after ``shown_end``

    def blocks(self) -> tuple[Block, ...]:
        """The blocks to show, in time order (the engine appends the review block)."""
        return tuple(sorted(self.schedule.blocks, key=lambda b: (b.start, b.end, b.step)))


def preview(plan_path: str, busy_files: tuple[str, ...] = (), now: datetime | None = None,
            weeks: int | None = None, config_path: str | None = None,
            fresh: bool = False) -> Preview:
    """Load the plan, rules and busy calendars and schedule the plan: as the next sync
    would book it when a sync of this plan saved its state (``syncer.replay``: what is
    booked, moved and done stays), from scratch when ``fresh`` or there is none (as a
    first sync would: the weekly review block first, then the steps and habits around
    it). ``weeks`` limits the blocks shown, never the planning horizon: a shorter
    horizon would plan differently (a P4 step due soon ahead of a P1 step due later).

    Raises UsageError (unreadable plan or .ics), PlanError, ConfigError.
    """
    from syncer.clock import resolve_now
    from syncer.config import load_config
    from syncer.core.model import Interval
    from syncer.core.review import review_blocks
    from syncer.core.schedule import plan_horizon, schedule
    from syncer.engine import sync_settings
    from syncer.planfile import load_plan
    from syncer.policy import load_rules
    from syncer.replay import next_sync_schedule, saved_state
    from syncer.state import default_state_dir

    plan = load_plan(plan_path)
    config = load_config(config_path)
    all_rules = load_rules(config.rules)
    rules = all_rules.scheduling
    moment = resolve_now(now, plan.timezone)
    horizon_end = plan_horizon(plan, rules, moment)
    busy = _read_busy(busy_files, moment, horizon_end, ZoneInfo(plan.timezone))
    state_dir = default_state_dir(config.state_dir)
    warnings = busy.warnings
    result = None
    if not fresh:
        try:
            saved = saved_state(state_dir, plan, config.tasks_backend,
                                config.calendar_backend)
            if saved is not None:
                result = next_sync_schedule(plan, all_rules, state_dir, saved, now=moment,
                                            busy=busy,
                                            settings=sync_settings(all_rules, config))
        except (GoalsyncError, sqlite3.DatabaseError, OSError, ValueError, KeyError,
                TypeError) as err:  # a damaged state: the sync will say so; plan afresh
            warnings += (f"the saved state could not be read ({err}); planned from "
                         "scratch",)
    from_state = result is not None
    if result is None:  # as the first sync: the review block is booked, then the plan
        reviews = (review_blocks(plan, all_rules.review, moment, ())
                   if config.calendar_backend != "none" else ())
        around = replace(busy, intervals=busy.intervals + tuple(
            Interval(b.start, b.end) for b in reviews))
        result = schedule(plan, rules, now=moment, busy=around, horizon_end=horizon_end,
                          review_minutes=all_rules.review.duration_minutes if reviews else 0)
        result = replace(result, blocks=result.blocks + reviews)
    else:
        horizon_end = max([horizon_end, *(b.end for b in result.blocks)])
    shown_end, hidden = None, 0
    if weeks is not None:
        shown_end = moment + timedelta(weeks=weeks)
        shown = tuple(b for b in result.blocks if b.start < shown_end)
        hidden = len(result.blocks) - len(shown)
        result = replace(result, blocks=shown)
    return Preview(plan, result, moment, horizon_end, warnings, from_state, shown_end,
                   hidden)


MAX_ICS_BYTES = 64 << 20  # 64 MB, as a server's reply (syncer/backends/bounded.py)


def _read_busy(files: tuple[str, ...], start: datetime, end: datetime,
               zone: ZoneInfo) -> BusyTime:
    from syncer.core.model import BusyTime, Interval
    from syncer.ical import busy_from_ics
    from syncer.userfiles import read_bytes

    intervals: list[Interval] = []
    all_day: list[Interval] = []
    warnings: list[str] = []
    for name in files:
        data = read_bytes(name, "the busy calendar", MAX_ICS_BYTES,
                          hint="pass an .ics file exported from your calendar")
        try:
            busy = busy_from_ics(data, start - timedelta(days=1), end, floating_tz=zone)
        except ValueError as err:
            raise UsageError(f"{name!r} is not an iCalendar (.ics) file: {err}",
                             hint="export the calendar as .ics and pass that file") from None
        intervals.extend(busy.intervals)
        all_day.extend(busy.all_day)
        warnings += [f"{name}: {w}" for w in busy.warnings]
    return BusyTime(tuple(intervals), tuple(all_day), tuple(warnings))


# ------------------------------------------------------------------------ output


def _titles(plan: Plan) -> dict[str, tuple[str, str, str | None]]:
    """key → (title, goal id, milestone id) for every step and habit, and the weekly
    review block the sync engine adds."""
    from syncer.core.desired import REVIEW_KEY

    out: dict[str, tuple[str, str, str | None]] = {REVIEW_KEY: ("Weekly review", "", None)}
    for goal in plan.goals:
        for milestone in goal.milestones:
            for step in milestone.steps:
                out[step.key] = (step.title, goal.id, milestone.id)
        for habit in goal.habits:
            out[habit.key] = (habit.title, goal.id, None)
    return out


def json_document(result: Preview) -> dict[str, Any]:
    """The stable ``--json`` document."""
    zone = ZoneInfo(result.plan.timezone)
    titles = _titles(result.plan)
    return {
        "blocks": [{"step": b.step, "goal": titles[b.step][1],
                    "start": b.start.astimezone(zone).isoformat(),
                    "end": b.end.astimezone(zone).isoformat(), "why": b.why}
                   for b in result.blocks()],
        "unscheduled": [{"step": u.step, "reason": u.reason,
                         "missing_minutes": u.missing_minutes}
                        for u in result.schedule.unscheduled],
    }


def block_specs(plan: Plan, blocks: tuple[Block, ...]) -> list[BlockSpec]:
    """Calendar specs for ``blocks``: deterministic UIDs numbered per step from 1."""
    from syncer.core.values import BlockSpec
    from syncer.ical import block_uid

    titles = _titles(plan)
    counts: dict[str, int] = {}
    specs = []
    for block in blocks:
        counts[block.step] = counts.get(block.step, 0) + 1
        title, goal_id, milestone_id = titles[block.step]
        specs.append(BlockSpec(
            uid=block.uid or block_uid(block.step, counts[block.step], plan.id),
            key=block.step, title=title, start=block.start, end=block.end,
            goal_id=goal_id, milestone_id=milestone_id, description=block.why,
            timezone=plan.timezone, plan_id=plan.id))
    return specs


def agenda_lines(result: Preview) -> list[str]:
    """A week-by-week agenda in the plan's zone, then the unscheduled steps."""
    zone = ZoneInfo(result.plan.timezone)
    titles = _titles(result.plan)
    lines: list[str] = []
    week: date | None = None
    for block in result.blocks():
        start, end = block.start.astimezone(zone), block.end.astimezone(zone)
        monday = start.date() - timedelta(days=start.weekday())
        if monday != week:
            week = monday
            lines += [""] if lines else []
            lines.append(f"Week of {monday:%a} {monday.day} {monday:%b %Y}")
        title, goal_id, _ = titles.get(block.step, (block.step, "", None))
        owner = f" ({goal_id})" if goal_id else ""
        lines.append(f"  {start:%a} {start.day:>2} {start:%H:%M}–{end:%H:%M}  "
                     f"{title}{owner}  — {_why(block)}")
    lines += _unscheduled_lines(result, titles)
    if result.from_state:
        lines += ["", "As the next `goalsync sync` would book it: what is on your calendar, "
                  "moved or done stays (`--fresh` plans from scratch)."]
    return lines


def _why(block: Block) -> str:
    """The block's reason; blocks read back from a calendar carry none."""
    from syncer.core.desired import REVIEW_KEY

    if block.why:
        return block.why
    if block.pinned:
        return "pinned: you moved it here"
    return "the weekly review slot" if block.step == REVIEW_KEY else "booked earlier; still fits"


def _unscheduled_lines(result: Preview, titles: dict[str, tuple[str, str, str | None]],
                       ) -> list[str]:
    from syncer.core.desired import REVIEW_KEY
    from syncer.core.durations import format_duration
    from syncer.term import counted

    lines: list[str] = []
    blocks = result.schedule.blocks
    booked = sum(b.minutes for b in blocks)
    keys = {b.step for b in blocks}
    what = counted(len(keys - {REVIEW_KEY}), "step or habit", "steps and habits")
    if REVIEW_KEY in keys:
        what += " and the weekly review"
    if blocks:
        lines += ["", f"{counted(len(blocks), 'block')}, {format_duration(booked)} "
                  f"for {what}."]
    elif result.hidden:
        lines.append("No blocks in the weeks shown.")
    else:
        lines.append("No blocks to book: no open step with an estimate fits.")
    if result.hidden and result.shown_end is not None:
        end = result.shown_end.astimezone(ZoneInfo(result.plan.timezone))
        lines.append(f"{counted(result.hidden, 'later block')} from {end:%a} {end.day} "
                     f"{end:%b %Y} {end:%H:%M} on not shown (without --weeks: all of them).")
    late, later = _split_by_horizon(result)
    if late:
        lines += ["", f"Cannot be booked before their deadline ({len(late)}):"]
        lines += [_unscheduled_line(item, titles) for item in late]
    if later:
        weeks = round((result.horizon_end - result.now) / timedelta(weeks=1))
        lines += ["", f"Not booked within the {weeks}-week horizon ({len(later)}); they are "
                  "planned as the horizon moves on:"]
        lines += [_unscheduled_line(item, titles) for item in later]
    return lines


def _split_by_horizon(result: Preview) -> tuple[list[Unscheduled], list[Unscheduled]]:
    """Unscheduled items due inside the horizon (a real problem) and the rest."""
    last_day = (result.horizon_end - timedelta(microseconds=1)).astimezone(
        ZoneInfo(result.plan.timezone)).date()
    due: dict[str, date | None] = {}
    for goal in result.plan.goals:
        for milestone in goal.milestones:
            for step in milestone.steps:
                due[step.key] = step.due or milestone.due or goal.deadline
    late: list[Unscheduled] = []
    later: list[Unscheduled] = []
    for item in result.schedule.unscheduled:
        day = due.get(item.step, last_day)  # habits: their week is inside the horizon
        (late if day is not None and day <= last_day else later).append(item)
    return late, later


def _unscheduled_line(item: Unscheduled, titles: dict[str, tuple[str, str, str | None]],
                      ) -> str:
    from syncer.core.durations import format_duration

    return (f"  {titles[item.step][0]} ({item.step}): {item.reason} "
            f"[{format_duration(item.missing_minutes)} missing]")


@click.command("schedule")
@click.argument("plan_path", metavar="PLAN", type=click.Path(dir_okay=True, path_type=str))
@click.option("--busy", "busy_files", multiple=True, metavar="FILE.ics",
              type=click.Path(dir_okay=False, path_type=str),
              help="An .ics export of a calendar whose events are busy time (repeatable).")
@now_option
@click.option("--weeks", type=WholeNumber(1, 104), default=None,
              help="Show only this many weeks, 1 to 104 (the plan is the same; default: "
                   "all of it).")
@click.option("--ics", "ics_out", metavar="OUT.ics",
              type=click.Path(dir_okay=False, writable=True, path_type=str),
              help="Also write the blocks as a calendar file any calendar app can import.")
@click.option("--fresh", is_flag=True,
              help="Plan from scratch, ignoring what the last sync booked, moved or saw done.")
@json_option
@config_option
def schedule_command(plan_path: str, busy_files: tuple[str, ...], now: datetime | None,
                     weeks: int | None, ics_out: str | None, fresh: bool, as_json: bool,
                     config_path: str | None) -> None:
    """Preview the time blocks for PLAN: a week-by-week agenda (no account needed).

    After a sync it shows what the next sync would book (from the saved state, no
    server contacted); --fresh plans from scratch. Steps that cannot be booked before
    their deadline are listed with the reason.
    """
    from syncer.ical import calendar_ics
    from syncer.term import counted

    result = preview(plan_path, busy_files, now, weeks, config_path, fresh)
    for warning in result.busy_warnings:
        click.echo(f"warning: {warning}", err=True)
    if ics_out:
        data = calendar_ics(block_specs(result.plan, result.schedule.blocks))
        try:
            Path(ics_out).write_bytes(data)
        except OSError as err:
            raise UsageError(f"cannot write {ics_out!r}: {err.strerror}") from None
    if as_json:
        emit_json(json_document(result))
        return
    for line in agenda_lines(result):
        click.echo(line)
    if ics_out:
        click.echo(f"\nWrote {counted(len(result.schedule.blocks), 'block')} to {ics_out}.")


COMMANDS: list[click.Command] = [schedule_command]
