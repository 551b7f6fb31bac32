"""Where the plan stands, and the HTML progress report.

``gather_status`` collects everything ``goalsync status``, ``review`` and ``report`` show
(progress, prompts, adjustment proposals, the review journal) from a sync report and
the state; ``render_report`` turns it into one self-contained page (inline CSS and SVG,
no script, no network) with a burn-up chart per goal, a chart of each measured value
over time, a milestone timeline with the rewards and the review journal, each chart
drawn for a wide and a narrow screen (see "HTML" below).

Burn-up chart, in estimated hours against time:

* **scope**: the goal's total estimated hours (a flat line);
* the time axis starts on the first tracked day (the first sync, or an earlier
  completion or planned block);
* **actual**: cumulative hours of completed steps at their completion times (steps done
  in the plan without a completion time count from the start);
* **expected**: the same per-step rule as ``syncer.core.progress``: a step's share of
  planned block minutes ended by each moment; a done step without blocks from the start,
  an open one without blocks at its due date;
* **forecast**: a straight line from today's actual hours to the forecast finish date.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any
from zoneinfo import ZoneInfo

from syncer.clock import plan_now, resolve_now
from syncer.config import Config
from syncer.core.adjust import Adjustment, propose
from syncer.core.durations import format_duration
from syncer.core.model import Block, Plan
from syncer.core.progress import (
    GoalProgress,
    PlanProgress,
    StepProgress,
    compute_progress,
    infeasible_steps,
)
from syncer.core.review import (
    MILESTONE_DONE,
    MONTHLY,
    QUARTERLY,
    Prompt,
    ReviewHistory,
    ReviewRules,
    triggers,
)
from syncer.core.schedule import plan_horizon, schedule
from syncer.errors import PartialFailure
from syncer.planfile import load_plan
from syncer.policy import load_rules
from syncer.state import Record, ReviewAnswer

WIDTH, HEIGHT = 900, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 14, 30


@dataclass(frozen=True)
class StatusSnapshot:
    """Everything status, review and report show, computed once."""

    plan: Plan
    now: datetime
    progress: PlanProgress
    prompts: tuple[Prompt, ...]
    journal: tuple[ReviewAnswer, ...]
    baseline: tuple[Block, ...]
    completions: dict[str, datetime]
    review_rules: ReviewRules
    last_review: datetime | None
    # what the dry-run sync could not read (the numbers then rest on the last sync)
    errors: tuple[str, ...] = ()
    since: datetime | None = None  # when tracking began (the first sync)
    # every recorded measurement per goal, oldest first
    metric_history: Mapping[str, tuple[tuple[datetime, float], ...]] = \
        field(default_factory=dict)
    # the adjustments, worked out when first asked for (only the review shows them:
    # for work that does not fit they take a few scheduler runs)
    proposals: Callable[[], tuple[Adjustment, ...]] = field(
        default=tuple, repr=False, compare=False)
    _adjustments: list[tuple[Adjustment, ...]] = field(
        default_factory=list, repr=False, compare=False)

    @property
    def adjustments(self) -> tuple[Adjustment, ...]:
        if not self._adjustments:
            self._adjustments.append(self.proposals())
        return self._adjustments[0]


def stale_warning(snapshot: StatusSnapshot, command: str) -> None:
    """Raise PartialFailure (exit 1) when the backends could not be read: the output
    already shown rests on the last sync, and a rerun may do better."""
    if snapshot.errors:
        raise PartialFailure(
            "could not read everything, so this rests on the last sync's data:\n"
            + "\n".join(f"  {e}" for e in snapshot.errors),
            hint=f"check that the server is reachable, then run `goalsync {command}` "
                 "again (or pass --offline to use the last sync on purpose)")


def gather_status(plan_path: str, config: Config, now: datetime | None, *,
                  offline: bool, report: Any = None,
                  record: Record | None = None) -> StatusSnapshot:
    """Compute progress, prompts and adjustment proposals for the plan at ``plan_path``.

    ``report`` is a SyncReport from a sync just run; without one, a dry-run sync is run
    unless ``offline``. Reads the state (unless ``record`` stands in for it: ``today``
    passes an empty one when the state is another plan's); writes nothing.
    """
    if report is None and not offline:
        from syncer.engine import sync  # pulls in the backends: load it only here

        report = sync(plan_path, config, now=plan_now(now, plan_path), dry_run=True)
    plan: Plan = report.plan if report is not None else load_plan(plan_path)
    moment = resolve_now(now, plan.timezone)
    rules = load_rules(config.rules)
    if report is not None and report.record is not None:
        record = report.record
    elif record is None:
        from syncer.engine import recorded

        record = recorded(config, plan)
    completions = dict(record.completions)
    baseline = list(record.planned)
    on_calendar = list(record.on_calendar)
    metrics, journal, since = record.metrics, record.journal, record.since
    missing: dict[str, int] = {}
    booked = None  # offline: the last sync's full schedule (the baseline's future part)
    unbooked: set[str] = set()
    if report is not None:
        booked = list(report.schedule.blocks)
        unbooked = {u.step for u in report.unscheduled}
        completions.update(report.completions)
        baseline = baseline or list(report.schedule.blocks)
        on_calendar += report.schedule.missed
        missing = infeasible_steps(plan, report.unscheduled,
                                   plan_horizon(plan, rules.scheduling, moment).date())
    else:  # offline: the plan alone, without busy time (what no calendar can fix)
        ideal = schedule(plan, rules.scheduling, now=moment, done=set(completions),
                         review_minutes=rules.review.duration_minutes)
        # work the last sync did not book ahead and even an empty calendar cannot hold
        ahead = {b.step for b in baseline if b.end > moment}
        unbooked = {u.step for u in ideal.unscheduled} - ahead
        missing = infeasible_steps(plan, ideal.unscheduled,
                                   plan_horizon(plan, rules.scheduling, moment).date())
    baseline = _merge_baseline(baseline, on_calendar)
    progress = compute_progress(plan, completions, baseline, rules.review.progress, moment,
                                missing, metrics=metrics, since=since, booked=booked,
                                unscheduled=unbooked)
    review_rules = rules.review
    last_review = max((a.at for a in journal), default=None)
    prompts = triggers(plan, progress, review_rules, moment, last_review, history(journal))
    return StatusSnapshot(
        plan=plan, now=moment, progress=progress, prompts=tuple(prompts),
        proposals=lambda: tuple(propose(
            plan, progress, missing, rules=rules.scheduling,
            review_minutes=rules.review.duration_minutes,
            existing=booked if booked is not None else [
                b for b in record.planned if b.end > moment])),
        journal=journal,
        baseline=tuple(baseline), completions=completions, review_rules=review_rules,
        last_review=last_review,
        errors=tuple(report.errors) if report is not None else (),
        since=since, metric_history=dict(record.metric_history),
    )


def _merge_baseline(planned: list[Block], on_calendar: list[Block]) -> list[Block]:
    """The baseline: the last full schedule, plus the blocks on the calendar (past ones
    the schedule no longer holds show what was due to be done by now)."""
    seen = {(b.step, b.start, b.end) for b in planned}
    extra = [b for b in on_calendar if (b.step, b.start, b.end) not in seen]
    return planned + list({(b.step, b.start, b.end): b for b in extra}.values())


def history(journal: Sequence[ReviewAnswer]) -> ReviewHistory:
    """What the review journal says about earlier check-ins and celebrations."""
    checkins = [a.at for a in journal if a.trigger in (MONTHLY, QUARTERLY)]
    quarterly = [a.at for a in journal if a.trigger == QUARTERLY]
    celebrated = {f"{a.goal}/{a.milestone}" for a in journal
                  if a.trigger == MILESTONE_DONE and a.goal and a.milestone}
    return ReviewHistory(last_monthly=max(checkins, default=None),
                         last_quarterly=max(quarterly, default=None),
                         celebrated=frozenset(celebrated))



# ---------------------------------------------------------------------- HTML
#
# Every chart is drawn twice, for a wide and a narrow frame; CSS shows one of them
# (the narrow one under 600 px), so text in a chart stays about 11 px on a phone
# instead of shrinking with a 900-unit drawing. Labels are placed from an estimate of
# their width (CHAR_PX per character at 11 px, on the generous side) and kept inside
# the frame; a label longer than the frame is wrapped onto several lines.


@dataclass(frozen=True)
class Frame:
    """The size of one drawing of a chart, in SVG units (= CSS px at full width)."""

    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    ticks: int  # dates on the time axis

    @property
    def inner(self) -> float:
        return self.width - self.left - self.right


WIDE = Frame(900, 270, 48, 16, 24, 30, 5)
NARROW = Frame(340, 230, 40, 12, 24, 30, 3)
CHAR_PX = 6.4  # an 11 px system-ui character, rounded up
MARGIN = 6


def write_report(snapshot: StatusSnapshot, out: str | Path) -> Path:
    """Render the report for ``snapshot`` into ``out`` (UTF-8) and return its path."""
    target = Path(out)
    target.write_text(render_report(snapshot), encoding="utf-8")
    return target


def render_report(snapshot: StatusSnapshot) -> str:
    """The whole page as a string."""
    template = Template(resources.files("syncer").joinpath("templates/report.html")
                        .read_text(encoding="utf-8"))
    plan = snapshot.plan
    zone = ZoneInfo(plan.timezone)
    goals = "\n".join(_goal_section(g, snapshot, zone) for g in snapshot.progress.goals)
    vision = f'<p class="vision">{_e(plan.vision)}</p>' if plan.vision else ""
    return template.substitute(
        title=_e(f"goalsync progress report: {Path(plan.path).name}"),
        today=_date(snapshot.progress.today), plan_path=_e(plan.path),
        vision=vision, prompts=_prompts(snapshot), goals=goals,
        journal=_journal(snapshot.journal, zone),
    )


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _date(day: date | None) -> str:
    """A date that never wraps at its dashes (``time`` is ``white-space: nowrap``)."""
    if day is None:
        return "–"
    return f'<time datetime="{day.isoformat()}">{day.isoformat()}</time>'


def _both(draw: Callable[[Frame], str]) -> str:
    return (f'<div class="chart-wide">{draw(WIDE)}</div>'
            f'<div class="chart-narrow">{draw(NARROW)}</div>')


def _prompts(snapshot: StatusSnapshot) -> str:
    if not snapshot.prompts:
        return ""
    items = "".join(f"<li>{_e(p.text)}</li>" for p in snapshot.prompts)
    return f'<section class="goal"><h2>To review</h2><ul class="prompts">{items}</ul></section>'


def _status(status: str) -> str:
    return f'<span class="status status-{status.replace(" ", "-")}">{_e(status)}</span>'


def _measure(goal: GoalProgress, value: float | None) -> str:
    """``64 / 80%``, ``2 / 4 quarters``."""
    unit = goal.unit if goal.unit.startswith("%") else f" {goal.unit}".rstrip()
    shown = "?" if value is None else f"{value:g}"
    return f"{shown} / {goal.target:g}{unit}"


def _goal_section(goal: GoalProgress, snapshot: StatusSnapshot, zone: ZoneInfo) -> str:
    expected = "–" if goal.expected is None else f"{goal.expected:.0%}"
    facts = [
        f"<span>Progress <b>{goal.progress:.0%}</b></span>",
        f"<span>Expected <b>{expected}</b></span>",
        f"<span>Deadline <b>{_date(goal.deadline)}</b></span>",
        f"<span>Forecast <b>{_date(goal.forecast)}</b></span>",
        f"<span>Velocity <b>{goal.velocity_hours_per_week:.1f} h/week</b></span>",
    ]
    if goal.metric is not None:
        facts.append(f"<span>{_e(goal.metric)} <b>{_e(_measure(goal, goal.current))}</b>"
                     "</span>")
    chart = _both(lambda f: burnup_svg(goal, snapshot.baseline, snapshot.now, zone,
                                       since=snapshot.since, frame=f))
    return (f'<section class="goal" id="goal-{_e(goal.id)}">'
            f"<h2>{_e(goal.title)} {_status(goal.status)}</h2>"
            f'<div class="facts">{"".join(facts)}</div>'
            f"<h3>Burn-up (estimated hours)</h3>{chart}"
            '<div class="legend"><span><i style="border-color:var(--actual)"></i>actual</span>'
            '<span><i style="border-color:var(--expected)"></i>expected</span>'
            '<span><i style="border-color:var(--forecast);border-top-style:dashed"></i>'
            "forecast</span></div>"
            f"{_metric_section(goal, snapshot, zone)}"
            f"<h3>Milestones</h3>{_timeline(goal, snapshot.progress.today)}"
            f"{_milestone_table(goal)}</section>")


def _metric_section(goal: GoalProgress, snapshot: StatusSnapshot, zone: ZoneInfo) -> str:
    if goal.metric is None or goal.target is None:
        return ""
    heading = f"<h3>{_e(goal.metric)}: {_e(_measure(goal, goal.current))}</h3>"
    points = snapshot.metric_history.get(goal.id, ())
    if not points:
        return (f'{heading}<p class="muted">No measurements recorded yet; '
                "<code>goalsync review</code> asks for them.</p>")
    chart = _both(lambda f: metric_svg(goal, points, snapshot.now, zone, frame=f))
    return f'{heading}<div class="metric">{chart}</div>'


def _milestone_table(goal: GoalProgress) -> str:
    rows = []
    for m in goal.milestones:
        reward = (f'<div class="reward">Celebrate: {_e(m.celebrate)}</div>'
                  if m.celebrate else "")
        rows.append(
            f'<tr><td class="name">{_e(m.title)}{reward}</td>'
            f'<td data-label="Progress">{m.progress:.0%}</td>'
            f'<td data-label="Status">{_status(m.status)}</td>'
            f'<td data-label="Due">{_date(m.due)}</td>'
            f'<td data-label="Forecast">{_date(m.forecast)}</td></tr>')
    if not rows:
        return '<p class="muted">No milestones.</p>'
    return ('<table class="stack"><thead><tr><th>Milestone</th><th>Progress</th>'
            "<th>Status</th><th>Due</th><th>Forecast</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


def _journal(journal: Sequence[ReviewAnswer], zone: ZoneInfo) -> str:
    """One block per review, the latest first; in each, the answers in the order they
    were asked (the state keeps them in that order)."""
    entries = [a for a in journal
               if a.answer and a.trigger != "review" and a.answer != "raised"]
    if not entries:
        return '<p class="muted">No review answers recorded yet.</p>'
    reviews: dict[datetime, list[ReviewAnswer]] = {}
    for answer in entries:
        reviews.setdefault(answer.at, []).append(answer)
    blocks = []
    for at in sorted(reviews, reverse=True):
        items = []
        for a in reviews[at]:
            about = "/".join(x for x in (a.goal, a.milestone) if x)
            tag = _e(a.trigger) + (f" · {_e(about)}" if about else "")
            items.append(f'<dt>{_e(a.question)} <span class="tag">{tag}</span></dt>'
                         f"<dd>{_e(a.answer)}</dd>")
        blocks.append(f'<article class="review"><h3>{_date(at.astimezone(zone).date())}'
                      f"</h3><dl>{''.join(items)}</dl></article>")
    return "".join(blocks)


# ---------------------------------------------------------------------- SVG helpers


def _text_width(text: str) -> float:
    return len(text) * CHAR_PX


def _wrap(text: str, width: float) -> list[str]:
    """``text`` in lines of at most ``width`` units (by the estimate), broken at spaces;
    a word longer than a line is cut."""
    per_line = max(int(width // CHAR_PX), 8)
    lines: list[str] = []
    for word in text.split():
        while len(word) > per_line:
            lines.append(word[:per_line])
            word = word[per_line:]
        if lines and len(lines[-1]) + 1 + len(word) <= per_line:
            lines[-1] += " " + word
        elif word:
            lines.append(word)
    return lines or [""]


def _label_x(centre: float, width: float, frame: Frame) -> float:
    """The left edge for a label of ``width`` centred on ``centre``, moved inside the
    frame."""
    return max(MARGIN, min(centre - width / 2, frame.width - MARGIN - width))


def _edge_text(x: float, y: float, text: str, frame: Frame, cls: str = "") -> str:
    """A short label next to ``x``, on whichever side has room."""
    width = _text_width(text)
    klass = f' class="{cls}"' if cls else ""
    if x + 4 + width <= frame.width - MARGIN:
        return f'<text{klass} x="{x + 4:.1f}" y="{y:.1f}">{_e(text)}</text>'
    return f'<text{klass} x="{x - 4:.1f}" y="{y:.1f}" text-anchor="end">{_e(text)}</text>'


def _marker_labels(today_x: float, deadline_x: float | None, y: float,
                   frame: Frame) -> list[str]:
    """"today" and "deadline" above the chart, beside their lines; the deadline's label
    moves to a second line when the two would overlap."""
    parts = [_edge_text(today_x, y, "today", frame)]
    if deadline_x is None:
        return parts
    width = _text_width("deadline")
    today_right = today_x + 4 + _text_width("today")
    if deadline_x - 4 - width >= max(today_right + 6, MARGIN):
        parts.append(f'<text x="{deadline_x - 4:.1f}" y="{y:.1f}" text-anchor="end">'
                     "deadline</text>")
    else:
        parts.append(_edge_text(deadline_x, y + 18, "deadline", frame))
    return parts


def _svg_open(frame: Frame, height: float, label: str, cls: str) -> str:
    return (f'<svg class="{cls}" viewBox="0 0 {frame.width} {height:.0f}" '
            f'xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{_e(label)}">')


def _time_axis(start: datetime, end: datetime, frame: Frame, x: Callable[[datetime], float],
               y: float, zone: ZoneInfo) -> list[str]:
    ticks = _ticks(start, end, frame.ticks)
    parts = []
    for n, moment in enumerate(ticks):
        # the first and last dates sit at the chart's edges: anchor them inside it
        anchor = "start" if n == 0 else "end" if n == len(ticks) - 1 else "middle"
        parts.append(f'<text class="tick" x="{x(moment):.1f}" y="{y:.1f}" '
                     f'text-anchor="{anchor}">{moment.astimezone(zone).date().isoformat()}'
                     "</text>")
    return parts


def _ticks(start: datetime, end: datetime, count: int = 5) -> list[datetime]:
    step = (end - start) / max(count - 1, 1)
    return [start + step * i for i in range(count)]


# --------------------------------------------------------------------- burn-up


@dataclass(frozen=True)
class _Curves:
    start: datetime
    end: datetime
    total: float  # hours
    actual: list[tuple[datetime, float]]
    expected: list[tuple[datetime, float]]
    forecast: list[tuple[datetime, float]]


def burnup_curves(goal: GoalProgress, baseline: Sequence[Block], now: datetime,
                  zone: ZoneInfo, since: datetime | None = None) -> _Curves:
    """The burn-up series of ``goal`` (hours against time); see the module docstring.

    The chart starts on the first tracked day: the earliest of ``since`` (the first
    sync), the first completion and the first planned block; ``now`` without any."""
    steps = goal.steps
    blocks = {s.key: [b for b in baseline if b.step == s.key] for s in steps}
    start = _start(steps, blocks, now, since)
    end = _end(goal, blocks, now, zone)
    done_now = sum(s.weight_minutes for s in steps if s.done) / 60
    actual = _actual(steps, start, now)
    expected = _expected(steps, blocks, start, end, zone, now)
    forecast: list[tuple[datetime, float]] = []
    if goal.forecast is not None and goal.remaining_minutes > 0:
        finish = datetime.combine(goal.forecast, time(12), zone)
        forecast = [(now, done_now), (finish, goal.total_minutes / 60)]
    return _Curves(start, end, goal.total_minutes / 60, actual, expected, forecast)


def _start(steps: Sequence[StepProgress], blocks: dict[str, list[Block]],
           now: datetime, since: datetime | None) -> datetime:
    marks = [s.completed_at for s in steps if s.completed_at is not None]
    marks += [b.start for bs in blocks.values() for b in bs]
    if since is not None:
        marks.append(since)
    return min([*marks, now])


def _end(goal: GoalProgress, blocks: dict[str, list[Block]], now: datetime,
         zone: ZoneInfo) -> datetime:
    marks = [now + timedelta(days=7)]
    marks += [b.end for bs in blocks.values() for b in bs]
    for day in (goal.deadline, goal.forecast):
        if day is not None:
            marks.append(datetime.combine(day + timedelta(days=1), time(), zone))
    return max(marks)


def _actual(steps: Sequence[StepProgress], start: datetime,
            now: datetime) -> list[tuple[datetime, float]]:
    hours = sum(s.weight_minutes for s in steps if s.done and s.completed_at is None) / 60
    points = [(start, hours)]
    for step in sorted((s for s in steps if s.completed_at is not None),
                       key=lambda s: s.completed_at or start):
        assert step.completed_at is not None
        points.append((step.completed_at, hours))
        hours += step.weight_minutes / 60
        points.append((step.completed_at, hours))
    points.append((now, hours))
    return points


def _expected(steps: Sequence[StepProgress], blocks: dict[str, list[Block]],
              start: datetime, end: datetime, zone: ZoneInfo,
              now: datetime) -> list[tuple[datetime, float]]:
    """The expected line: each step's weight at the ends of its blocks, never beyond
    its weight. An open step's blocks booked ahead of ``now`` take their minutes first
    (a missed block that was booked again is expected once, when the new block ends,
    as ``status`` counts it); what no block covers is expected at the end of its due
    day, so the line reaches the total by the deadline."""
    events: list[tuple[datetime, float]] = []  # (moment, hours that become expected)
    for step in steps:
        if blocks[step.key]:
            left = step.weight_minutes  # a step is never expected beyond its weight
            ordered = sorted(blocks[step.key], key=lambda b: b.end)
            if not step.done:  # booked ahead first, then the past blocks in order
                ordered = [b for b in ordered if b.end > now] + \
                    [b for b in ordered if b.end <= now]
            for b in ordered:
                share = min(b.minutes, left)
                left -= share
                if share:
                    events.append((b.end, share / 60))
            if left > 0 and not step.done and step.due is not None:
                due_end = datetime.combine(step.due + timedelta(days=1), time(), zone)
                events.append((due_end, left / 60))
        elif step.done:
            events.append((start, step.weight_minutes / 60))
        elif step.due is not None:
            due_end = datetime.combine(step.due + timedelta(days=1), time(), zone)
            events.append((due_end, step.weight_minutes / 60))
    hours = 0.0
    points = [(start, 0.0)]
    for moment, amount in sorted(events, key=lambda e: e[0]):
        points.append((moment, hours))
        hours += amount
        points.append((moment, hours))
    points.append((end, hours))
    return points


_TICK_STEPS = (0.25, 0.5, 1.0, 2.0, 2.5, 5.0)


def hour_ticks(top: float, most: int = 4) -> list[float]:
    """Round values from 0 to ``top`` (hours) for the y axis, at most ``most`` steps
    apart: 0.25, 0.5, 1, 2, 2.5 or 5 times a power of ten hours, so each label sits at
    its true value ("1h30m" where the line is 1.5 h)."""
    scale = 1.0
    while True:
        for base in _TICK_STEPS:
            step = base * scale
            if top / step <= most:
                count = int(top / step + 1e-9)
                return [round(step * i, 6) for i in range(count + 1)]
        scale *= 10


def _hours_label(hours: float) -> str:
    minutes = round(hours * 60)
    return "0h" if minutes == 0 else format_duration(minutes)


def burnup_svg(goal: GoalProgress, baseline: Sequence[Block], now: datetime,
               zone: ZoneInfo, *, since: datetime | None = None,
               frame: Frame = WIDE) -> str:
    """An inline SVG burn-up chart for ``goal``, drawn for ``frame``."""
    c = burnup_curves(goal, baseline, now, zone, since)
    span = max((c.end - c.start).total_seconds(), 1.0)
    top = max(c.total, 1.0)
    f = frame
    bottom = f.height - f.bottom

    def x(moment: datetime) -> float:
        share = (moment - c.start).total_seconds() / span
        return f.left + max(0.0, min(1.0, share)) * f.inner

    def y(hours: float) -> float:
        return f.top + (1 - hours / top) * (bottom - f.top)

    def path(points: list[tuple[datetime, float]]) -> str:
        return " ".join(f"{x(t):.1f},{y(h):.1f}" for t, h in points)

    parts = [_svg_open(f, f.height, f"Burn-up chart for {goal.title}", "burnup"),
             f'<rect x="{f.left}" y="{f.top}" width="{f.inner:.0f}" '
             f'height="{bottom - f.top}" fill="#fff" stroke="#d9e2ec"/>']
    for hours in hour_ticks(top):
        parts.append(f'<text x="{f.left - 6}" y="{y(hours) + 4:.1f}" text-anchor="end">'
                     f"{_hours_label(hours)}</text>")
    parts += _time_axis(c.start, c.end, f, x, f.height - 10, zone)
    parts.append(f'<line x1="{f.left}" x2="{f.width - f.right}" y1="{y(c.total):.1f}" '
                 f'y2="{y(c.total):.1f}" stroke="#1f2933" stroke-dasharray="2 3"/>')
    nx = x(now)
    parts.append(f'<line x1="{nx:.1f}" x2="{nx:.1f}" y1="{f.top - 4}" y2="{bottom}" '
                 'stroke="#1f2933" stroke-width="0.5"/>')
    parts += _marker_labels(nx, x(datetime.combine(goal.deadline + timedelta(days=1), time(),
                                                   zone)) if goal.deadline else None,
                            f.top - 8, f)
    if goal.deadline is not None:
        dx = x(datetime.combine(goal.deadline + timedelta(days=1), time(), zone))
        parts.append(f'<line x1="{dx:.1f}" x2="{dx:.1f}" y1="{f.top - 4}" y2="{bottom}" '
                     'stroke="#dc2626" stroke-dasharray="4 3"/>')
    parts.append(f'<polyline class="expected" points="{path(c.expected)}" fill="none" '
                 'stroke="#9aa5b1" stroke-width="2"/>')
    if c.forecast:
        parts.append(f'<polyline class="forecast" points="{path(c.forecast)}" fill="none" '
                     'stroke="#f59e0b" stroke-width="2" stroke-dasharray="6 4"/>')
    parts.append(f'<polyline class="actual" points="{path(c.actual)}" fill="none" '
                 'stroke="#2563eb" stroke-width="3"/>')
    parts.append("</svg>")
    return "".join(parts)


# ---------------------------------------------------------------------- metric


def metric_svg(goal: GoalProgress, points: Sequence[tuple[datetime, float]],
               now: datetime, zone: ZoneInfo, *, frame: Frame = WIDE) -> str:
    """The goal's measured value over time (``points``: (at, value), oldest first),
    with its target as a dashed line and its deadline."""
    f = frame
    target = goal.target or 0.0
    start = min(points[0][0], now)
    end = max(now + timedelta(days=7), points[-1][0])
    if goal.deadline is not None:
        end = max(end, datetime.combine(goal.deadline + timedelta(days=1), time(), zone))
    span = max((end - start).total_seconds(), 1.0)
    values = [v for _, v in points]
    low = min(0.0, *values, target)
    high = max(*values, target)
    high = high + (high - low) * 0.1 or 1.0
    height = f.height - 40
    bottom = height - f.bottom

    def x(moment: datetime) -> float:
        return f.left + (moment - start).total_seconds() / span * f.inner

    def y(value: float) -> float:
        return f.top + (1 - (value - low) / (high - low)) * (bottom - f.top)

    unit = goal.unit if goal.unit.startswith("%") else f" {goal.unit}".rstrip()
    parts = [_svg_open(f, height, f"{goal.metric} over time for {goal.title}", "measure"),
             f'<rect x="{f.left}" y="{f.top}" width="{f.inner:.0f}" '
             f'height="{bottom - f.top}" fill="#fff" stroke="#d9e2ec"/>']
    for value in sorted({low, target}):
        parts.append(f'<text x="{f.left - 6}" y="{y(value) + 4:.1f}" text-anchor="end">'
                     f"{value:g}</text>")
    parts += _time_axis(start, end, f, x, height - 10, zone)
    ty = y(target)
    parts.append(f'<line class="target" x1="{f.left}" x2="{f.width - f.right}" '
                 f'y1="{ty:.1f}" y2="{ty:.1f}" stroke="#16a34a" stroke-dasharray="6 4"/>')
    label = f"target {target:g}{unit}"
    parts.append(f'<text x="{f.width - f.right - 8}" y="{ty - 5:.1f}" text-anchor="end">'
                 f"{_e(label)}</text>")
    nx = x(now)
    parts.append(f'<line x1="{nx:.1f}" x2="{nx:.1f}" y1="{f.top - 4}" y2="{bottom}" '
                 'stroke="#1f2933" stroke-width="0.5"/>')
    dx = None
    if goal.deadline is not None:
        dx = x(datetime.combine(goal.deadline + timedelta(days=1), time(), zone))
        parts.append(f'<line x1="{dx:.1f}" x2="{dx:.1f}" y1="{f.top - 4}" y2="{bottom}" '
                     'stroke="#dc2626" stroke-dasharray="4 3"/>')
    parts += _marker_labels(nx, dx, f.top - 8, f)
    line = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in points)
    parts.append(f'<polyline class="value" points="{line}" fill="none" stroke="#2563eb" '
                 'stroke-width="2.5"/>')
    # label the latest point, then each earlier one that has room beside the last labelled
    labelled: list[float] = []
    for t, v in reversed(points):
        parts.append(f'<circle cx="{x(t):.1f}" cy="{y(v):.1f}" r="3.5" fill="#2563eb"/>')
        text = f"{v:g}"
        if all(abs(x(t) - other) >= _text_width(text) + 6 for other in labelled):
            labelled.append(x(t))
            lx = _label_x(x(t), _text_width(text), f)
            parts.append(f'<text class="point" x="{lx:.1f}" y="{y(v) - 8:.1f}">'
                         f"{_e(text)}</text>")
    parts.append("</svg>")
    return "".join(parts)


# -------------------------------------------------------------------- timeline


def _timeline(goal: GoalProgress, today: date) -> str:
    if not any(m.due for m in goal.milestones):
        return '<p class="muted">No milestone has a due date.</p>'
    return _both(lambda f: timeline_svg(goal, today, frame=f))


def timeline_svg(goal: GoalProgress, today: date, *, frame: Frame = WIDE) -> str:
    """Milestones on a time axis from today (or the first due date) to the deadline:
    one row each, its label (title, due date, progress, reward) above a track with a
    diamond at the due date. Labels sit over their diamond, moved inside the frame, and
    wrap when they are wider than it."""
    dated = [m for m in goal.milestones if m.due is not None]
    f = frame
    first = min([today, *(m.due for m in dated if m.due)])
    last = max([today, *(m.due for m in dated if m.due),
                *(d for d in (goal.deadline,) if d)])
    span = max((last - first).days, 1)

    def x(day: date) -> float:
        return f.left / 2 + (day - first).days / span * (f.width - f.left / 2 - f.right)

    colour = {"done": "#16a34a", "on track": "#16a34a", "at risk": "#d97706",
              "behind": "#d97706", "stalled": "#dc2626", "infeasible": "#dc2626"}
    rows: list[str] = []
    y = 36.0
    usable = f.width - 2 * MARGIN
    for m in dated:
        assert m.due is not None
        cx = x(m.due)
        label = f"{m.title} · {m.due.isoformat()} · {m.progress:.0%}"
        lines = [(line, "label") for line in _wrap(label, usable)]
        if m.celebrate:
            lines += [(line, "celebrate")
                      for line in _wrap(f"Celebrate: {m.celebrate}", usable)]
        width = max(_text_width(line) for line, _ in lines)
        lx = _label_x(cx, width, f)
        for n, (line, kind) in enumerate(lines):
            rows.append(f'<text class="{kind}" x="{lx:.1f}" y="{y + 11 + 14 * n:.1f}">'
                        f"{_e(line)}</text>")
        y += 14 * len(lines) + 8
        rows.append(f'<line x1="{x(first):.1f}" x2="{x(last):.1f}" y1="{y:.1f}" '
                    f'y2="{y:.1f}" stroke="#e4e7eb"/>'
                    f'<polygon points="{cx:.1f},{y - 6:.1f} {cx + 6:.1f},{y:.1f} '
                    f'{cx:.1f},{y + 6:.1f} {cx - 6:.1f},{y:.1f}" '
                    f'fill="{colour.get(m.status, "#616e7c")}"/>')
        y += 14
    height = y + 22
    head = [_svg_open(f, height, f"Milestone timeline for {goal.title}", "timeline")]
    tx = x(today)
    head.append(f'<line x1="{tx:.1f}" x2="{tx:.1f}" y1="16" y2="{y:.1f}" '
                'stroke="#1f2933" stroke-width="0.5"/>')
    dx = None if goal.deadline is None else x(goal.deadline)
    if dx is not None:
        head.append(f'<line x1="{dx:.1f}" x2="{dx:.1f}" y1="16" y2="{y:.1f}" '
                    'stroke="#dc2626" stroke-dasharray="4 3"/>')
    head += _marker_labels(tx, dx, 12, f)
    foot = [f'<text class="tick" x="{x(first):.1f}" y="{height - 6:.1f}">'
            f"{first.isoformat()}</text>",
            f'<text class="tick" x="{x(last):.1f}" y="{height - 6:.1f}" text-anchor="end">'
            f"{last.isoformat()}</text>", "</svg>"]
    return "".join(head + rows + foot)
