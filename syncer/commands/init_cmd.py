"""CLI: ``goalsync init [PATH]`` writes a commented starter plan.

Interactively it asks the SMART questions for a first goal; ``--example`` writes a
ready-made example goal without asking. The written plan always passes ``goalsync check``
(it is parsed before it is written). An existing file is kept unless ``--force``.
"""

from __future__ import annotations

import json
import os
import zoneinfo
from dataclasses import dataclass, field
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from string import Template

import click

from syncer.core.durations import format_duration, parse_duration
from syncer.core.model import slugify
from syncer.core.parse import parse_plan
from syncer.errors import PlanError, UsageError

PRIORITIES = ("urgent-important", "important", "urgent", "neither")


@dataclass
class FirstGoal:
    """The answers that fill the starter plan."""

    vision: str
    timezone: str
    weekly_hours: float
    title: str
    specific: str
    metric: str
    target: float
    unit: str
    achievable: str
    relevant: str
    deadline: date
    priority: str
    milestone_title: str
    milestone_due: date
    celebrate: str
    steps: list[tuple[str, int]] = field(default_factory=list)  # (title, minutes)
    habit: tuple[str, int, int] | None = None  # (title, per week, minutes)
    hours: str = "goals"  # hour set (rules/scheduling.toml) the goal's blocks go in


def example_goal(today: date, timezone: str) -> FirstGoal:
    """A complete example first goal, dated relative to ``today``."""
    return FirstGoal(
        vision="Lead product teams that ship software people love",
        timezone=timezone, weekly_hours=8,
        title="Get PMP-certified",
        specific="Pass the PMI Project Management Professional exam at the first attempt",
        metric="exam score", target=80, unit="%",
        achievable="A 35-hour prep course plus 6 hours of study a week",
        relevant="Certified project leadership is required for the team-lead role",
        deadline=today + timedelta(days=240), priority="important",
        milestone_title="Complete a PMP prep course",
        milestone_due=today + timedelta(days=90),
        celebrate="Dinner at my favourite restaurant",
        steps=[("Compare three PMP prep courses", 120), ("Enroll in the chosen course", 30),
               ("Course modules 1-6", 15 * 60), ("Course modules 7-12", 15 * 60)],
        habit=("Study session", 3, 120),
    )


def render_plan(goal: FirstGoal, path: str, chain_steps: bool) -> str:
    """The plan text for ``goal``; with ``chain_steps`` each step comes after the last."""
    template = resources.files("syncer").joinpath("templates/plan.yaml.tmpl")
    text = Template(template.read_text(encoding="utf-8"))
    def q(text: str) -> str:  # a JSON string is a valid double-quoted YAML scalar
        return json.dumps(text, ensure_ascii=False)

    return text.substitute(
        path=path, vision=q(goal.vision), timezone=goal.timezone,
        weekly_hours=f"{goal.weekly_hours:g}", goal_id=slugify(goal.title),
        title=q(goal.title), specific=q(goal.specific), metric=q(goal.metric),
        target=f"{goal.target:g}", unit=q(goal.unit), achievable=q(goal.achievable),
        relevant=q(goal.relevant), deadline=goal.deadline.isoformat(), priority=goal.priority,
        milestone_id=slugify(goal.milestone_title), milestone_title=q(goal.milestone_title),
        milestone_due=goal.milestone_due.isoformat(), celebrate=q(goal.celebrate),
        steps=_render_steps(goal.steps, chain_steps), habits=_render_habit(goal.habit),
        hours=goal.hours,
    )


def _render_steps(steps: list[tuple[str, int]], chain: bool) -> str:
    if not steps:
        return '          - {title: "Write down the first step", estimate: 30m}'
    lines, previous = [], None
    for title, minutes in steps:
        sid = slugify(title)
        after = f", after: [{previous}]" if chain and previous else ""
        lines.append(f"          - {{id: {sid}, title: {json.dumps(title, ensure_ascii=False)}, "
                     f"estimate: {format_duration(minutes)}{after}}}")
        previous = sid
    return "\n".join(lines)


def _render_habit(habit: tuple[str, int, int] | None) -> str:
    if habit is None:
        return ("    # habits: recurring time for this goal, e.g.\n"
                "    #   - {title: Study session, per_week: 3, duration: 1h}")
    title, per_week, minutes = habit
    return ("    habits:\n"
            f"      - {{title: {json.dumps(title, ensure_ascii=False)}, per_week: {per_week}, "
            f"duration: {format_duration(minutes)}}}")


def guess_timezone() -> str:
    """The machine's IANA timezone if it can be found, else UTC."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    etc_timezone = Path("/etc/timezone")
    if etc_timezone.is_file():
        candidates.append(etc_timezone.read_text(encoding="utf-8").strip())
    localtime = Path("/etc/localtime")
    if localtime.is_symlink():
        target = str(localtime.resolve())
        if "zoneinfo/" in target:
            candidates.append(target.split("zoneinfo/", 1)[1])
    for name in candidates:
        if name and _is_zone(name):
            return name
    return "UTC"


def _is_zone(name: str) -> bool:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


# --------------------------------------------------------------------------- prompts


def ask_first_goal(today: date, timezone: str) -> FirstGoal:
    """Ask the SMART questions; the example's answers are the defaults."""
    ex = example_goal(today, timezone)
    click.echo("Let's write your first SMART goal. Press Enter to keep a suggestion.\n")
    vision = click.prompt("Your vision: where is your career heading, in one sentence?",
                          default=ex.vision)
    zone = click.prompt("Your timezone (IANA name)", default=timezone,
                        value_proc=_zone_value)
    weekly = click.prompt("Hours a week you can give to your goals", default=ex.weekly_hours,
                          type=click.FloatRange(0.5, 100))
    title = click.prompt("Goal title", default=ex.title)
    specific = click.prompt("Specific: exactly what will you achieve?", default=ex.specific)
    metric = click.prompt("Measurable: what will you measure?", default=ex.metric)
    target = click.prompt("Measurable: the target number", default=ex.target, type=float)
    unit = click.prompt("Measurable: unit (%, h, count...)", default=ex.unit)
    achievable = click.prompt("Achievable: what makes it realistic?", default=ex.achievable)
    relevant = click.prompt("Relevant: why does it matter to you?", default=ex.relevant)
    deadline = click.prompt("Time-bound: deadline (YYYY-MM-DD)", default=str(ex.deadline),
                            value_proc=_date_value)
    priority = click.prompt("Priority", default=ex.priority, type=click.Choice(PRIORITIES))
    milestone = click.prompt("First milestone on the way", default=ex.milestone_title)
    due = click.prompt("Milestone due date (YYYY-MM-DD)",
                       default=str(min(ex.milestone_due, deadline)), value_proc=_date_value)
    celebrate = click.prompt("How will you celebrate it?", default=ex.celebrate)
    return FirstGoal(vision, zone, weekly, title, specific, metric, target, unit, achievable,
                     relevant, deadline, priority, milestone, due, celebrate,
                     steps=_ask_steps(), habit=_ask_habit(), hours=_ask_hours(weekly))


def _ask_steps() -> list[tuple[str, int]]:
    click.echo("\nThe first action steps for this milestone (an empty title ends the list).")
    steps: list[tuple[str, int]] = []
    while True:
        title = click.prompt(f"Step {len(steps) + 1}", default="", show_default=False)
        if not title.strip():
            return steps
        minutes = click.prompt("  How long will it take? (30m, 2h, 1h30m)", default="1h",
                               value_proc=_duration_value)
        steps.append((title.strip(), minutes))


def _ask_habit() -> tuple[str, int, int] | None:
    title = click.prompt("\nA recurring habit for this goal, e.g. 'Study session' "
                         "(empty for none)", default="", show_default=False)
    if not title.strip():
        return None
    per_week = click.prompt("  Times per week", default=3, type=click.IntRange(1, 21))
    minutes = click.prompt("  Length of each session", default="1h",
                           value_proc=_duration_value)
    return title.strip(), per_week, minutes


# When goal work may be booked: the shipped hour sets (rules/scheduling.toml).
GOAL_HOURS = {
    "goals": "weekday evenings 18:30-21:00, Saturday 9-12 and 14-17, Sunday 10-12",
    "personal": "evenings 18:00-22:00 and weekends 09:00-21:00",
    "work": "inside working hours, Mon-Fri 09:00-17:00 (your employer gives you the time)",
}


def _ask_hours(weekly: float) -> str:
    """Which hour set the goal's blocks use. The default follows the weekly hours: the
    `goals` set holds about 15 bookable hours a week, so more than 12 asks for the
    roomier `personal` evenings and weekends."""
    click.echo("\nWhen can you work on this goal? (never in your day job's hours unless "
               "you choose `work`)")
    for name, text in GOAL_HOURS.items():
        click.echo(f"  {name:<9} {text}")
    default = "personal" if weekly > 12 else "goals"
    return str(click.prompt("Hours for this goal", default=default,
                            type=click.Choice(tuple(GOAL_HOURS))))


def _zone_value(text: str) -> str:
    if not _is_zone(text.strip()):
        raise click.BadParameter(f"{text!r} is not an IANA timezone such as Europe/Berlin")
    return text.strip()


def _date_value(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a date; write YYYY-MM-DD") from None


def _duration_value(text: str) -> int:
    try:
        minutes = parse_duration(text)
    except ValueError as err:
        raise click.BadParameter(str(err)) from None
    if minutes <= 0:
        raise click.BadParameter("the estimate must be more than zero")
    return minutes


# --------------------------------------------------------------------------- command


def write_plan(path: Path, text: str, force: bool) -> None:
    """Write ``text`` to ``path`` after checking it parses; never overwrite unless ``force``.

    Raises UsageError when the file exists (without ``force``) or cannot be written, and
    PlanError when the answers do not make a valid plan.
    """
    parse_plan(text, str(path))
    if path.exists() and not force:
        raise UsageError(f"{str(path)!r} already exists; nothing was written",
                         hint="pass --force to overwrite it, or choose another path")
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as err:
        raise UsageError(f"cannot write {str(path)!r}: {err.strerror}") from None


@click.command("init")
@click.argument("path", default="goals.yaml", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--example", is_flag=True,
              help="Write an example goal without asking questions.")
@click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
@click.option("--timezone", "timezone", default=None, metavar="ZONE",
              help="IANA timezone for the plan (default: this machine's).")
def init(path: Path, example: bool, force: bool, timezone: str | None) -> None:
    """Write a commented starter plan to PATH (default goals.yaml).

    Asks the SMART questions for a first goal, or writes an example with --example.
    """
    if path.exists() and not force:
        raise UsageError(f"{str(path)!r} already exists; nothing was written",
                         hint="pass --force to overwrite it, or choose another path")
    zone = timezone or guess_timezone()
    if not _is_zone(zone):
        raise UsageError(f"{zone!r} is not an IANA timezone", hint="e.g. --timezone Europe/Berlin")
    today = date.today()  # the shell may read the clock; the plan's dates start here
    goal = example_goal(today, zone) if example else ask_first_goal(today, zone)
    try:
        write_plan(path, render_plan(goal, str(path), chain_steps=example), force)
    except PlanError as error:
        raise UsageError(f"those answers do not make a valid plan: {error.message}") from None
    click.echo(f"Wrote {path}. Next: edit it, then run `goalsync check {path}`.")


COMMANDS: list[click.Command] = [init]
