"""Durations as people write them in a plan: ``30m``, ``2h``, ``1h30m``, ``1.5h``, ``90``.

A bare whole number means minutes (``90`` is an hour and a half); a bare fraction such as
``1.5`` is refused because people mean hours by it as often as minutes. The result is
always a whole number of minutes, rounded to the nearest minute.
"""

from __future__ import annotations

import re

_DURATION = re.compile(
    r"""^\s*
    (?:(?P<hours>\d+(?:\.\d+)?)\s*(?:h|hr|hrs|hour|hours)\s*)?
    (?:(?P<minutes>\d+)\s*(?:m|min|mins|minute|minutes)?\s*)?
    $""",
    re.VERBOSE | re.IGNORECASE,
)


def parse_duration(value: object) -> int:
    """Return the duration ``value`` in whole minutes (may be 0 or more).

    Raises ValueError with a sentence for anything that is not a duration.
    """
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a duration; write e.g. 30m, 2h or 1h30m")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        raise ValueError(f"{value} is ambiguous; write {value}h for hours or a whole number "
                         "of minutes such as 90m")
    text = str(value).strip()
    match = _DURATION.match(text)
    if not text or match is None or not (match["hours"] or match["minutes"]):
        raise ValueError(f"{text!r} is not a duration; write e.g. 30m, 2h, 1h30m or 1.5h")
    hours = float(match["hours"]) if match["hours"] else 0.0
    minutes = int(match["minutes"]) if match["minutes"] else 0
    return round(hours * 60) + minutes


def format_duration(minutes: int) -> str:
    """``90`` → ``"1h30m"``; ``120`` → ``"2h"``; ``45`` → ``"45m"``."""
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return f"{hours}h{rest:02d}m"
    if hours:
        return f"{hours}h"
    return f"{rest}m"
