"""Parse a YAML plan (text in) into a frozen ``Plan``, or raise one ``PlanError``.

Guarantees:

* Pure: the caller reads the file; this module sees only ``text`` and the ``path`` it
  uses in messages. No clock, no disk (IANA zone names are checked against the zone data
  that ``zoneinfo`` ships with), no environment.
* All or nothing: every problem found is collected as a ``Problem(pos, code, message)``
  with the 1-based line and column of the offending key or value, and one ``PlanError``
  carries them all. A half plan is never returned.
* Stable identity: ids are explicit (``id:``) or the slug of the title, unique within
  their parent; ``after:`` references are resolved to full step keys
  (``goal/milestone/step``) and checked for cycles.

The format is described in docs/plan-format.md; a JSON Schema for editors lives in
docs/goals.schema.json.
"""

from __future__ import annotations

import difflib
import math
import re
import zoneinfo
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import PurePath

from syncer.core.durations import parse_duration
from syncer.core.identity import habit_key, milestone_key, step_key
from syncer.core.model import (
    GOAL_TYPES,
    HORIZONS,
    ID_PATTERN,
    MAX_WEEKLY_HOURS,
    Goal,
    Habit,
    Measurable,
    Milestone,
    Plan,
    Pos,
    Problem,
    Step,
    slugify,
)
from syncer.core.public_holidays import REGION
from syncer.core.yamlnodes import Node, Scalar, YamlMap, YamlSeq, compose
from syncer.errors import PlanError

PLAN_KEYS = ("vision", "timezone", "holidays", "id", "weekly_hours", "reflection", "goals")
GOAL_KEYS = ("id", "title", "specific", "measurable", "achievable", "relevant", "deadline",
             "priority", "type", "horizon", "labels", "milestones", "habits", "weekly_hours",
             "hours")
MEASURABLE_KEYS = ("metric", "target", "unit", "current")
MILESTONE_KEYS = ("id", "title", "due", "celebrate", "steps")
STEP_KEYS = ("id", "title", "estimate", "after", "not_before", "due", "notes", "done")
HABIT_KEYS = ("id", "title", "per_week", "duration", "hours")
MAX_PER_WEEK = 21
MAX_ID = 4096  # characters of an id (written, or made from a title): it goes into UIDs
MAX_SLUG = MAX_ID
MAX_MINUTES = 10_000 * 60  # an estimate or duration of more than 10,000 hours is a typo
MAX_NUMBER = 1e12  # measurable targets, weekly hours: beyond this a number is a typo
FIRST_DATE, LAST_DATE = date(1900, 1, 1), date(2199, 12, 31)  # dates in a plan
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")

_EISENHOWER = {
    frozenset({"urgent", "important"}): 1,
    frozenset({"important"}): 2,
    frozenset({"urgent"}): 3,
    frozenset({"neither"}): 4,
}


def parse_plan(text: str, path: str) -> Plan:
    """Return the plan written in ``text`` (from the file ``path``).

    Raises ``PlanError`` holding every problem found, sorted by position.
    """
    ctx = _Ctx(path)
    data = _load_yaml(ctx, text)
    plan = None if ctx.problems or data is None else _plan(ctx, data)
    if ctx.problems or plan is None:
        problems = sorted(ctx.problems, key=lambda p: (p.pos.line, p.pos.col))
        raise PlanError(problems, hint="fix the lines above, then run `goalsync check` again")
    return plan


# --------------------------------------------------------------------------- context


@dataclass
class _Ctx:
    path: str
    problems: list[Problem] = field(default_factory=list)

    def error(self, pos: Pos, code: str, message: str) -> None:
        self.problems.append(Problem(pos, code, message))

    def at(self, line0: int, col0: int) -> Pos:
        return Pos(self.path, line0 + 1, col0 + 1)

    def node(self, node: Node | None) -> Pos:
        if node is None:
            return Pos(self.path, 1, 1)
        return self.at(node.line, node.col)

    def key(self, node: YamlMap, key: str) -> Pos:
        mark = node.key_at.get(key)
        return self.node(node) if mark is None else self.at(*mark)

    def value(self, node: YamlMap, key: str) -> Pos:
        mark = node.value_at.get(key)
        return self.key(node, key) if mark is None else self.at(*mark)

    def item(self, seq: YamlSeq, index: int) -> Pos:
        return self.at(*seq.item_at[index]) if index < len(seq.item_at) else self.node(seq)


def _load_yaml(ctx: _Ctx, text: str) -> YamlMap | None:
    """The top-level mapping, or None with the YAML problems (or the empty plan) reported."""
    composed = compose(text)
    for issue in composed.issues:
        ctx.error(ctx.at(issue.line, issue.col), issue.code, issue.message)
    data = composed.root
    if composed.issues:
        return None
    if data is None or (isinstance(data, Scalar) and data.value is None):
        ctx.error(Pos(ctx.path, 1, 1), "empty-plan",
                  "the plan is empty; start one with `goalsync init`")
        return None
    if not isinstance(data, YamlMap):
        ctx.error(ctx.node(data), "wrong-type",
                  "the plan must be a mapping with `timezone` and `goals` at the top level")
        return None
    return data


# --------------------------------------------------------------------------- readers


def _field_pos(ctx: _Ctx, node: YamlMap) -> tuple[tuple[str, Pos], ...]:
    """Where each key's value was written (kept on the model for later messages)."""
    return tuple((key, ctx.value(node, key)) for key in node)


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean `{close[0]}`?" if close else ""


def _check_keys(ctx: _Ctx, node: YamlMap, allowed: Sequence[str], where: str) -> None:
    for key in node:
        if key not in allowed:
            ctx.error(ctx.key(node, key), "unknown-key",
                      f"unknown key `{key}` in {where}{_did_you_mean(key, allowed)}"
                      f" (allowed: {', '.join(allowed)})")


def _get(node: YamlMap, key: str) -> Node | None:
    """``node[key]``; None when the key is missing or its value is null (``~``, empty)."""
    value = node.get(key)
    if isinstance(value, Scalar) and value.value is None:
        return None
    return value


def _scalar_text(value: Node | None) -> str | None:
    """The text of a non-null scalar as written (``yes``, ``08``, ``2027-06-30`` stay
    text where text is expected); None for a list, a mapping or null."""
    if isinstance(value, Scalar) and value.value is not None:
        return value.text.strip()
    return None


def _shown(value: Node | None) -> str:
    """The value as a message quotes it: ``'soon'``, ``30``, ``['a', 'b']``, ``a mapping``.

    Bounded: a nested or long collection is named, never printed.
    """
    if isinstance(value, Scalar):
        return repr(value.value)
    if isinstance(value, YamlSeq) and len(value) <= 10 and all(isinstance(item, Scalar)
                                                             for item in value):
        return repr([item.value for item in value if isinstance(item, Scalar)])
    return "a list" if isinstance(value, YamlSeq) else "a mapping" if value else "nothing"


def _text(ctx: _Ctx, node: YamlMap, key: str, where: str, required: bool = False) -> str:
    value = _get(node, key)
    if value is None:
        if required:
            code = "missing-title" if key == "title" else f"missing-{key}"
            ctx.error(ctx.node(node), code, f"{where} has no `{key}`")
        return ""
    text = _scalar_text(value)
    if text is None:
        ctx.error(ctx.value(node, key), "wrong-type", f"`{key}` of {where} must be text")
        return ""
    if required and not text:
        ctx.error(ctx.value(node, key), f"missing-{key}", f"`{key}` of {where} is empty")
    return text


def _date(ctx: _Ctx, node: YamlMap, key: str, where: str) -> date | None:
    value = _get(node, key)
    if value is None:
        return None
    text = _scalar_text(value) or "?"
    try:
        # only YYYY-MM-DD: fromisoformat also takes 20270630 and 2027-W26-3
        if not _ISO_DATE.match(text):
            raise ValueError(text)
        day = date.fromisoformat(text)
    except ValueError:
        ctx.error(ctx.value(node, key), "bad-date",
                  f"`{key}` of {where} is not a valid date: {_shown(value)} (write YYYY-MM-DD)")
        return None
    if not FIRST_DATE <= day <= LAST_DATE:
        ctx.error(ctx.value(node, key), "bad-date",
                  f"`{key}` of {where} is {day}, outside the years goalsync plans for "
                  f"({FIRST_DATE.year} to {LAST_DATE.year})")
        return None
    return day


def _number(ctx: _Ctx, node: YamlMap, key: str, where: str,
            percent: bool = False) -> float | None:
    """A finite number of at most ``MAX_NUMBER``; ``percent`` also takes ``80%``."""
    value = _get(node, key)
    if value is None:
        return None
    typed = value.value if isinstance(value, Scalar) else None
    try:
        if isinstance(typed, int | float) and not isinstance(typed, bool):
            number = float(typed)
        else:
            text = _scalar_text(value) or "?"
            number = float(text.removesuffix("%") if percent else text)
    except (ValueError, OverflowError):
        ctx.error(ctx.value(node, key), "wrong-type", f"`{key}` of {where} must be a number")
        return None
    if not math.isfinite(number) or abs(number) > MAX_NUMBER:
        ctx.error(ctx.value(node, key), "wrong-type",
                  f"`{key}` of {where} must be a number of at most {MAX_NUMBER:g}, "
                  f"got {_shown(value)}")
        return None
    return number


def _minutes(ctx: _Ctx, node: YamlMap, key: str, where: str) -> int | None:
    value = _get(node, key)
    if value is None:
        return None
    code = "bad-estimate" if key == "estimate" else "bad-duration"
    if not isinstance(value, Scalar):
        ctx.error(ctx.value(node, key), code, f"`{key}` of {where} must be a duration such as "
                  f"30m, 2h or 1h30m, not {_shown(value)}")
        return None
    try:
        minutes = parse_duration(value.value)
    except OverflowError:
        minutes = MAX_MINUTES + 1
    except ValueError as err:
        ctx.error(ctx.value(node, key), code, f"`{key}` of {where}: {err}")
        return None
    if minutes <= 0:
        ctx.error(ctx.value(node, key), code,
                  f"`{key}` of {where} must be more than zero, got {_shown(value)}")
        return None
    if minutes > MAX_MINUTES:
        ctx.error(ctx.value(node, key), code,
                  f"`{key}` of {where} is more than {MAX_MINUTES // 60:,} hours, got "
                  f"{_shown(value)}; split the work into steps")
        return None
    return minutes


def _text_list(ctx: _Ctx, node: YamlMap, key: str, where: str) -> tuple[str, ...]:
    value = _get(node, key)
    if value is None:
        return ()
    if isinstance(value, Scalar):
        return (value.text.strip(),)
    if not isinstance(value, YamlSeq):
        ctx.error(ctx.value(node, key), "wrong-type", f"`{key}` of {where} must be a list")
        return ()
    out = []
    for index, item in enumerate(value):
        text = _scalar_text(item)
        if text is None:
            ctx.error(ctx.item(value, index), "wrong-type",
                      f"each entry of `{key}` in {where} must be text")
        else:
            out.append(text)
    return tuple(out)


def _mappings(ctx: _Ctx, node: YamlMap, key: str, where: str) -> Iterator[tuple[YamlMap, Pos]]:
    """Yield each entry of the list ``node[key]`` with its position; report non-mappings."""
    for item, pos in _entries(ctx, node, key, where):
        if isinstance(item, YamlMap):
            yield item, pos


def _entries(ctx: _Ctx, node: YamlMap, key: str, where: str,
             allow_text: bool = False) -> Iterator[tuple[YamlMap | Scalar, Pos]]:
    """Yield each mapping (or, with ``allow_text``, each non-null scalar) of the list
    ``node[key]`` with its position; report the other entries."""
    value = _get(node, key)
    if value is None:
        return
    if not isinstance(value, YamlSeq):
        ctx.error(ctx.value(node, key), "wrong-type", f"`{key}` of {where} must be a list")
        return
    for index, item in enumerate(value):
        pos = ctx.item(value, index)
        text = allow_text and isinstance(item, Scalar) and item.value is not None
        if isinstance(item, YamlMap | Scalar) and (text or isinstance(item, YamlMap)):
            yield item, pos
        else:
            kind = "a mapping or a title" if allow_text else "a mapping"
            ctx.error(pos, "wrong-type", f"each entry of `{key}` in {where} must be {kind}")


def _identity(ctx: _Ctx, node: YamlMap, title: str, kind: str, parent: str,
              seen: dict[str, Pos]) -> str:
    """The entry's id (explicit or slug of the title), checked and unique within parent."""
    raw = _get(node, "id")
    if raw is None and not title:  # already reported as missing its title
        return f"untitled-{ctx.node(node).line}"
    if raw is None:
        ident, pos = slugify(title), ctx.node(node)
        if len(ident) > MAX_SLUG:
            ctx.error(pos, "bad-id", f"the {kind}'s title is too long to make its id from "
                      f"({len(ident):,} characters); give it a short `id:`")
    else:
        ident, pos = (_scalar_text(raw) or ""), ctx.value(node, "id")
        if not isinstance(raw, Scalar):
            ident = slugify(title)
            ctx.error(pos, "bad-id", f"{kind} id must be a word such as `research`, "
                      f"not {_shown(raw)}")
        elif len(ident) > MAX_ID:
            ctx.error(pos, "bad-id", f"{kind} id `{ident[:20]}…` is {len(ident):,} characters "
                      f"long; an id is at most {MAX_ID:,} (it goes into every UID and marker)")
        elif not ID_PATTERN.match(ident):
            ctx.error(pos, "bad-id",
                      f"{kind} id {ident!r} may hold only lowercase letters, digits, '-' "
                      f"and '_', starting with a letter or digit; try `{slugify(ident)}`")
    if ident in seen:
        first = seen[ident]
        how = "" if raw is not None else " (taken from its title; give it an explicit `id`)"
        ctx.error(pos, "duplicate-id",
                  f"duplicate {kind} id `{ident}` in {parent}{how}; "
                  f"the first one is at line {first.line}")
    else:
        seen[ident] = pos
    return ident


# --------------------------------------------------------------------------- plan


def _plan(ctx: _Ctx, data: YamlMap) -> Plan | None:
    _check_keys(ctx, data, PLAN_KEYS, "the plan")
    timezone = _timezone(ctx, data)
    plan_id = _plan_id(ctx, data)
    weekly = _weekly_hours(ctx, data)
    goals: list[Goal] = []
    raw_after: dict[str, list[tuple[str, Pos]]] = {}
    seen: dict[str, Pos] = {}
    for node, pos in _mappings(ctx, data, "goals", "the plan"):
        goals.append(_goal(ctx, node, pos, seen, raw_after))
    if not goals and not any(p.code == "wrong-type" for p in ctx.problems):
        where = ctx.key(data, "goals") if "goals" in data else Pos(ctx.path, 1, 1)
        ctx.error(where, "no-goals", "the plan has no goals; add at least one under `goals:`")
    goals = _resolve_after(ctx, goals, raw_after)
    return Plan(
        path=ctx.path, timezone=timezone, goals=tuple(goals), id=plan_id,
        vision=_text(ctx, data, "vision", "the plan"), weekly_hours=weekly,
        reflection=_text_list(ctx, data, "reflection", "the plan"), pos=Pos(ctx.path, 1, 1),
        field_pos=_field_pos(ctx, data), holidays=_holidays(ctx, data),
    )


def _timezone(ctx: _Ctx, data: YamlMap) -> str:
    name = _text(ctx, data, "timezone", "the plan")
    if "timezone" not in data:
        ctx.error(Pos(ctx.path, 1, 1), "missing-timezone",
                  "the plan has no `timezone`; add e.g. `timezone: Europe/Berlin` (IANA name)")
        return "UTC"
    if not name:  # at the key: the parsers place an empty value differently
        ctx.error(ctx.key(data, "timezone"), "bad-timezone",
                  "`timezone` is empty; use an IANA name such as Europe/Berlin")
        return "UTC"
    try:
        # "localtime" is this machine's zone, not a place: the plan would move with it
        if name.lower() in ("localtime", "factory") or name.startswith(
                ("posix/", "right/")):
            raise ValueError(name)
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        hint = _did_you_mean(name, zoneinfo.available_timezones())
        ctx.error(ctx.value(data, "timezone"), "bad-timezone",
                  f"unknown timezone {name!r}{hint or '; use an IANA name such as Europe/Berlin'}")
        return "UTC"
    return name


def _holidays(ctx: _Ctx, data: YamlMap) -> str | None:
    """``holidays:``: a country or country-subdivision code, upper-cased ("DE", "US-CA"),
    or "" for ``none``; None when not given. Only the form is checked here (no import of
    the ``holidays`` package at start-up); whether the country is known is checked where
    the dates are needed (``schedule.holiday_region``, which ``goalsync check`` runs)."""
    if "holidays" not in data:
        return None
    value = data["holidays"]
    text = _scalar_text(value)  # as written: `NO` (Norway) stays text, not false
    what = ("write the country whose public holidays get no goal blocks, such as DE, GB, "
            "US or US-CA, or `none` to book them")
    if value is not None and not isinstance(value, Scalar):
        ctx.error(ctx.value(data, "holidays"), "bad-holidays",
                  f"`holidays` of the plan must be one code, not {_shown(value)}; {what}")
        return None
    if not text:  # at the key: the parsers place an empty value differently
        ctx.error(ctx.key(data, "holidays"), "bad-holidays",
                  f"`holidays` of the plan is empty; {what}")
        return None
    if text.lower() == "none":
        return ""
    if text.lower() == "no" and text != "NO":  # YAML's "no", or Norway?
        ctx.error(ctx.value(data, "holidays"), "bad-holidays",
                  f"`holidays: {text}` of the plan is ambiguous: write `none` to book public "
                  "holidays, or NO (upper case) for Norway's")
        return None
    if not REGION.match(text):
        ctx.error(ctx.value(data, "holidays"), "bad-holidays",
                  f"`holidays` of the plan is {text!r}, not a country code; write an ISO "
                  "3166 code such as DE, GB, US, or a country and subdivision such as "
                  "DE-BY or US-CA, or `none` to book public holidays")
        return None
    return text.upper()


def _plan_id(ctx: _Ctx, data: YamlMap) -> str:
    if "id" not in data:
        return slugify(PurePath(ctx.path).stem)
    ident = _scalar_text(data["id"]) or ""
    if len(ident) > MAX_ID or not ID_PATTERN.match(ident):
        written = repr(ident) if isinstance(data["id"], Scalar) else _shown(data["id"])
        ctx.error(ctx.value(data, "id"), "bad-id",
                  f"plan id {written} may hold only lowercase letters, digits, '-' and '_'")
    return ident


def _hour_set(ctx: _Ctx, node: YamlMap, where: str) -> str | None:
    """``hours:``: the name of an hour set in the scheduling rules (checked against the
    rules by ``goalsync check`` and the scheduler, which know them)."""
    if "hours" not in node:
        return None
    name = _text(ctx, node, "hours", where)
    if name and not ID_PATTERN.match(name):
        ctx.error(ctx.value(node, "hours"), "bad-hours",
                  f"`hours` of {where} must name an hour set such as `goals`, `personal` "
                  f"or `work`, got {name!r}")
        return None
    return name or None


def _weekly_hours(ctx: _Ctx, data: YamlMap, where: str = "the plan") -> float | None:
    hours = _number(ctx, data, "weekly_hours", where)
    if hours is not None and not 0 < hours <= MAX_WEEKLY_HOURS:
        ctx.error(ctx.value(data, "weekly_hours"), "bad-weekly-hours",
                  f"`weekly_hours` must be between 0 and {MAX_WEEKLY_HOURS}, got {hours:g}")
        return None
    return hours


# --------------------------------------------------------------------------- goal


def _goal(ctx: _Ctx, node: YamlMap, pos: Pos, seen: dict[str, Pos],
          raw_after: dict[str, list[tuple[str, Pos]]]) -> Goal:
    title = _text(ctx, node, "title", "this goal", required=True)
    gid = _identity(ctx, node, title, "goal", "the plan", seen)
    where = f"goal `{gid}`"
    _check_keys(ctx, node, GOAL_KEYS, where)
    deadline = _date(ctx, node, "deadline", where)
    milestones: list[Milestone] = []
    ms_seen: dict[str, Pos] = {}
    for ms_node, ms_pos in _mappings(ctx, node, "milestones", where):
        milestones.append(_milestone(ctx, ms_node, ms_pos, gid, deadline, ms_seen, raw_after))
    habits: list[Habit] = []
    habit_seen: dict[str, Pos] = {}
    for h_node, h_pos in _mappings(ctx, node, "habits", where):
        habits.append(_habit(ctx, h_node, h_pos, gid, habit_seen))
    return Goal(
        key=gid, id=gid, title=title,
        specific=_text(ctx, node, "specific", where),
        measurable=_measurable(ctx, node, where),
        achievable=_text(ctx, node, "achievable", where),
        relevant=_text(ctx, node, "relevant", where),
        deadline=deadline, priority=_priority(ctx, node, where),
        type=_choice(ctx, node, "type", where, GOAL_TYPES),
        horizon=_choice(ctx, node, "horizon", where, HORIZONS),
        labels=_text_list(ctx, node, "labels", where),
        milestones=tuple(milestones), habits=tuple(habits), pos=pos,
        field_pos=_field_pos(ctx, node), weekly_hours=_weekly_hours(ctx, node, where),
        hours=_hour_set(ctx, node, where),
    )


def _measurable(ctx: _Ctx, node: YamlMap, where: str) -> Measurable | None:
    value = _get(node, "measurable")
    if value is None:
        return None
    if not isinstance(value, YamlMap):
        ctx.error(ctx.value(node, "measurable"), "wrong-type",
                  f"`measurable` of {where} must be a mapping such as "
                  "{metric: exam score, target: 80, unit: '%'}")
        return None
    inner = f"`measurable` of {where}"
    _check_keys(ctx, value, MEASURABLE_KEYS, inner)
    metric = _text(ctx, value, "metric", inner, required=True)
    target = _number(ctx, value, "target", inner, percent=True)
    if target is None:
        if "target" not in value:
            ctx.error(ctx.node(value), "missing-target", f"{inner} has no `target` number")
        return None
    return Measurable(metric=metric, target=target, unit=_text(ctx, value, "unit", inner),
                      current=_number(ctx, value, "current", inner, percent=True),
                      pos=ctx.value(node, "measurable"))


def _priority(ctx: _Ctx, node: YamlMap, where: str) -> int:
    value = _get(node, "priority")
    if value is None:
        return 2
    words = _priority_words(value)
    if len(words) == 1 and re.fullmatch(r"p[1-4]", next(iter(words))):
        return int(next(iter(words))[1])
    if frozenset(words) in _EISENHOWER:
        return _EISENHOWER[frozenset(words)]
    ctx.error(ctx.value(node, "priority"), "bad-priority",
              f"`priority` of {where} must be urgent-important, important, urgent, neither, "
              f"a list such as [urgent, important], or p1..p4; got {_shown(value)}")
    return 2


def _priority_words(value: Node) -> set[str]:
    items = value if isinstance(value, YamlSeq) else [value]
    words: set[str] = set()
    for item in items:
        text = _scalar_text(item) or "?"
        words.update(w for w in re.split(r"[\s,+&/_-]+", text.lower()) if w and w != "and")
    return words


def _choice(ctx: _Ctx, node: YamlMap, key: str, where: str,
            choices: Sequence[str]) -> str | None:
    raw = _text(ctx, node, key, where)
    if not raw:
        return None
    value = re.sub(r"[\s_]+", "-", raw.lower())
    if value in choices:
        return value
    if f"{value}-term" in choices:  # "short" / "long"
        return f"{value}-term"
    ctx.error(ctx.value(node, key), f"bad-{key}",
              f"`{key}` of {where} is {raw!r}{_did_you_mean(value, choices)} "
              f"(one of: {', '.join(choices)})")
    return None


# --------------------------------------------------------------------------- milestone


def _milestone(ctx: _Ctx, node: YamlMap, pos: Pos, gid: str, deadline: date | None,
               seen: dict[str, Pos], raw_after: dict[str, list[tuple[str, Pos]]]) -> Milestone:
    title = _text(ctx, node, "title", "this milestone", required=True)
    mid = _identity(ctx, node, title, "milestone", f"goal `{gid}`", seen)
    key = milestone_key(gid, mid)
    where = f"milestone `{key}`"
    _check_keys(ctx, node, MILESTONE_KEYS, where)
    due = _date(ctx, node, "due", where)
    if due and deadline and due > deadline:
        ctx.error(ctx.value(node, "due"), "milestone-after-deadline",
                  f"{where} is due {due}, after its goal's deadline {deadline}")
    steps: list[Step] = []
    step_seen: dict[str, Pos] = {}
    for s_node, s_pos in _entries(ctx, node, "steps", where, allow_text=True):
        steps.append(_step(ctx, s_node, s_pos, gid, mid, due or deadline, step_seen, raw_after))
    return Milestone(key=key, id=mid, title=title, goal_id=gid, due=due,
                     celebrate=_text(ctx, node, "celebrate", where), steps=tuple(steps), pos=pos,
                     field_pos=_field_pos(ctx, node))


def _step(ctx: _Ctx, node: YamlMap | Scalar, pos: Pos, gid: str, mid: str, limit: date | None,
          seen: dict[str, Pos], raw_after: dict[str, list[tuple[str, Pos]]]) -> Step:
    if isinstance(node, Scalar):  # a plain string is the step's title
        node = YamlMap.single("title", node, pos.line - 1, pos.col - 1)
    title = _text(ctx, node, "title", "this step", required=True)
    sid = _identity(ctx, node, title, "step", f"milestone `{gid}/{mid}`", seen)
    key = step_key(gid, mid, sid)
    where = f"step `{key}`"
    _check_keys(ctx, node, STEP_KEYS, where)
    due = _date(ctx, node, "due", where)
    not_before = _date(ctx, node, "not_before", where)
    if due and limit and due > limit:
        ctx.error(ctx.value(node, "due"), "step-after-milestone",
                  f"{where} is due {due}, after its milestone's due date (or goal deadline) "
                  f"{limit}")
    if due and not_before and not_before > due:
        ctx.error(ctx.value(node, "not_before"), "not-before-after-due",
                  f"{where} cannot start ({not_before}) after it is due ({due})")
    raw_after.setdefault(key, []).extend(_after_refs(ctx, node, where))
    return Step(key=key, id=sid, title=title, goal_id=gid, milestone_id=mid,
                estimate_minutes=_minutes(ctx, node, "estimate", where),
                not_before=not_before, due=due, notes=_text(ctx, node, "notes", where),
                done=_flag(ctx, node, "done", where), pos=pos,
                field_pos=_field_pos(ctx, node))


def _flag(ctx: _Ctx, node: YamlMap, key: str, where: str) -> bool:
    if key not in node:
        return False
    value = node[key]
    if not isinstance(value, Scalar) or not isinstance(value.value, bool):
        ctx.error(ctx.value(node, key), "wrong-type", f"`{key}` of {where} must be true or false")
        return False
    return value.value


def _after_refs(ctx: _Ctx, node: YamlMap, where: str) -> list[tuple[str, Pos]]:
    value = _get(node, "after")
    if value is None:
        return []
    if isinstance(value, Scalar):
        return [(value.text.strip(), ctx.value(node, "after"))]
    if not isinstance(value, YamlSeq):
        ctx.error(ctx.value(node, "after"), "wrong-type",
                  f"`after` of {where} must be a list of step ids")
        return []
    refs = []
    for index, item in enumerate(value):
        text = _scalar_text(item)
        if text is None:
            ctx.error(ctx.item(value, index), "wrong-type", f"`after` of {where} lists a non-id")
        else:
            refs.append((text, ctx.item(value, index)))
    return refs


# --------------------------------------------------------------------------- habit


def _habit(ctx: _Ctx, node: YamlMap, pos: Pos, gid: str, seen: dict[str, Pos]) -> Habit:
    title = _text(ctx, node, "title", "this habit", required=True)
    hid = _identity(ctx, node, title, "habit", f"goal `{gid}`", seen)
    where = f"habit `{hid}` of goal `{gid}`"
    _check_keys(ctx, node, HABIT_KEYS, where)
    per_week = _per_week(ctx, node, where)
    duration = _minutes(ctx, node, "duration", where)
    if "duration" not in node:
        ctx.error(pos, "missing-duration", f"{where} has no `duration` (e.g. 1h)")
    return Habit(key=habit_key(gid, hid), id=hid, title=title, goal_id=gid,
                 per_week=per_week, duration_minutes=duration or 0, pos=pos,
                 hours=_hour_set(ctx, node, where))


def _per_week(ctx: _Ctx, node: YamlMap, where: str) -> int:
    value = _get(node, "per_week")
    if value is None:
        ctx.error(ctx.node(node), "missing-per_week", f"{where} has no `per_week` (1..21)")
        return 1
    count = value.value if isinstance(value, Scalar) else None
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_PER_WEEK:
        ctx.error(ctx.value(node, "per_week"), "bad-per-week",
                  f"`per_week` of {where} must be a whole number from 1 to {MAX_PER_WEEK}, "
                  f"got {_shown(value)}")
        return 1
    return count


# --------------------------------------------------------------------------- after


def _resolve_after(ctx: _Ctx, goals: list[Goal],
                   raw_after: dict[str, list[tuple[str, Pos]]]) -> list[Goal]:
    """Resolve every ``after`` reference to a full step key, then check for cycles."""
    keys = {s.key for g in goals for s in g.steps}
    resolved: dict[str, tuple[str, ...]] = {}
    first_pos: dict[str, Pos] = {}
    for key, refs in raw_after.items():
        out: list[str] = []
        for ref, pos in refs:
            target = _resolve_ref(ctx, key, ref, pos, keys)
            if target and target not in out:
                out.append(target)
        resolved[key] = tuple(out)
        if refs:
            first_pos[key] = refs[0][1]
    _report_cycles(ctx, resolved, first_pos)
    return [_with_after(goal, resolved) for goal in goals]


def _resolve_ref(ctx: _Ctx, key: str, ref: str, pos: Pos, keys: set[str]) -> str | None:
    gid, mid, _ = key.split("/")
    parts = ref.split("/")
    if len(parts) == 3:
        candidates = [ref] if ref in keys else []
    elif len(parts) == 2:
        candidates = [f"{gid}/{ref}"] if f"{gid}/{ref}" in keys else []
    elif f"{gid}/{mid}/{ref}" in keys:
        candidates = [f"{gid}/{mid}/{ref}"]
    else:
        candidates = sorted(k for k in keys if k.startswith(f"{gid}/") and k.endswith(f"/{ref}"))
    if len(candidates) == 1:
        return candidates[0]
    where = f"step `{key}`"
    if candidates:
        ctx.error(pos, "ambiguous-after",
                  f"`after: {ref}` in {where} matches several steps ({', '.join(candidates)}); "
                  "write it as milestone/step")
    else:
        near = [k.split("/", 1)[1] if k.startswith(f"{gid}/") else k for k in sorted(keys)]
        near += [k.rsplit("/", 1)[1] for k in sorted(keys) if k.startswith(f"{gid}/{mid}/")]
        ctx.error(pos, "unknown-after",
                  f"`after: {ref}` in {where} names no step{_did_you_mean(ref, near)}")
    return None


def _report_cycles(ctx: _Ctx, graph: dict[str, tuple[str, ...]], where: dict[str, Pos]) -> None:
    reported: set[frozenset[str]] = set()
    state: dict[str, int] = {}  # 1 = on the current path, 2 = finished
    for start in graph:
        if state.get(start):
            continue
        path: list[str] = []
        stack: list[tuple[str, Iterator[str]]] = [(start, iter(graph.get(start, ())))]
        state[start], path = 1, [start]
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                path.pop()
                state[node] = 2
            elif state.get(child) == 1:
                cycle = path[path.index(child):]
                if frozenset(cycle) not in reported:
                    reported.add(frozenset(cycle))
                    ring = " → ".join([*cycle, child])
                    ctx.error(where.get(child, Pos(ctx.path, 1, 1)), "cyclic-after",
                              f"`after` forms a cycle: {ring}")
            elif not state.get(child):
                state[child] = 1
                path.append(child)
                stack.append((child, iter(graph.get(child, ()))))


def _with_after(goal: Goal, resolved: dict[str, tuple[str, ...]]) -> Goal:
    milestones = tuple(
        replace(m, steps=tuple(replace(s, after=resolved.get(s.key, ())) for s in m.steps))
        for m in goal.milestones
    )
    return replace(goal, milestones=milestones)
