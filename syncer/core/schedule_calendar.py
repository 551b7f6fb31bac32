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
from collections.abc import Iterable, Iterator, Mapping, Sequence
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
    """One local calendar day: its base free time per hour set, occupied spans and
    booked minutes."""

    __slots__ = ("date", "start", "end", "week", "bases", "occupied", "used", "_free",
                 "_widest", "_total")

    def __init__(self, day: date, start: int, end: int, bases: dict[str, list[Span]],
                 week: int = 0) -> None:
        self.date = day
        self.start = start
        self.end = end
        self.week = week  # index of its Monday-to-Sunday week in the calendar
        self.bases = bases  # hour set name → windows minus busy time (fixed for the run)
        self.occupied: list[Span] = []
        self.used = 0  # minutes of blocks starting on this day (for the daily cap)
        self._free: dict[str, list[Span]] = {}
        self._widest: dict[str, int] = {}
        self._total: dict[str, int] = {}

    @property
    def base(self) -> list[Span]:
        """The default hour set's free time before any block is booked."""
        return self.bases[""]

    def free(self, hours: str = "") -> list[Span]:
        found = self._free.get(hours)
        if found is None:
            found = self._free[hours] = subtract(self.bases[hours], self.occupied)
            self._widest[hours] = max((b - a for a, b in found), default=0)
            self._total[hours] = sum(b - a for a, b in found)
        return found

    def free_total(self, hours: str = "") -> int:
        """Free minutes of the day in hour set ``hours``."""
        self.free(hours)
        return self._total[hours]

    def widest(self, hours: str = "") -> int:
        """Length of the longest free span (lets a search skip a day at once)."""
        self.free(hours)
        return self._widest[hours]

    def changed(self) -> None:
        self._free.clear()
        self._widest.clear()
        self._total.clear()


class Calendar:
    """Free time over the horizon, per local day and hour set, with the rules' buffer,
    daily cap and the weekly budgets.

    Hour sets: ``""`` is the rules' default set (``goal_hours``); ``sets`` names the
    others needed (``rules.week_of``). Days in ``holidays`` get no windows (unless the
    rules book holidays). ``week_budget`` caps the minutes booked per Monday-to-Sunday
    week in all (None: no cap), of which ``week_reserved`` minutes are taken every week
    (the weekly review); ``goal_budgets`` caps one goal's minutes per week, on top.
    """

    def __init__(self, rules: SchedulingRules, zone: ZoneInfo, first: date, last: date,
                 horizon_end: int, busy: Iterable[Span], blocked: Iterable[date],
                 *, sets: Iterable[str] = (), holidays: Iterable[date] = (),
                 week_budget: int | None = None,
                 goal_budgets: Mapping[str, int] | None = None,
                 week_reserved: int = 0) -> None:
        self.rules = rules
        self.zone = zone
        self.horizon_end = horizon_end
        blocked_days = set(blocked)
        if not rules.book_holidays:
            blocked_days.update(holidays)
        weeks = {"": rules.week_of(None)} | {name: rules.week_of(name) for name in sets}
        self.days: list[Day] = []
        monday = first - timedelta(days=first.weekday())
        day = first
        while day <= last:
            start = local_minute(day, 0, zone)
            end = local_minute(day, 24 * 60, zone)
            bases: dict[str, list[Span]] = {}
            for name, week in weeks.items():
                windows = [] if day in blocked_days else [
                    (local_minute(day, a, zone), local_minute(day, b, zone))
                    for a, b in week[day.weekday()]]
                bases[name] = [(a, min(b, horizon_end)) for a, b in windows
                               if a < min(b, horizon_end)]
            self.days.append(Day(day, start, end, bases, (day - monday).days // 7))
            day += timedelta(days=1)
        self.starts = [d.start for d in self.days]
        count = self.days[-1].week + 1 if self.days else 0
        self.week_budget = week_budget
        self.week_reserved = week_reserved if week_budget is not None else 0
        self.week_used = [self.week_reserved] * count
        self.goal_budgets = dict(goal_budgets or {})
        self.goal_used = {goal: [0] * count for goal in self.goal_budgets}
        self.skipped = False  # the last find took a whole chunk after a shorter room
        self._capacities: dict[tuple[int, int, str, str | None], int] = {}
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
            ordered = sorted(cuts)
            day.bases = {name: subtract(base, ordered) for name, base in day.bases.items()}
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

    def budget_left(self, week: int, goal: str | None = None) -> int:
        """Minutes the budgets still allow in week ``week`` (for ``goal``'s work)."""
        left = 1 << 40
        if self.week_budget is not None:
            left = self.week_budget - self.week_used[week]
        if goal is not None and goal in self.goal_budgets:
            left = min(left, self.goal_budgets[goal] - self.goal_used[goal][week])
        return left

    def _count(self, start: int, minutes: int, goal: str | None) -> None:
        index = self.day_index(start)
        if 0 <= index < len(self.days):
            day = self.days[index]
            day.used += minutes
            self.week_used[day.week] += minutes
            if goal is not None and goal in self.goal_used:
                self.goal_used[goal][day.week] += minutes

    def occupy(self, start: int, end: int, goal: str | None) -> None:
        """Book [start, end): it and its buffer are no longer free; counts for the cap
        and the budgets (``goal``'s too)."""
        cut = (start - self.rules.buffer, end + self.rules.buffer)
        for index in self._day_range(*cut):
            insort(self.days[index].occupied, cut)
            self.days[index].changed()
        self._count(start, end - start, goal)

    def release(self, start: int, end: int, goal: str | None) -> None:
        """Undo ``occupy(start, end, goal)``."""
        cut = (start - self.rules.buffer, end + self.rules.buffer)
        for index in self._day_range(*cut):
            self.days[index].occupied.remove(cut)
            self.days[index].changed()
        self._count(start, start - end, goal)

    def fits(self, start: int, end: int, hours: str = "", goal: str | None = None) -> bool:
        """Could [start, end) be booked now: inside one free span of hour set ``hours``,
        within the daily cap and the budgets."""
        index = self.day_index(start)
        if not 0 <= index < len(self.days):
            return False
        day = self.days[index]
        if day.used + (end - start) > self.rules.daily_cap:
            return False
        if end - start > self.budget_left(day.week, goal):
            return False
        return any(a <= start and end <= b for a, b in day.free(hours))

    def chunk_length(self, need: int, room: int) -> int:
        """Length of the next block for ``need`` minutes of work given ``room`` (0: none).

        Work up to ``keep_whole`` (at most max_block) is one block or nothing. Longer
        work is split into blocks of min_block..max_block that never leave a rest
        shorter than min_block.
        """
        rules = self.rules
        if need <= rules.whole_limit():
            return need if room >= need else 0
        length = min(need, rules.max_block, room)
        if length < rules.min_block:
            return 0
        rest = need - length
        if 0 < rest < rules.min_block:
            length = need - rules.min_block
            if length < rules.min_block:
                return 0
        return length

    def smallest(self, need: int) -> int:
        """The shortest block that ``chunk_length`` may give for ``need``."""
        return need if need <= self.rules.whole_limit() else min(self.rules.min_block, need)

    def find(self, frm: int, until: int, need: int, whole: bool = False, hours: str = "",
             goal: str | None = None, best_fit: bool = True) -> Span | None:
        """The earliest block (start, length) for ``need`` minutes in [frm, until).

        On the first day with room, a slot that takes the full next chunk is preferred
        over a shorter one, and among those (``best_fit``) the tightest free span, so a
        long free stretch stays whole for longer work; else the earliest. With ``whole``
        the block must hold all of ``need`` at once (habits).
        """
        smallest = need if whole else self.smallest(need)
        budgeted = self.week_budget is not None or goal in self.goal_budgets
        daily_cap = self.rules.daily_cap
        days = self.days
        for index in self._day_range(frm, until):
            day = days[index]
            cap_left = daily_cap - day.used
            if cap_left < smallest:
                continue
            widest = day._widest.get(hours)
            if widest is None:
                day.free(hours)
                widest = day._widest[hours]
            if widest < smallest:
                continue
            if budgeted:
                cap_left = min(cap_left, self.budget_left(day.week, goal))
                if cap_left < smallest:
                    continue
            best: Span | None = None
            fit: tuple[int, int] | None = None  # (span slack, start) of the best full fit
            full = min(need, cap_left) if whole else min(need, self.rules.max_block, cap_left)
            for start, room, span in self._rooms(day, frm, until, cap_left, hours):
                length = (need if room >= need else 0) if whole else \
                    self.chunk_length(need, room)
                if length and best is None:
                    best = (start, length)
                if length >= full and (fit is None or span - length < fit[0]):
                    fit = (span - length, start)
                    if fit[0] == 0 or not best_fit:
                        break
            if fit is not None:
                self.skipped = best is not None and best[0] < fit[1]
                return fit[1], full
            if best is not None:
                self.skipped = False
                return best
        return None

    def _rooms(self, day: Day, frm: int, until: int, cap_left: int,
               hours: str = "") -> Iterator[tuple[int, int, int]]:
        """(aligned start, usable minutes, whole free span) of each free span of ``day``
        in [frm, until), for hour set ``hours``."""
        align = self.rules.align
        for a, b in day.free(hours):
            if b <= frm:
                continue
            if a >= until:
                break
            start = -(-max(a, frm) // align) * align
            room = min(b, until, start + cap_left) - start
            if room > 0:
                yield start, room, min(b, until) - start

    def capacity(self, frm: int, until: int, hours: str = "", goal: str | None = None) -> int:
        """Minutes inside hour set ``hours`` and outside busy time in [frm, until), each
        day held to the daily cap and each week to the budgets, ignoring goalsync's own
        blocks (fixed for the run, so each answer is kept)."""
        key = (frm, until, hours, goal if goal in self.goal_budgets else None)
        known = self._capacities.get(key)
        if known is not None:
            return known
        per_week: dict[int, int] = {}
        for index in self._day_range(frm, until):
            day = self.days[index]
            base = day.bases[hours]
            if frm <= day.start and day.end <= until:
                inside = sum(b - a for a, b in base)
            else:
                inside = sum(max(0, min(b, until) - max(a, frm)) for a, b in base)
            per_week[day.week] = per_week.get(day.week, 0) + min(inside, self.rules.daily_cap)
        limit = 1 << 40
        if self.week_budget is not None:
            limit = max(0, self.week_budget - self.week_reserved)
        if goal is not None and goal in self.goal_budgets:
            limit = min(limit, self.goal_budgets[goal])
        found = self._capacities[key] = sum(min(minutes, limit)
                                            for minutes in per_week.values())
        return found
