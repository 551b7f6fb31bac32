"""CLI: ``goalsync init [PATH]`` writes a commented starter plan.

Interactively it asks the SMART questions for a first goal; ``--example`` writes a
ready-made example goal without asking. The written plan always passes ``goalsync check``
(it is parsed before it is written). An existing file is kept unless ``--force``.

Nothing typed is lost:

* every answer is read and checked when it is given (``ask``); a bad one is explained in
  a sentence and asked again, and a did-you-mean (a time zone) becomes the default the
  next Enter takes;
* checks that involve two answers run where the second is given (a milestone due after
  the goal's deadline is refused when its date is typed);
* Enter skips an optional question, or takes a default shown in brackets that comes from
  the person's own answers (never the example's);
* the SMART checks of ``goalsync check`` (``syncer.core.smart``) run on the answers so far
  after the title, the ``specific`` statement and the steps, and their hints are shown
  on the spot;
* Ctrl-C or the end of input saves what was answered as a valid plan with a comment that
  says what is still missing (``save_partial``).

Each question is one function in ``QUESTIONS`` that reads answers with ``Ask`` and
stores them on the ``Draft``; a new question is one more function (``Draft.extra`` holds
top-level settings that need no field of their own).
"""

from __future__ import annotations

import json
import re
import sys
import zoneinfo
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any, TypeVar

import click

from syncer.answers import (
    GOAL_HOURS,
    Retry,
    guess_timezone,
    holidays_default,
    is_zone,
    parse_amount,
    parse_date,
    parse_holidays,
    parse_hour_set,
    parse_minutes,
    parse_priority,
    parse_text,
    parse_weekly_hours,
    parse_yes,
    zone_suggestion,
)
from syncer.core.durations import format_duration
from syncer.core.model import slugify
from syncer.errors import PlanError, UsageError

T = TypeVar("T")

UNFINISHED = "# UNFINISHED:"  # first line of a plan saved when init was stopped
# the goal of a plan saved before the first goal's title was given (a plan needs one)
PLACEHOLDER_ID = "first-goal"
PLACEHOLDER_TITLE = "My first goal (not written yet)"
ANSWERS = "# goalsync-init-answers: "  # its last line: the answers, to continue later


@dataclass
class Draft:
    """The answers so far; every field but ``timezone`` may still be missing."""

    timezone: str
    vision: str | None = None
    # whose public holidays stay free: a code ("DE", "US-CA"), "none" (book them), ""
    # (asked, no answer: a commented line), None (not asked yet: no line)
    holidays: str | None = None
    weekly_hours: float | None = None
    # further top-level settings: key -> (comment, value written as flow YAML/JSON)
    extra: dict[str, tuple[str, Any]] = field(default_factory=dict)
    title: str | None = None
    specific: str | None = None
    metric: str | None = None
    target: float | None = None
    unit: str = ""
    current: float | None = None
    achievable: str | None = None
    relevant: str | None = None
    deadline: date | None = None
    priority: str | None = None
    hours: str | None = None  # the hour set (rules/scheduling.toml) its blocks go in
    milestone_title: str | None = None
    milestone_due: date | None = None
    celebrate: str | None = None
    steps: list[tuple[str, int]] = field(default_factory=list)  # (title, minutes)
    chain_steps: bool = False
    habit: tuple[str, int, int] | None = None  # (title, per week, minutes)


def example_goal(today: date, timezone: str) -> Draft:
    """A complete example first goal, dated relative to ``today``."""
    return Draft(
        vision="Lead product teams that ship software people love",
        timezone=timezone, holidays=holidays_default(timezone) or "", weekly_hours=8,
        hours="goals",
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
        chain_steps=True,
        habit=("Study session", 3, 120),
    )


# --------------------------------------------------------------------------- rendering


def _q(text: str) -> str:
    """A JSON string is a valid double-quoted YAML scalar."""
    return json.dumps(text, ensure_ascii=False)


def render_plan(d: Draft, path: str, missing: tuple[str, ...] = ()) -> str:
    """The plan text for the answers in ``d``. ``missing`` names the questions not yet
    answered: the text then starts with a comment that says so (a partial plan)."""
    template = Template(resources.files("syncer").joinpath("templates/plan.yaml.tmpl")
                        .read_text(encoding="utf-8"))
    unfinished = ""
    if missing:
        unfinished = (f"{UNFINISHED} `goalsync init` was stopped before these questions: "
                      f"{', '.join(missing)}.\n# Run `goalsync init {path}` again to answer "
                      "them, or fill them in below and run `goalsync check`.\n#\n")
    return template.substitute(unfinished=unfinished, path=path, body=_body(d))


def _body(d: Draft) -> str:
    out = ["# Where all of this is heading, in one sentence."]
    out.append(f"vision: {_q(d.vision)}" if d.vision else "# vision: ...")
    out += ["# Your IANA timezone; time blocks are placed in it.", f"timezone: {d.timezone}"]
    out += _holidays_lines(d.holidays)
    out += ["# Hours a week you can give to goal work; `check` warns when the plan does "
            "not fit."]
    out.append(f"weekly_hours: {d.weekly_hours:g}" if d.weekly_hours is not None else
               "# weekly_hours: 10")
    for key, (comment, value) in d.extra.items():
        out += [f"# {comment}", f"{key}: {json.dumps(value, ensure_ascii=False)}"]
    out += ["", "# Questions for your weekly review (`goalsync review`).", "reflection:",
            "  - What did I finish this week, and what got in the way?",
            "  - Which step matters most next week?",
            "  - Is every goal still the right goal?", ""]
    if d.title is None:  # stopped before the first goal: a placeholder keeps it valid
        return "\n".join(out + [
            "goals:", "  # Your first goal goes here: `goalsync init` asks for it, or write "
            "it", "  # yourself (docs/plan-format.md) and replace this placeholder.",
            f"  - id: {PLACEHOLDER_ID}", f"    title: {_q(PLACEHOLDER_TITLE)}",
            "    priority: important"])
    out += ["goals:", f"  - id: {slugify(d.title)}", f"    title: {_q(d.title)}"]
    out += _field("S: exactly what you will achieve", "specific", d.specific)
    out.append("    # M: how you will know; `current` is where it stands now")
    if d.metric is not None and d.target is not None:
        current = "" if d.current is None else f", current: {d.current:g}"
        out.append(f"    measurable: {{metric: {_q(d.metric)}, target: {d.target:g}, "
                   f"unit: {_q(d.unit)}{current}}}")
    else:
        out.append("    # measurable: {metric: ..., target: ..., unit: ...}")
    out += _field("A: why this is realistic (time, money, help)", "achievable", d.achievable)
    out += _field("R: why it matters to you", "relevant", d.relevant)
    out.append("    # T: the date it is done by")
    out.append(f"    deadline: {d.deadline.isoformat()}" if d.deadline else
               "    # deadline: YYYY-MM-DD")
    out.append(f"    priority: {d.priority or 'important'}")
    if d.hours:
        out += ["    # When its blocks may be booked: an hour set of rules/scheduling.toml "
                "(goals:", "    # weekday evenings and weekends; personal: evenings, whole "
                "weekends; work: your working hours)", f"    hours: {d.hours}"]
    out += _milestone(d)
    out += _habit(d.habit)
    return "\n".join(out)


def _holidays_lines(holidays: str | None) -> list[str]:
    if holidays is None:  # not asked yet (a partial plan)
        return []
    if not holidays:
        return ["# Public holidays of a country (DE, GB, US-CA...) can be kept free of goal "
                "blocks:", "# holidays: DE"]
    if holidays == "none":
        return ["# Public holidays are booked like other days (or: a country code such as "
                "DE).", "holidays: none"]
    return ["# No goal blocks on this country's public holidays (`none` books them).",
            f"holidays: {holidays}"]


def _field(comment: str, key: str, value: str | None) -> list[str]:
    line = f"    {key}: {_q(value)}" if value else f"    # {key}: ..."
    return [f"    # {comment}", line]


def _milestone(d: Draft) -> list[str]:
    if d.milestone_title is None:
        return ["    # milestones: checkpoints on the way, each with its action steps"]
    out = ["    milestones:", f"      - id: {slugify(d.milestone_title)}",
           f"        title: {_q(d.milestone_title)}"]
    if d.milestone_due is not None:
        out.append(f"        due: {d.milestone_due.isoformat()}")
    if d.celebrate:
        out.append(f"        celebrate: {_q(d.celebrate)}")
    if not d.steps:
        out.append("        # steps: the actions that get you there, with estimates")
        return out
    out.append("        steps:")
    previous = None
    for title, minutes in d.steps:
        sid = slugify(title)
        after = f", after: [{previous}]" if d.chain_steps and previous else ""
        out.append(f"          - {{id: {sid}, title: {_q(title)}, "
                   f"estimate: {format_duration(minutes)}{after}}}")
        previous = sid
    return out


def _habit(habit: tuple[str, int, int] | None) -> list[str]:
    if habit is None:
        return ["    # habits: recurring time for this goal, e.g.",
                "    #   - {title: Study session, per_week: 3, duration: 1h}"]
    title, per_week, minutes = habit
    return ["    habits:",
            f"      - {{title: {_q(title)}, per_week: {per_week}, "
            f"duration: {format_duration(minutes)}}}"]


# --------------------------------------------------------------------------- reading answers


class Ask:
    """Asks one question until the answer parses. Enter takes ``default`` (shown in
    brackets) or, with ``skip``, returns None; a Retry's suggestion becomes the default
    for the next try. Ctrl-C and the end of input raise click.Abort."""

    def __call__(self, question: str, parse: Callable[[str], T], *,
                 default: str | None = None, skip: bool = False,
                 enter: str = "Enter to skip") -> T | None:
        suggestion: str | None = None
        while True:
            offered = suggestion or default
            suffix = f" [{offered}]" if offered else f" ({enter})" if skip else ""
            text = click.prompt(f"{question}{suffix}", default="", show_default=False).strip()
            if not text:
                if offered:
                    text = offered
                elif skip:
                    return None
                else:
                    click.echo("  This one needs an answer.")
                    continue
            try:
                return parse(text)
            except Retry as problem:
                click.echo(f"  {problem}")
                suggestion = problem.suggestion
            except ValueError as problem:
                click.echo(f"  {problem}")
                suggestion = None

    def required(self, question: str, parse: Callable[[str], T], *,
                 default: str | None = None) -> T:
        value = self(question, parse, default=default)
        assert value is not None  # without skip an answer is required
        return value

    def yes(self, question: str, default: bool = False) -> bool:
        return self.required(question, parse_yes, default="yes" if default else "no")


# --------------------------------------------------------------------------- SMART hints


@cache
def _smart_rules() -> Any:
    from syncer.policy import load_rules

    return load_rules().smart


def smart_hints(d: Draft, today: date, codes: tuple[str, ...], about: str = "") -> list[str]:
    """The warnings of ``goalsync check`` (``syncer.core.smart``) the answers so far
    raise, limited to ``codes`` (and, when ``about`` is given, to messages naming that
    field), as sentences."""
    from syncer.core.smart import smart_check

    try:
        from syncer.core.parse import parse_plan  # not at start-up: `init --help`

        plan = parse_plan(render_plan(d, "goals.yaml"), "goals.yaml")
    except PlanError:
        return []
    now = datetime.combine(today, datetime.min.time(), zoneinfo.ZoneInfo(d.timezone))
    return [re.sub(r" of goal `[^`]*`", "", p.message) + "."
            for p in smart_check(plan, _smart_rules(), now)
            if p.code in codes and (not about or f"the {about} " in p.message
                                    or p.code != "smart-specific-vague")]


def _sharpen(ask: Ask, d: Draft, today: date, name: str, question: str) -> None:
    """Show the SMART hints about field ``name``; the person may type a sharper version
    (Enter keeps theirs)."""
    codes = ("smart-specific-vague", "smart-specific-short") if name == "specific" else \
        ("smart-specific-vague",)
    for _ in range(3):  # after three rewrites the person knows best
        hints = smart_hints(d, today, codes, about=name)
        if not hints:
            return
        for hint in hints:
            click.echo(f"  SMART hint: {hint}")
        better = ask(f"  {question}", parse_text, skip=True, enter="Enter keeps yours")
        if not better:
            return
        setattr(d, name, better)


# --------------------------------------------------------------------------- questions

Question = Callable[[Ask, Draft, date], None]


def ask_vision(ask: Ask, d: Draft, today: date) -> None:
    d.vision = ask("Your vision: where is your career heading, in one sentence?",
                   parse_text, skip=True)


def ask_timezone(ask: Ask, d: Draft, today: date) -> None:
    def zone(text: str) -> str:
        if is_zone(text):
            return text
        guess = zone_suggestion(text)
        if guess is not None and guess.lower() == re.sub(r"\s+", "_", text).lower():
            return guess
        if guess:
            raise Retry(f"{text!r} is not a time zone name. Did you mean {guess}? Press "
                        "Enter to take it, or type another.", suggestion=guess)
        raise Retry(f"{text!r} is not a time zone name; write one such as Europe/Berlin or "
                    "America/New_York (a city name is enough to get a suggestion).")

    d.timezone = ask.required("Your time zone", zone, default=d.timezone)


def ask_holidays(ask: Ask, d: Draft, today: date) -> None:
    """Whose public holidays get no goal blocks; the default is the time zone's country
    (from the tz database), none when the zone has no single country (UTC)."""
    answer = ask("Keep the public holidays of which country free of goal work? (e.g. DE, "
                 "GB, US-CA; none books them)", parse_holidays,
                 default=holidays_default(d.timezone), skip=True)
    d.holidays = answer or ""


def ask_weekly_hours(ask: Ask, d: Draft, today: date) -> None:
    d.weekly_hours = ask("Hours a week you can give to your goals (e.g. 6h)",
                         parse_weekly_hours, skip=True)


def ask_title(ask: Ask, d: Draft, today: date) -> None:
    d.title = ask.required("Your first goal, as a title (e.g. Pass the AWS data "
                           "engineer exam)", parse_text)
    _sharpen(ask, d, today, "title", "A sharper title")


def ask_specific(ask: Ask, d: Draft, today: date) -> None:
    d.specific = ask("Specific: exactly what will you achieve?", parse_text, skip=True)
    if d.specific:
        _sharpen(ask, d, today, "specific", "A sharper statement")


def ask_measurable(ask: Ask, d: Draft, today: date) -> None:
    d.metric = ask("Measurable: what will you measure (e.g. exam score)?", parse_text,
                   skip=True)
    if d.metric is None:
        return
    d.target, d.unit = ask.required(f"  Target {d.metric}, with its unit (e.g. 70 %, "
                                    "12 talks, 6h)", parse_amount)
    if not d.unit:
        d.unit = ask("  Unit of the target (e.g. %, talks, h)", parse_text, skip=True) or ""

    def current(text: str) -> float:
        number, unit = parse_amount(text)
        if unit and d.unit and unit.lower() != d.unit.lower():
            raise ValueError(f"The target is in {d.unit!r}; give today's value in the same "
                             "unit.")
        return number

    d.current = ask(f"  Where is your {d.metric} today?", current, skip=True)


def ask_achievable(ask: Ask, d: Draft, today: date) -> None:
    d.achievable = ask("Achievable: what makes it realistic (time, money, help)?",
                       parse_text, skip=True)


def ask_relevant(ask: Ask, d: Draft, today: date) -> None:
    d.relevant = ask("Relevant: why does it matter to you?", parse_text, skip=True)


def ask_deadline(ask: Ask, d: Draft, today: date) -> None:
    def deadline(text: str) -> date:
        day = parse_date(text, today)
        if day <= today:
            raise ValueError(f"{day.isoformat()} is not after today ({today.isoformat()}); "
                             "a deadline lies ahead.")
        return day

    d.deadline = ask("Time-bound: the deadline (YYYY-MM-DD, or e.g. in 6 months)",
                     deadline, skip=True)


def ask_priority(ask: Ask, d: Draft, today: date) -> None:
    d.priority = ask.required("Priority: urgent important, important, urgent or neither",
                              parse_priority, default="important")


def ask_hours(ask: Ask, d: Draft, today: date) -> None:
    """Which hour set the goal's blocks use. The default follows the weekly hours: the
    `goals` set holds about 15 bookable hours a week, so more than 12 offers the roomier
    `personal` evenings and weekends. Never the day job's hours unless `work`."""
    click.echo("\nWhen can you work on this goal? (never in your day job's hours unless "
               "you choose `work`)")
    for name, text in GOAL_HOURS.items():
        click.echo(f"  {name:<9} {text}")
    roomy = d.weekly_hours is not None and d.weekly_hours > 12
    d.hours = ask.required("Hours for this goal", parse_hour_set,
                           default="personal" if roomy else "goals")


def ask_milestone(ask: Ask, d: Draft, today: date) -> None:
    d.milestone_title = ask("First milestone on the way (e.g. Finish the course)",
                            parse_text, skip=True)
    if d.milestone_title is None:
        return

    def due(text: str) -> date:
        day = parse_date(text, today)
        if day < today:
            raise ValueError(f"{day.isoformat()} has passed; give today or a later date.")
        if d.deadline is not None and day > d.deadline:
            # a plain ValueError: the suggestion in brackets stays halfway (a Retry's
            # suggestion would replace it)
            offer = f" (Enter takes {halfway.isoformat()}, halfway)" if halfway else ""
            raise ValueError(f"{day.isoformat()} is after the goal's deadline "
                             f"({d.deadline.isoformat()}); a milestone comes on the way. "
                             f"Give a date up to the deadline{offer}.")
        return day

    halfway = None if d.deadline is None else today + (d.deadline - today) / 2
    d.milestone_due = ask("  Its due date", due,
                          default=halfway.isoformat() if halfway else None, skip=True)
    d.celebrate = ask("  How will you celebrate reaching it?", parse_text, skip=True)


def ask_steps(ask: Ask, d: Draft, today: date) -> None:
    if d.milestone_title is None:
        return
    click.echo("\nThe action steps towards this milestone (Enter on an empty title ends "
               "the list).")

    def title(text: str) -> str:
        value = parse_text(text)
        if slugify(value) in {slugify(t) for t, _ in d.steps}:
            raise ValueError("You already have a step with that name; word it "
                             "differently.")
        return value

    while True:
        step = ask(f"Step {len(d.steps) + 1}", title, skip=True,
                   enter="Enter ends the list" if d.steps else "Enter to skip")
        if step is None:
            break
        minutes = ask.required("  How long will it take? (30m, 2h, 1h30m)", parse_minutes,
                               default="1h")
        d.steps.append((step, minutes))
    if len(d.steps) > 1:
        d.chain_steps = ask.yes("Do these steps have to be done in this order?")


def ask_habit(ask: Ask, d: Draft, today: date) -> None:
    title = ask("\nA recurring habit for this goal (e.g. Study session)", parse_text,
                skip=True)
    if title is None:
        return

    def per_week(text: str) -> int:
        match = re.fullmatch(r"(\d+)\s*(?:x|times?)?\s*(?:(?:a|per|/)\s*w(?:ee)?k)?",
                             text.strip(), re.IGNORECASE)
        if not match or not 1 <= int(match[1]) <= 21:
            raise ValueError(f"{text!r}: give how many times a week, from 1 to 21 "
                             "(e.g. 3).")
        return int(match[1])

    times = ask.required("  Times per week", per_week, default="3")
    minutes = ask.required("  Length of each session", parse_minutes, default="1h")
    d.habit = (title, times, minutes)


def ask_capacity(ask: Ask, d: Draft, today: date) -> None:
    """Once the work is known: does it fit the weekly hours? If not, say so and offer to
    change them (Enter keeps them)."""
    hints = smart_hints(d, today, ("smart-over-capacity",))
    if not hints:
        return
    click.echo(f"  SMART hint: {hints[0]}")
    hours = ask("  Hours a week for your goals", parse_weekly_hours, skip=True,
                default=None if d.weekly_hours is None else f"{d.weekly_hours:g}")
    if hours is not None:
        d.weekly_hours = hours


QUESTIONS: list[tuple[str, Question]] = [
    ("vision", ask_vision), ("time zone", ask_timezone),
    ("public holidays", ask_holidays), ("weekly hours", ask_weekly_hours),
    ("goal title", ask_title), ("specific", ask_specific), ("measurable", ask_measurable),
    ("achievable", ask_achievable), ("relevant", ask_relevant), ("deadline", ask_deadline),
    ("priority", ask_priority), ("milestone", ask_milestone), ("steps", ask_steps),
    ("habit", ask_habit), ("goal hours", ask_hours), ("", ask_capacity),
]
"""The interview, in order: (what it asks, for the partial plan's comment, "" for a check
that asks only when needed; function)."""


def interview(d: Draft, today: date, questions: list[tuple[str, Question]] | None = None,
              ) -> list[str]:
    """Ask every question into ``d``; return the names of those answered. On Ctrl-C or
    the end of input raises ``Stopped`` carrying what was answered."""
    ask = Ask()
    done: list[str] = []
    click.echo("Enter skips a question or takes the suggestion in [brackets]; Ctrl-C stops\n"
               "and keeps what you typed.\n")
    for name, question in questions or QUESTIONS:
        try:
            question(ask, d, today)
        except (click.Abort, KeyboardInterrupt):
            raise Stopped(done) from None
        done.append(name)
    return done


class Stopped(Exception):
    """The person stopped the interview; ``answered`` names the questions done."""

    def __init__(self, answered: list[str]) -> None:
        super().__init__("stopped")
        self.answered = answered


# --------------------------------------------------------------------------- command


def _refuse_existing(path: Path) -> None:
    try:
        first = path.read_text(encoding="utf-8", errors="replace")[:200]
    except OSError:
        first = ""
    if first.startswith(UNFINISHED):
        raise UsageError(f"{str(path)!r} holds the unfinished plan of an earlier "
                         "`goalsync init`, edited since; nothing was written",
                         hint="finish it in an editor and run `goalsync check`, or pass "
                              "--force to start over")
    raise UsageError(f"{str(path)!r} already exists; nothing was written",
                     hint="pass --force to overwrite it, or choose another path")


def write_plan(path: Path, text: str, force: bool) -> None:
    """Write ``text`` to ``path`` after checking it parses; never overwrite unless ``force``.

    Raises UsageError when the file exists (without ``force``) or cannot be written, and
    PlanError when the answers do not make a valid plan.
    """
    from syncer.core.parse import parse_plan  # not at start-up: `init --help`

    parse_plan(text, str(path))
    if path.exists() and not force:
        _refuse_existing(path)
    _write(path, text)


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as err:
        raise UsageError(f"cannot write {str(path)!r}: {err.strerror}") from None


def save_partial(path: Path, d: Draft, answered: list[str], *,
                 replace: bool = False) -> Path | None:
    """Write what was answered as a valid plan whose first comment lists what is
    missing and whose last comment holds the answers (``init`` offers to continue from
    them). Beside ``path`` (``*.partial.yaml``) when ``path`` exists (--force), so a
    stopped interview never replaces a finished plan, unless ``replace`` (``path`` is
    the unfinished plan being continued). None when nothing was typed."""
    if d == Draft(timezone=d.timezone, holidays=d.holidays):  # defaults taken only
        return None
    target = path if replace or not path.exists() else \
        path.with_name(f"{path.stem}.partial.yaml")
    _write(target, _partial_text(target, d, answered))
    return target


def _partial_text(path: Path, d: Draft, answered: list[str]) -> str:
    missing = tuple(name for name, _ in QUESTIONS if name and name not in answered)
    state = {"answered": answered, "draft": asdict(d)}
    return (render_plan(d, str(path), missing or ("(none)",)) + "\n" + ANSWERS
            + json.dumps(state, default=date.isoformat, ensure_ascii=True) + "\n")


def unfinished(path: Path) -> tuple[Draft, list[str]] | None:
    """The answers and the questions answered, saved in ``path`` by a stopped
    interview; None when ``path`` is not such a file or was edited since (continuing
    would then lose the edits)."""
    try:
        text = path.read_text(encoding="utf-8")
        if not text.startswith(UNFINISHED):
            return None
        last = text.rstrip("\n").rsplit("\n", 1)[-1]
        if not last.startswith(ANSWERS):
            return None
        state = json.loads(last.removeprefix(ANSWERS))
        data = dict(state["draft"])
        for key in ("deadline", "milestone_due"):
            data[key] = None if data[key] is None else date.fromisoformat(data[key])
        data["steps"] = [(str(t), int(m)) for t, m in data["steps"]]
        data["habit"] = None if data["habit"] is None else tuple(data["habit"])
        data["extra"] = {str(k): (str(c), v) for k, (c, v) in data["extra"].items()}
        draft = Draft(**data)
        answered = [str(name) for name in state["answered"]]
        # the plan as the answers render it (the answers line itself may differ: one
        # saved before a question was added lacks its field)
        if _partial_text(path, draft, answered).rsplit(ANSWERS, 1)[0] != \
                text.rsplit(ANSWERS, 1)[0]:
            return None
    except (OSError, UnicodeDecodeError, ValueError, TypeError, KeyError, AttributeError):
        return None
    return draft, answered


@click.command("init")
@click.argument("path", default="goals.yaml", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--example", is_flag=True,
              help="Write an example goal without asking questions.")
@click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
@click.option("--timezone", "timezone", default=None, metavar="ZONE",
              help="IANA timezone for the plan (default: this machine's).")
def init(path: Path, example: bool, force: bool, timezone: str | None) -> None:
    """Write a commented starter plan to PATH (default goals.yaml).

    Asks the SMART questions for a first goal, checking each answer as it is given, or
    writes an example with --example. Ctrl-C keeps the answers given so far in PATH.
    """
    earlier = _continue(path) if path.exists() and not force and not example else None
    if path.exists() and not force and earlier is None:
        _refuse_existing(path)
    zone = timezone or guess_timezone()
    if not is_zone(zone):
        raise UsageError(f"{zone!r} is not an IANA timezone", hint="e.g. --timezone Europe/Berlin")
    today = date.today()  # the shell may read the clock; the plan's dates start here
    if example:
        draft = example_goal(today, zone)
    else:
        draft, answered = earlier or (Draft(timezone=zone), [])
        if earlier is None:
            click.echo("Let's write your first SMART goal.")
        try:
            interview(draft, today, [q for q in QUESTIONS if q[0] not in answered])
        except Stopped as stop:
            saved = save_partial(path, draft, answered + stop.answered,
                                 replace=earlier is not None)
            if saved is not None:
                click.echo(f"\nStopped. Your answers so far are saved in {saved}; "
                           "it says at the top what is still missing, and "
                           f"`goalsync init {saved}` continues from there.", err=True)
            elif not sys.stdin.isatty():
                click.echo(err=True)  # end the unanswered prompt's line
                raise UsageError("init ran out of input before any answer: it asks its "
                                 "questions in a terminal; nothing was written",
                                 hint="run it in a terminal, or write an example plan "
                                      "with --example") from None
            raise click.Abort() from None
    text = render_plan(draft, str(path))
    try:
        write_plan(path, text, force or earlier is not None)
    except PlanError as error:  # a bug in the checks above: keep the answers anyway
        saved = save_partial(path, draft, [n for n, _ in QUESTIONS])
        raise UsageError(f"those answers do not make a valid plan: {error.message}",
                         hint=f"your answers are kept in {saved}; fix them there") from None
    click.echo(f"Wrote {path}. Next: run `goalsync check {path}`, then `goalsync sync "
               f"{path}`.")


def _continue(path: Path) -> tuple[Draft, list[str]] | None:
    """The saved answers of a stopped interview in ``path``, when the person wants to
    go on from them."""
    saved = unfinished(path)
    if saved is None:
        return None
    missing = [n for n, _ in QUESTIONS if n and n not in saved[1]]
    click.echo(f"{path} holds the answers of a `goalsync init` you stopped; still open: "
               f"{', '.join(missing) or 'nothing'}.")
    if not Ask().yes("Continue where you stopped?", default=True):
        raise UsageError(f"{str(path)!r} was kept as it is; nothing was written",
                         hint="finish it in an editor, or pass --force to start over")
    return saved


COMMANDS: list[click.Command] = [init]
