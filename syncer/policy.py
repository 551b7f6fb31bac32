"""The shipped policy (rules/*.toml, package ``syncer.rules``) merged with user overrides,
as one validated ``Rules`` value.

Every rule file is a TOML document named after its area (``scheduling``, ``review``,
``smart``, ``sync``...). Users override any key from their config (``[rules.scheduling]``
and so on). Overrides are deep-merged (``merged_rules``): a nested table is merged key by
key, anything else replaces the shipped value. A key the shipped file does not have is
refused with a did-you-mean, except inside a table that ships empty or is named in
``OPEN_TABLES`` (free-form entries, such as the user's own hour sets), and the older keys
of ``LEGACY_KEYS``, which the area still reads. ``load_rules`` then builds
``syncer.core.rules.Rules`` from the merged tables, once: every area's types and ranges
are validated there.
"""

from __future__ import annotations

import difflib
import math
import tomllib
from collections.abc import Mapping
from importlib import resources
from typing import Any

from syncer.core.rules import Rules
from syncer.errors import ConfigError

RULES_PACKAGE = "syncer.rules"

# Tables whose keys are the user's own names (each entry a table, validated by the area):
# ``[rules.scheduling.hours.mornings]`` adds an hour set next to the shipped ones.
OPEN_TABLES = frozenset({"rules.scheduling.hours"})
# Keys the shipped files no longer carry but the areas still read (older configs):
# ``[rules.scheduling.windows]`` replaces the goal hours (see rules/scheduling.toml).
LEGACY_KEYS = frozenset({"rules.scheduling.windows"})


def shipped_rules() -> dict[str, dict[str, Any]]:
    """Return every shipped rule file as ``{area: table}`` (area = file stem)."""
    rules: dict[str, dict[str, Any]] = {}
    for entry in sorted(resources.files(RULES_PACKAGE).iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".toml"):
            continue
        area = entry.name.removesuffix(".toml")
        try:
            rules[area] = tomllib.loads(entry.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as err:
            raise ConfigError(f"the shipped rule file {entry.name} is broken: {err}",
                              hint="reinstall goalsync") from None
    return rules


def load_rules(overrides: Mapping[str, Mapping[str, Any]] | None = None) -> Rules:
    """The shipped rules with ``overrides`` (the config's ``[rules.*]`` tables) merged in,
    every area validated.

    Raises ConfigError for what ``merged_rules`` refuses and for a bad value in any area
    (naming the rule).
    """
    return Rules.from_mapping(merged_rules(overrides))


def merged_rules(overrides: Mapping[str, Mapping[str, Any]] | None = None,
                 ) -> dict[str, dict[str, Any]]:
    """Return the shipped rule tables with ``overrides`` deep-merged in (not validated).

    Raises ConfigError naming the unknown area or key (with a did-you-mean) or a table
    given where a value belongs (or the reverse).
    """
    rules = shipped_rules()
    for area, table in (overrides or {}).items():
        if area not in rules:
            raise ConfigError(f"there are no rules called `{area}`{_did_you_mean(area, rules)}",
                              hint=f"rule areas are: {', '.join(sorted(rules))}")
        if not isinstance(table, Mapping):
            raise ConfigError(f"`rules.{area}` must be a table of settings")
        rules[area] = _merge(rules[area], table, f"rules.{area}")
    return rules


def _merge(base: Mapping[str, Any], override: Mapping[str, Any], where: str) -> dict[str, Any]:
    merged = dict(base)
    open_table = not base or where in OPEN_TABLES
    for key, value in override.items():
        name = f"{where}.{key}"
        if key not in base:
            if name in LEGACY_KEYS or (open_table and base):
                if not isinstance(value, Mapping):
                    raise ConfigError(f"`{name}` must be a table")
                merged[key] = dict(value)
                continue
            if open_table:
                merged[key] = value
                continue
            raise ConfigError(f"unknown setting `{name}`{_did_you_mean(key, base)}",
                              hint=f"settings in `{where}` are: {', '.join(sorted(base))}")
        shipped = base[key]
        if isinstance(shipped, Mapping) != isinstance(value, Mapping):
            kind = "a table" if isinstance(shipped, Mapping) else "a single value"
            raise ConfigError(f"`{name}` must be {kind}")
        if not isinstance(shipped, Mapping):
            _check_number(name, value)
        merged[key] = _merge(shipped, value, name) if isinstance(shipped, Mapping) else value
    return merged


MAX_RULE_NUMBER = 1_000_000  # minutes, words, counts: beyond this a number is a typo
MAX_RULE_DAYS = 36_500  # a `*_days` rule of more than 100 years overflows the calendar


def _check_number(name: str, value: Any) -> None:
    """A number in a rule override is finite and of a size the rules can use (each
    area's own checks then apply its exact range)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return
    limit = MAX_RULE_DAYS if name.endswith("_days") else MAX_RULE_NUMBER
    if (isinstance(value, float) and not math.isfinite(value)) or abs(value) > limit:
        shown = f"{value!r}" if len(repr(value)) < 30 else f"a {len(repr(value))}-digit number"
        raise ConfigError(f"`{name}` must be a finite number of at most {limit:,}, not {shown}")


def _did_you_mean(word: str, choices: Mapping[str, Any] | list[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean `{close[0]}`?" if close else ""
