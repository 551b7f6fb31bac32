"""The free-slot structure behind the scheduler: one ``_Day`` per local day of the horizon.

All arithmetic is on whole minutes since the Unix epoch (UTC), so a daylight-saving
jump can never shift or overlap anything: windows are built from local wall-clock times
through ``zoneinfo`` once, then everything is plain integers.

A day holds its *base* free intervals (working windows minus busy time widened by the
buffer; fixed for the run) and the *occupied* intervals of blocks placed so far (each
widened by the buffer). Its free list is base minus occupied, recomputed lazily after a
change. Looking for a slot walks the days in order and bisects nothing bigger than a
day, so a placement costs O(days scanned × intervals per day).
"""

from __future__ import annotations

from bisect import bisect_right, insort
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from syncer.core.schedule_rules import SchedulingRules

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
Span = tuple[int, int]


def floor_minute(moment: datetime) -> int:
    """Minutes since the epoch, rounded down (``moment`` must be aware)."""
    return (moment - EPOCH) // MINUTE


def ceil_minute(moment: datetime) -> int:
    return -((EPOCH - moment) // MINUTE)


def at_minute(minute: int) -> datetime:
    """The aware UTC instant ``minute`` minutes after the epoch."""
    return EPOCH + minute * MINUTE


def local_minute(day: date, minutes_after_midnight: int, zone: ZoneInfo) -> int:
    """Epoch minute of a local wall-clock time; 24:00 is the next day's midnight.

    A wall time inside a spring-forward gap resolves with ``fold=0`` (the offset before
    the jump), which lands it just after the gap: 02:30 on a 02:00→03:00 night is 03:30.
    """
    extra_days, minutes = divmod(minutes_after_midnight, 24 * 60)
    day = day + timedelta(days=extra_days)
    hour, minute = divmod(minutes, 60)
    local = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
    return floor_minute(local.astimezone(UTC))


def subtract(base: Sequence[Span], cuts: Sequence[Span]) -> list[Span]:
    """``base`` (sorted, disjoint) minus the union of ``cuts`` (sorted by start)."""
    out: list[Span] = []
    for a, b in base:
        s = a
        for c, d in cuts:
            if d <= s:
                continue
            if c >= b:
                break
            if c > s:
                out.append((s, c))
            s = max(s, d)
            if s >= b:
                break
        if s < b:
            out.append((s, b))
    return out


class Day:
    """One local calendar day: its base free time, occupied spans and booked minutes."""

    __slots__ = ("date", "start", "end", "base", "occupied", "used", "_free", "_widest")

    def __init__(self, day: date, start: int, end: int, base: list[Span]) -> None:
        self.date = day
        self.start = start
        self.end = end
        self.base = base
        self.occupied: list[Span] = []
        self.used = 0  # minutes of blocks starting on this day (for the daily cap)
        self._free: list[Span] | None = None
        self._widest = 0

    def free(self) -> list[Span]:
        if self._free is None:
            self._free = subtract(self.base, self.occupied)
            self._widest = max((b - a for a, b in self._free), default=0)
        return self._free

    def widest(self) -> int:
        """Length of the longest free span (lets a search skip a day at once)."""
        self.free()
        return self._widest

    def changed(self) -> None:
        self._free = None


class Calendar:
    """Free time over the horizon, per local day, with the rules' buffer and daily cap."""

    def __init__(self, rules: SchedulingRules, zone: ZoneInfo, first: date, last: date,
                 horizon_end: int, busy: Iterable[Span], blocked: Iterable[date]) -> None:
        self.rules = rules
        self.zone = zone
        self.horizon_end = horizon_end
        blocked_days = set(blocked)
        self.days: list[Day] = []
        day = first
        while day <= last:
            start = local_minute(day, 0, zone)
            end = local_minute(day, 24 * 60, zone)
            windows = [] if day in blocked_days else [
                (local_minute(day, a, zone), local_minute(day, b, zone))
                for a, b in rules.windows[day.weekday()]]
            base = [(a, min(b, horizon_end)) for a, b in windows if a < min(b, horizon_end)]
            self.days.append(Day(day, start, end, base))
            day += timedelta(days=1)
        self.starts = [d.start for d in self.days]
        self._cut_busy(busy)

    def _cut_busy(self, busy: Iterable[Span]) -> None:
        per_day: dict[int, list[Span]] = {}
        pad = self.rules.buffer
        for s, e in busy:
            cut = (s - pad, e + pad)
            for index in self._day_range(*cut):
                per_day.setdefault(index, []).append(cut)
        for index, cuts in per_day.items():
            day = self.days[index]
            day.base = subtract(day.base, sorted(cuts))
            day.changed()

    def day_index(self, minute: int) -> int:
        """Index of the day containing ``minute`` (-1 before, len(days) after)."""
        index = bisect_right(self.starts, minute) - 1
        if index >= 0 and minute >= self.days[index].end:
            return len(self.days)
        return index

    def _day_range(self, start: int, end: int) -> range:
        first = max(0, self.day_index(start))
        last = min(len(self.days) - 1, self.day_index(end - 1))
        return range(first, last + 1)

    def occupy(self, start: int, end: int) -> None:
        """Book [start, end): it and its buffer are no longer free; counts for the cap."""
        cut = (start - self.rules.buffer, end + self.rules.buffer)
        for index in self._day_range(*cut):
            insort(self.days[index].occupied, cut)
            self.days[index].changed()
        index = self.day_index(start)
        if 0 <= index < len(self.days):
            self.days[index].used += end - start

    def release(self, start: int, end: int) -> None:
        """Undo ``occupy(start, end)``."""
        cut = (start - self.rules.buffer, end + self.rules.buffer)
        for index in self._day_range(*cut):
            self.days[index].occupied.remove(cut)
            self.days[index].changed()
        index = self.day_index(start)
        if 0 <= index < len(self.days):
            self.days[index].used -= end - start

    def fits(self, start: int, end: int) -> bool:
        """Could [start, end) be booked now: inside one free span, within the cap."""
        index = self.day_index(start)
        if not 0 <= index < len(self.days):
            return False
        day = self.days[index]
        if day.used + (end - start) > self.rules.daily_cap:
            return False
        return any(a <= start and end <= b for a, b in day.free())

    def chunk_length(self, need: int, room: int) -> int:
        """Length of the next block for ``need`` minutes of work given ``room`` (0: none).

        At most max_block; never shorter than min_block unless the whole rest is; never
        leaves a rest shorter than min_block.
        """
        rules = self.rules
        length = min(need, rules.max_block, room)
        if length < min(rules.min_block, need):
            return 0
        rest = need - length
        if 0 < rest < rules.min_block:
            length = need - rules.min_block
            if length < rules.min_block:
                return 0
        return length

    def find(self, frm: int, until: int, need: int, whole: bool = False) -> Span | None:
        """The earliest block (start, length) for ``need`` minutes in [frm, until).

        On the first day with room, a slot that takes the full next chunk is preferred
        over an earlier, shorter one (a step is not split when the same day has room).
        With ``whole`` the block must hold all of ``need`` at once (habits).
        """
        smallest = need if whole else min(self.rules.min_block, need)
        for index in self._day_range(frm, until):
            day = self.days[index]
            cap_left = self.rules.daily_cap - day.used
            if cap_left < smallest or day.widest() < smallest:
                continue
            best: Span | None = None
            full = min(need, cap_left) if whole else min(need, self.rules.max_block, cap_left)
            for start, room in self._rooms(day, frm, until, cap_left):
                length = (need if room >= need else 0) if whole else \
                    self.chunk_length(need, room)
                if length and best is None:
                    best = (start, length)
                if length >= full:
                    return start, length
            if best is not None:
                return best
        return None

    def _rooms(self, day: Day, frm: int, until: int, cap_left: int) -> Iterator[Span]:
        """(aligned start, usable minutes) of each free span of ``day`` in [frm, until)."""
        align = self.rules.align
        for a, b in day.free():
            if b <= frm:
                continue
            if a >= until:
                break
            start = -(-max(a, frm) // align) * align
            room = min(b, until, start + cap_left) - start
            if room > 0:
                yield start, room

    def capacity(self, frm: int, until: int) -> int:
        """Minutes inside working hours and outside busy time in [frm, until), each day
        held to the daily cap, ignoring goalsync's own blocks."""
        total = 0
        for index in self._day_range(frm, until):
            day = self.days[index]
            if frm <= day.start and day.end <= until:
                inside = sum(b - a for a, b in day.base)
            else:
                inside = sum(max(0, min(b, until) - max(a, frm)) for a, b in day.base)
            total += min(inside, self.rules.daily_cap)
        return total
