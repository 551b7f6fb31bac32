"""``now`` for a command: ``--now`` or the clock, as an aware datetime.

``--now`` exists so that every command can be run "as of" a moment (demos, tests,
reproducing a report). A value without a UTC offset is taken in the plan's timezone.
The commands resolve it here, at the edge, and hand an aware ``now`` on: the engine and
the core refuse a naive one (``syncer.core.moments.require_aware``) and never read the
clock.
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime
from pathlib import Path

from syncer.planfile import load_plan


def resolve_now(now: datetime | None, timezone: str) -> datetime:
    """An aware ``now``: the clock when ``now`` is None; a naive ``now`` gets the plan's
    timezone; an aware one is returned as given."""
    zone = zoneinfo.ZoneInfo(timezone)
    if now is None:
        return datetime.now(zone)
    if now.tzinfo is None:
        return now.replace(tzinfo=zone)
    return now


def plan_now(now: datetime | None, plan_path: str | Path) -> datetime:
    """``resolve_now`` in the timezone of the plan at ``plan_path``; the plan is read only
    when that zone is needed (an aware ``now`` is returned as given). Raises what
    ``load_plan`` raises."""
    if now is not None and now.tzinfo is not None:
        return now
    return resolve_now(now, load_plan(plan_path).timezone)
