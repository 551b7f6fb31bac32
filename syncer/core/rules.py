"""Every rule area as one frozen, typed value: ``Rules``.

``syncer.policy.load_rules`` merges the shipped rules/*.toml with the config's
``[rules.*]`` overrides and hands the merged tables to ``Rules.from_mapping`` once; every
area is validated there (a ``ConfigError`` naming the key) and everything downstream
reads attributes. Pure: tables in, a value out.

* ``scheduling``: ``SchedulingRules`` (rules/scheduling.toml)
* ``review``: ``ReviewRules`` (rules/review.toml), its ``progress`` table included
  (``review.progress``: ``ProgressRules``)
* ``smart``: ``SmartRules`` (rules/smart.toml)
* ``sync``: ``SyncRules`` (rules/sync.toml): the calendar window, the delete guard's
  share, the lookback and the field-ownership table reconcile reads
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from syncer.core.reconcile import DEFAULT_OWNERSHIP
from syncer.core.review import ReviewRules
from syncer.core.schedule_rules import SchedulingRules
from syncer.core.smart import SmartRules
from syncer.errors import ConfigError

OWNERS = ("plan", "user")

Ownership = Mapping[str, Mapping[str, str]]  # kind ("task", "block") -> field -> owner


def _default_ownership() -> Ownership:
    return MappingProxyType({kind: MappingProxyType(dict(owners))
                             for kind, owners in DEFAULT_OWNERSHIP.items()})


@dataclass(frozen=True, slots=True)
class SyncRules:
    """rules/sync.toml. ``ownership[kind][field]`` is "plan" or "user" for every field
    of ``DEFAULT_OWNERSHIP`` (the rules' table merged over those defaults)."""

    window_days: int = 14
    max_delete_share: float = 0.25
    lookback_days: int = 28
    ownership: Ownership = field(default_factory=_default_ownership)

    @classmethod
    def from_mapping(cls, table: Mapping[str, Any]) -> SyncRules:
        """Validate the ``sync`` table; missing keys keep their defaults. Raises
        ConfigError naming the rule."""
        base = cls()
        window = check_window_days(table.get("window_days", base.window_days))
        share = check_max_delete_share(table.get("max_delete_share", base.max_delete_share))
        lookback = table.get("lookback_days", base.lookback_days)
        if not isinstance(lookback, int) or lookback < 0:
            raise ConfigError(f"sync rule lookback_days must be a whole number, not {lookback!r}")
        owners_table = dict(table.get("ownership", {}))
        for kind, owners in owners_table.items():
            for name, owner in dict(owners).items():
                if owner not in OWNERS:
                    raise ConfigError(f"sync rule ownership.{kind}.{name} must be \"plan\" or "
                                      f"\"user\", not {owner!r}")
        ownership = MappingProxyType({
            kind: MappingProxyType({**DEFAULT_OWNERSHIP[kind],
                                    **dict(owners_table.get(kind, {}))})
            for kind in DEFAULT_OWNERSHIP})
        return cls(window, share, lookback, ownership)


def check_window_days(value: Any) -> int:
    """``value`` as the calendar window in days, or ConfigError."""
    if not isinstance(value, int) or value <= 0:
        raise ConfigError(f"sync rule window_days must be a whole number of days above 0, "
                          f"not {value!r}")
    return value


def check_max_delete_share(value: Any) -> float:
    """``value`` as the delete guard's share (0..1), or ConfigError."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ConfigError(f"sync rule max_delete_share must be between 0 and 1, not {value!r}")
    return float(value)


@dataclass(frozen=True, slots=True)
class Rules:
    """Every rule area, validated (see the module docstring). ``Rules()`` holds each
    area's built-in defaults; ``syncer.policy.load_rules()`` gives the shipped rules."""

    scheduling: SchedulingRules = field(default_factory=SchedulingRules)
    review: ReviewRules = field(default_factory=ReviewRules)
    smart: SmartRules = field(default_factory=SmartRules)
    sync: SyncRules = field(default_factory=SyncRules)

    @classmethod
    def from_mapping(cls, tables: Mapping[str, Mapping[str, Any]]) -> Rules:
        """Build every area from ``{area: table}`` (rules/*.toml merged with the
        overrides); a missing area keeps its defaults. Raises ConfigError for the first
        bad value (areas in the order sync, scheduling, review, smart)."""
        sync = SyncRules.from_mapping(tables.get("sync", {}))
        scheduling = SchedulingRules.from_mapping(tables.get("scheduling", {}))
        review = ReviewRules.from_mapping(tables.get("review", {}))
        smart = SmartRules.from_mapping(tables.get("smart", {}))
        return cls(scheduling=scheduling, review=review, smart=smart, sync=sync)
