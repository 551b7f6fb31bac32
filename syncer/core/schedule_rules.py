"""The scheduling rules (rules/scheduling.toml) as one validated, frozen value.

``SchedulingRules.from_mapping`` accepts the TOML table (shipped file merged with the
user's overrides), fills missing keys with the defaults below, and raises one
``ConfigError`` naming the key, the bad value and what to write instead. Unknown keys
get a did-you-mean.
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


@dataclass(frozen=True, slots=True)
class SchedulingRules:
    """How steps and habits become blocks. Durations are whole minutes.

    ``windows[d]`` are the working windows of weekday ``d`` (0 = Monday) as sorted,
    non-overlapping ``(start, end)`` minutes after local midnight.
    """

    windows: tuple[tuple[Window, ...], ...] = (_OFFICE,) * 5 + ((),) * 2
    min_block: int = 30
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
        rules = replace(cls(), **values)
        rules.check()
        return rules

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
                out[key] = {day: [_format_window(w) for w in value[i]]
                            for i, day in enumerate(WEEKDAYS)}
            elif f.name in _DURATION_FIELDS:
                out[key] = format_duration(value)
            else:
                out[key] = value
        return out


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


def _windows(raw: object) -> tuple[tuple[Window, ...], ...]:
    if not isinstance(raw, Mapping):
        raise ConfigError("scheduling rule `windows` must be a table of weekdays, "
                          'e.g. mon = ["09:00-12:00", "13:00-17:00"]')
    days = list(SchedulingRules().windows)
    for day, spans in raw.items():
        if day not in WEEKDAYS:
            raise ConfigError(f"`windows.{day}` is not a weekday{_did_you_mean(day, WEEKDAYS)}",
                              hint=f"weekdays are: {', '.join(WEEKDAYS)}")
        days[WEEKDAYS.index(day)] = _day_windows(day, spans)
    return tuple(days)


def _day_windows(day: str, spans: object) -> tuple[Window, ...]:
    if not isinstance(spans, list | tuple):
        raise ConfigError(f'`windows.{day}` must be a list such as ["09:00-12:00"] or []')
    parsed = sorted(_parse_window(day, span) for span in spans)
    for (_, end), (start, _) in zip(parsed, parsed[1:], strict=False):
        if start < end:
            raise ConfigError(f"`windows.{day}` has overlapping windows",
                              hint="merge them into one window")
    return tuple(parsed)


def _parse_window(day: str, span: object) -> Window:
    match = _WINDOW.match(span) if isinstance(span, str) else None
    if match is None:
        raise ConfigError(f"`windows.{day}`: {span!r} is not a window; write it as "
                          '"HH:MM-HH:MM", e.g. "09:00-12:00"')
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if m1 > 59 or m2 > 59 or start >= end or end > 24 * 60:
        raise ConfigError(f"`windows.{day}`: {span!r} must run forward within one day "
                          "(00:00 to 24:00)")
    return start, end


def _format_window(window: Window) -> str:
    (h1, m1), (h2, m2) = divmod(window[0], 60), divmod(window[1], 60)
    return f"{h1:02d}:{m1:02d}-{h2:02d}:{m2:02d}"


_SPEC: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "min_block": ("min_block", _duration("min_block", 1, 24 * 60)),
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
}
_FIELD_KEYS = {field_name: key for key, (field_name, _) in _SPEC.items()}
_DURATION_FIELDS = ("min_block", "max_block", "buffer", "daily_cap", "align",
                    "default_estimate")
