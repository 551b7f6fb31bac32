"""The scheduling rules (rules/scheduling.toml) as one validated, frozen value.

``SchedulingRules.from_mapping`` accepts the TOML table (shipped file merged with the
user's overrides), fills missing keys with the defaults below, and raises one
``ConfigError`` naming the key, the bad value and what to write instead. Unknown keys
get a did-you-mean.

Hour sets: ``[hours.NAME]`` tables name weekly windows (``work``, ``personal``,
``goals``...). Goal work uses the set named by ``goal_hours`` unless a goal or habit
chooses another (``hours:`` in the plan); ``windows`` is that default set. The set named
by ``work_hours`` is the day job: its windows are cut out of every other set, so goal
work never lands in office hours unless a goal or habit chooses ``work`` itself.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from syncer.core.durations import format_duration, parse_duration
from syncer.errors import ConfigError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
STRATEGIES = ("asap", "spread")
_WINDOW = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")

Window = tuple[int, int]  # minutes after local midnight, [start, end)

_OFFICE: tuple[Window, ...] = ((9 * 60, 12 * 60), (13 * 60, 17 * 60))
_EVENING: tuple[Window, ...] = ((18 * 60 + 30, 21 * 60),)
_WEEKEND: tuple[Window, ...] = ((9 * 60, 12 * 60), (14 * 60, 17 * 60))
Week = tuple[tuple[Window, ...], ...]  # windows per weekday, Monday first
# The shipped hour sets: the day job, free time, and the default for goal work (weekday
# evenings and weekend mornings/afternoons: a career plan is worked on around a day job).
WORK_WEEK: Week = (_OFFICE,) * 5 + ((),) * 2
PERSONAL_WEEK: Week = (((18 * 60, 22 * 60),),) * 5 + (((9 * 60, 21 * 60),),) * 2
GOALS_WEEK: Week = (_EVENING,) * 5 + (_WEEKEND, ((10 * 60, 12 * 60),))
DEFAULT_HOUR_SETS: tuple[tuple[str, Week], ...] = (
    ("work", WORK_WEEK), ("personal", PERSONAL_WEEK), ("goals", GOALS_WEEK))


@dataclass(frozen=True, slots=True)
class SchedulingRules:
    """How steps and habits become blocks. Durations are whole minutes.

    ``windows[d]`` are the windows of weekday ``d`` (0 = Monday) of the default hour set
    (``goal_hours``) as sorted, non-overlapping ``(start, end)`` minutes after local
    midnight; ``hour_sets`` holds every named set (the default one included, with
    ``windows`` as its value). ``week_of(name)`` gives a set's windows as used for goal
    work (the day job's cut out unless ``name`` is the day job itself).
    """

    windows: Week = GOALS_WEEK
    hour_sets: tuple[tuple[str, Week], ...] = DEFAULT_HOUR_SETS
    goal_hours: str = "goals"
    work_hours: str = "work"
    holidays: str = ""  # country (and subdivision) code: "DE", "DE-BY", "US-CA"; "" none
    book_holidays: bool = False
    min_block: int = 45
    keep_whole: int = 90
    max_block: int = 120
    buffer: int = 15
    daily_cap: int = 240
    horizon_weeks: int = 12
    horizon_max_weeks: int = 104
    strategy: str = "asap"
    all_day_blocks_day: bool = True
    align: int = 15
    default_estimate: int = 0

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> SchedulingRules:
        """Validate a ``[scheduling]`` table; missing keys keep their defaults.

        Raises ConfigError for an unknown key (with did-you-mean), a wrong type or a
        value out of range.
        """
        values: dict[str, Any] = {}
        for key, raw in data.items():
            if key not in _SPEC:
                raise ConfigError(f"unknown scheduling rule `{key}`{_did_you_mean(key, _SPEC)}",
                                  hint=f"scheduling rules are: {', '.join(_SPEC)}")
            field_name, parse = _SPEC[key]
            values[field_name] = parse(raw)
        sets = dict(cls().hour_sets)
        sets.update(values.pop("hour_sets", {}))
        goal_hours = values.get("goal_hours", cls().goal_hours)
        if "windows" in values:  # the older key: goal hours exactly as written, so
            sets[goal_hours] = values["windows"]  # no day job is cut out unless named
            values.setdefault("work_hours", "")
        if goal_hours not in sets:
            raise ConfigError(f"scheduling rule `goal_hours` = {goal_hours!r} names no hour "
                              f"set{_did_you_mean(goal_hours, tuple(sets))}",
                              hint=f"hour sets are: {', '.join(sets)}")
        values["windows"] = sets[goal_hours]
        values["hour_sets"] = tuple(sets.items())
        rules = replace(cls(), **values)
        rules.check()
        return rules

    def hour_set_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.hour_sets)

    def week_of(self, name: str | None) -> Week:
        """Windows per weekday of hour set ``name`` (None: the default) for goal work:
        the day job's windows are cut out of every set but the day job's own. Raises
        KeyError for an unknown name."""
        name = name or self.goal_hours
        sets = dict(self.hour_sets)
        week = self.windows if name == self.goal_hours else sets[name]
        work = sets.get(self.work_hours)
        if work is None or name == self.work_hours:
            return week
        return tuple(_cut(week[d], work[d]) for d in range(7))

    def whole_limit(self) -> int:
        """Steps needing at most this many minutes are booked in one sitting."""
        return min(self.keep_whole, self.max_block)

    def check(self) -> None:
        """Raise ConfigError when the rules contradict each other."""
        if self.min_block < 1:
            raise ConfigError("scheduling rule `min_block` must be at least 1m")
        if self.max_block < self.min_block:
            raise ConfigError(
                f"scheduling rule `max_block` ({format_duration(self.max_block)}) is shorter "
                f"than `min_block` ({format_duration(self.min_block)})")
        if self.horizon_max_weeks < self.horizon_weeks:
            raise ConfigError(f"scheduling rule `horizon_max` ({self.horizon_max_weeks} weeks) "
                              f"is shorter than `horizon` ({self.horizon_weeks} weeks)")
        if self.keep_whole < 1:
            raise ConfigError("scheduling rule `keep_whole` must be at least 1m")
        if self.daily_cap < 1:
            raise ConfigError("scheduling rule `daily_cap` must be at least 1m",
                              hint="use an empty window list for days without goal work")

    def as_mapping(self) -> dict[str, Any]:
        """The rules back as a TOML-shaped table (round-trips through from_mapping)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            key = _FIELD_KEYS[f.name]
            if f.name == "windows":
                out[key] = _format_week(value)
            elif f.name == "hour_sets":
                out[key] = {name: _format_week(week) for name, week in value}
            elif f.name in _DURATION_FIELDS:
                out[key] = format_duration(value)
            else:
                out[key] = value
        return out


def _format_week(week: Week) -> dict[str, list[str]]:
    return {day: [_format_window(w) for w in week[i]] for i, day in enumerate(WEEKDAYS)}


def _cut(windows: tuple[Window, ...], cuts: tuple[Window, ...]) -> tuple[Window, ...]:
    out: list[Window] = []
    for a, b in windows:
        start = a
        for c, d in cuts:
            if d <= start or c >= b:
                continue
            if c > start:
                out.append((start, c))
            start = max(start, d)
        if start < b:
            out.append((start, b))
    return tuple(out)


def _did_you_mean(word: str, choices: Mapping[str, Any] | tuple[str, ...]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean `{close[0]}`?" if close else ""


def _duration(key: str, low: int, high: int) -> Callable[[object], int]:
    def parse(raw: object) -> int:
        try:
            minutes = parse_duration(raw)
        except ValueError as err:
            raise ConfigError(f"scheduling rule `{key}`: {err}") from None
        if not low <= minutes <= high:
            raise ConfigError(f"scheduling rule `{key}` = {raw!r} is out of range "
                              f"({format_duration(low)} to {format_duration(high)})")
        return minutes
    return parse


def _horizon(raw: object) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= 260:
        raise ConfigError(f"scheduling rule `horizon` = {raw!r} must be a whole number of "
                          "weeks from 1 to 260")
    return raw


def _strategy(raw: object) -> str:
    if raw not in STRATEGIES:
        raise ConfigError(f"scheduling rule `strategy` = {raw!r} is not one of "
                          f"{', '.join(map(repr, STRATEGIES))}")
    return str(raw)


def _flag(key: str) -> Callable[[object], bool]:
    def parse(raw: object) -> bool:
        if not isinstance(raw, bool):
            raise ConfigError(f"scheduling rule `{key}` = {raw!r} must be true or false")
        return raw
    return parse


def _align(raw: object) -> int:
    minutes = _duration("align", 1, 60)(raw)
    if 60 % minutes:
        raise ConfigError(f"scheduling rule `align` = {raw!r} must divide an hour "
                          "(1m, 5m, 10m, 15m, 30m, 60m...)")
    return minutes


def _windows(raw: object, where: str = "windows",
             base: Week | None = None) -> Week:
    """A weekday table; days not given keep ``base`` (the default set), or are empty."""
    if not isinstance(raw, Mapping):
        raise ConfigError(f"scheduling rule `{where}` must be a table of weekdays, "
                          'e.g. mon = ["09:00-12:00", "13:00-17:00"]')
    days = list(SchedulingRules().windows if base is None else base)
    for day, spans in raw.items():
        if day not in WEEKDAYS:
            raise ConfigError(f"`{where}.{day}` is not a weekday"
                              f"{_did_you_mean(day, WEEKDAYS)}",
                              hint=f"weekdays are: {', '.join(WEEKDAYS)}")
        days[WEEKDAYS.index(day)] = _day_windows(f"{where}.{day}", spans)
    return tuple(days)


def _hour_sets(raw: object) -> dict[str, Week]:
    if not isinstance(raw, Mapping):
        raise ConfigError("scheduling rule `hours` must be a table of hour sets, e.g. "
                          '[hours.personal] mon = ["18:00-21:00"]')
    shipped = dict(DEFAULT_HOUR_SETS)
    out: dict[str, Week] = {}
    for name, week in raw.items():
        if not isinstance(name, str) or not re.match(r"^[a-z0-9][a-z0-9_-]*$", name):
            raise ConfigError(f"hour set name {name!r} may hold only lowercase letters, "
                              "digits, '-' and '_'")
        # a shipped set keeps its other days; a new set starts with none
        out[name] = _windows(week, f"hours.{name}", shipped.get(name, ((),) * 7))
    return out


def _set_name(key: str) -> Callable[[object], str]:
    def parse(raw: object) -> str:
        if not isinstance(raw, str) or not (raw or key == "work_hours"):
            raise ConfigError(f"scheduling rule `{key}` = {raw!r} must name an hour set "
                              "such as \"goals\"")
        return raw
    return parse


def _country(raw: object) -> str:
    """``""`` (none), a country ("DE") or country-subdivision ("DE-BY") code."""
    if not isinstance(raw, str):
        raise ConfigError(f"scheduling rule `holidays` = {raw!r} must be a country code "
                          'such as "DE" or "US-CA", or "" for none')
    code = raw.strip().upper()
    if code:
        from syncer.core.public_holidays import check_region
        check_region(code)
    return code


def _day_windows(where: str, spans: object) -> tuple[Window, ...]:
    if not isinstance(spans, list | tuple):
        raise ConfigError(f'`{where}` must be a list such as ["09:00-12:00"] or []')
    parsed = sorted(_parse_window(where, span) for span in spans)
    for (_, end), (start, _) in zip(parsed, parsed[1:], strict=False):
        if start < end:
            raise ConfigError(f"`{where}` has overlapping windows",
                              hint="merge them into one window")
    return tuple(parsed)


def _parse_window(where: str, span: object) -> Window:
    match = _WINDOW.match(span) if isinstance(span, str) else None
    if match is None:
        raise ConfigError(f"`{where}`: {span!r} is not a window; write it as "
                          '"HH:MM-HH:MM", e.g. "09:00-12:00"')
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if m1 > 59 or m2 > 59 or start >= end or end > 24 * 60:
        raise ConfigError(f"`{where}`: {span!r} must run forward within one day "
                          "(00:00 to 24:00)")
    return start, end


def _format_window(window: Window) -> str:
    (h1, m1), (h2, m2) = divmod(window[0], 60), divmod(window[1], 60)
    return f"{h1:02d}:{m1:02d}-{h2:02d}:{m2:02d}"


_SPEC: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "min_block": ("min_block", _duration("min_block", 1, 24 * 60)),
    "keep_whole": ("keep_whole", _duration("keep_whole", 1, 24 * 60)),
    "max_block": ("max_block", _duration("max_block", 1, 24 * 60)),
    "buffer": ("buffer", _duration("buffer", 0, 4 * 60)),
    "daily_cap": ("daily_cap", _duration("daily_cap", 0, 24 * 60)),
    "horizon": ("horizon_weeks", _horizon),
    "horizon_max": ("horizon_max_weeks", _horizon),
    "strategy": ("strategy", _strategy),
    "all_day_blocks_day": ("all_day_blocks_day", _flag("all_day_blocks_day")),
    "align": ("align", _align),
    "default_estimate": ("default_estimate", _duration("default_estimate", 0, 1000 * 60)),
    "windows": ("windows", _windows),
    "hours": ("hour_sets", _hour_sets),
    "goal_hours": ("goal_hours", _set_name("goal_hours")),
    "work_hours": ("work_hours", _set_name("work_hours")),
    "holidays": ("holidays", _country),
    "book_holidays": ("book_holidays", _flag("book_holidays")),
}
_FIELD_KEYS = {field_name: key for key, (field_name, _) in _SPEC.items()}
_DURATION_FIELDS = ("min_block", "keep_whole", "max_block", "buffer", "daily_cap", "align",
                    "default_estimate")
