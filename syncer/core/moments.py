"""``now`` in the core is always an aware datetime.

The CLI resolves ``--now`` (a value without a UTC offset is read in the plan's timezone)
and the clock to an aware moment at the edge (``syncer.clock.resolve_now``); the core and
the engine refuse a naive one instead of guessing its zone.
"""

from __future__ import annotations

from datetime import datetime


def require_aware(now: datetime, where: str) -> datetime:
    """Return ``now``; raise ValueError when it is naive (no UTC offset)."""
    if now.utcoffset() is None:
        raise ValueError(f"{where}: `now` must be an aware datetime (with a UTC offset or a "
                         f"zone), not the naive {now.isoformat()}; resolve it first "
                         "(syncer.clock.resolve_now reads a naive one in the plan's timezone)")
    return now
