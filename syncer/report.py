"""Where the plan stands, and the HTML progress report.

``gather_status`` collects everything ``goalsync status``, ``review`` and ``report`` show
(progress, prompts, adjustment proposals, the review journal) from a sync report and
the state; ``render_report`` turns it into one self-contained page (inline CSS and SVG,
no script, no network) with a burn-up chart per goal, a milestone timeline and the
review journal.

Burn-up chart, in estimated hours against time:

* **scope**: the goal's total estimated hours (a flat line);
* **actual**: cumulative hours of completed steps at their completion times (steps done
  in the plan without a completion time count from the start);
* **expected**: the same per-step rule as ``syncer.core.progress``: a step's share of
  planned block minutes ended by each moment; a done step without blocks from the start,
  an open one without blocks at its due date;
* **forecast**: a straight line from today's actual hours to the forecast finish date.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any
from zoneinfo import ZoneInfo

from syncer.clock import plan_now, resolve_now
from syncer.config import Config
from syncer.core.adjust import Adjustment, propose
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
from syncer.state import ReviewAnswer

WIDTH, HEIGHT = 900, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 14, 30


@dataclass(frozen=True)
class StatusSnapshot:
    """Everything status, review and report show, computed once."""

    plan: Plan
    now: datetime
    progress: PlanProgress
    prompts: tuple[Prompt, ...]
    adjustments: tuple[Adjustment, ...]
    journal: tuple[ReviewAnswer, ...]
    baseline: tuple[Block, ...]
    completions: dict[str, datetime]
    review_rules: ReviewRules
    last_review: datetime | None
    # what the dry-run sync could not read (the numbers then rest on the last sync)
    errors: tuple[str, ...] = ()


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
                  offline: bool, report: Any = None) -> StatusSnapshot:
    """Compute progress, prompts and adjustment proposals for the plan at ``plan_path``.

    ``report`` is a SyncReport from a sync just run; without one, a dry-run sync is run
    unless ``offline``. Reads the state; writes nothing.
    """
    if report is None and not offline:
        from syncer.engine import sync  # pulls in the backends: load it only here

        report = sync(plan_path, config, now=plan_now(now, plan_path), dry_run=True)
    plan: Plan = report.plan if report is not None else load_plan(plan_path)
    moment = resolve_now(now, plan.timezone)
    rules = load_rules(config.rules)
    if report is not None and report.record is not None:
        record = report.record
    else:
        from syncer.engine import recorded

        record = recorded(config)
    completions = dict(record.completions)
    baseline = list(record.planned)
    on_calendar = list(record.on_calendar)
    metrics, journal, since = record.metrics, record.journal, record.since
    missing: dict[str, int] = {}
    if report is not None:
        completions.update(report.completions)
        baseline = baseline or list(report.schedule.blocks)
        on_calendar += report.schedule.missed
        missing = infeasible_steps(plan, report.unscheduled,
                                   plan_horizon(plan, rules.scheduling, moment).date())
    else:  # offline: the plan alone, without busy time (what no calendar can fix)
        ideal = schedule(plan, rules.scheduling, now=moment, done=set(completions))
        missing = infeasible_steps(plan, ideal.unscheduled,
                                   plan_horizon(plan, rules.scheduling, moment).date())
    baseline = _merge_baseline(baseline, on_calendar)
    progress = compute_progress(plan, completions, baseline, rules.review.progress, moment,
                                missing, metrics=metrics, since=since)
    review_rules = rules.review
    last_review = max((a.at for a in journal), default=None)
    prompts = triggers(plan, progress, review_rules, moment, last_review, history(journal))
    return StatusSnapshot(
        plan=plan, now=moment, progress=progress, prompts=tuple(prompts),
        adjustments=tuple(propose(plan, progress, missing)), journal=journal,
        baseline=tuple(baseline), completions=completions, review_rules=review_rules,
        last_review=last_review,
        errors=tuple(report.errors) if report is not None else (),
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
        today=_e(snapshot.progress.today.isoformat()), plan_path=_e(plan.path),
        vision=vision, prompts=_prompts(snapshot), goals=goals,
        journal=_journal(snapshot.journal, zone),
    )


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _prompts(snapshot: StatusSnapshot) -> str:
    if not snapshot.prompts:
        return ""
    items = "".join(f"<li>{_e(p.text)}</li>" for p in snapshot.prompts)
    return f'<section class="goal"><h2>To review</h2><ul class="prompts">{items}</ul></section>'


def _status(status: str) -> str:
    return f'<span class="status status-{status.replace(" ", "-")}">{_e(status)}</span>'


def _goal_section(goal: GoalProgress, snapshot: StatusSnapshot, zone: ZoneInfo) -> str:
    expected = "–" if goal.expected is None else f"{goal.expected:.0%}"
    facts = [
        f"<span>Progress <b>{goal.progress:.0%}</b></span>",
        f"<span>Expected <b>{expected}</b></span>",
        f"<span>Deadline <b>{_e(goal.deadline or '–')}</b></span>",
        f"<span>Forecast <b>{_e(goal.forecast or '–')}</b></span>",
        f"<span>Velocity <b>{goal.velocity_hours_per_week:.1f} h/week</b></span>",
    ]
    if goal.metric is not None:
        current = "?" if goal.current is None else f"{goal.current:g}"
        unit = goal.unit if goal.unit.startswith("%") else f" {goal.unit}".rstrip()
        facts.append(f"<span>{_e(goal.metric)} <b>{_e(current)} / {goal.target:g}"
                     f"{_e(unit)}</b></span>")
    chart = burnup_svg(goal, snapshot.baseline, snapshot.now, zone)
    return (f'<section class="goal" id="goal-{_e(goal.id)}">'
            f"<h2>{_e(goal.title)} {_status(goal.status)}</h2>"
            f'<div class="facts">{"".join(facts)}</div>'
            f"<h3>Burn-up (estimated hours)</h3>{chart}"
            '<div class="legend"><span><i style="border-color:var(--actual)"></i>actual</span>'
            '<span><i style="border-color:var(--expected)"></i>expected</span>'
            '<span><i style="border-color:var(--forecast);border-top-style:dashed"></i>'
            "forecast</span></div>"
            f"<h3>Milestones</h3>{timeline_svg(goal, snapshot.progress.today)}"
            f"{_milestone_table(goal)}</section>")


def _milestone_table(goal: GoalProgress) -> str:
    rows = "".join(
        f"<tr><td>{_e(m.title)}</td><td>{m.progress:.0%}</td><td>{_status(m.status)}</td>"
        f"<td>{_e(m.due or '–')}</td><td>{_e(m.forecast or '–')}</td></tr>"
        for m in goal.milestones)
    if not rows:
        return '<p class="muted">No milestones.</p>'
    return ("<table><thead><tr><th>Milestone</th><th>Progress</th><th>Status</th>"
            f"<th>Due</th><th>Forecast</th></tr></thead><tbody>{rows}</tbody></table>")


def _journal(journal: Sequence[ReviewAnswer], zone: ZoneInfo) -> str:
    entries = [a for a in journal
               if a.answer and a.trigger != "review" and a.answer != "raised"]
    if not entries:
        return '<p class="muted">No review answers recorded yet.</p>'
    rows = "".join(
        f"<tr><td>{_e(a.at.astimezone(zone).date().isoformat())}</td><td>{_e(a.trigger)}</td>"
        f"<td>{_e('/'.join(x for x in (a.goal, a.milestone) if x) or '–')}</td>"
        f"<td>{_e(a.question)}</td><td>{_e(a.answer)}</td></tr>"
        for a in reversed(entries))
    return ("<table><thead><tr><th>Date</th><th>Trigger</th><th>About</th><th>Question</th>"
            f"<th>Answer</th></tr></thead><tbody>{rows}</tbody></table>")


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
                  zone: ZoneInfo) -> _Curves:
    """The burn-up series of ``goal`` (hours against time); see the module docstring."""
    steps = goal.steps
    blocks = {s.key: [b for b in baseline if b.step == s.key] for s in steps}
    start = _start(steps, blocks, now)
    end = _end(goal, blocks, now, zone)
    done_now = sum(s.weight_minutes for s in steps if s.done) / 60
    actual = _actual(steps, start, now)
    expected = _expected(steps, blocks, start, end, zone)
    forecast: list[tuple[datetime, float]] = []
    if goal.forecast is not None and goal.remaining_minutes > 0:
        finish = datetime.combine(goal.forecast, time(12), zone)
        forecast = [(now, done_now), (finish, goal.total_minutes / 60)]
    return _Curves(start, end, goal.total_minutes / 60, actual, expected, forecast)


def _start(steps: Sequence[StepProgress], blocks: dict[str, list[Block]],
           now: datetime) -> datetime:
    marks = [s.completed_at for s in steps if s.completed_at is not None]
    marks += [b.start for bs in blocks.values() for b in bs]
    return min([*marks, now - timedelta(days=28)])


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
              start: datetime, end: datetime, zone: ZoneInfo) -> list[tuple[datetime, float]]:
    events: list[tuple[datetime, float]] = []  # (moment, hours that become expected)
    for step in steps:
        if blocks[step.key]:
            left = step.weight_minutes  # a step is never expected beyond its weight
            for b in sorted(blocks[step.key], key=lambda b: b.end):
                share = min(b.minutes, left)
                left -= share
                events.append((b.end, share / 60))
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


def burnup_svg(goal: GoalProgress, baseline: Sequence[Block], now: datetime,
               zone: ZoneInfo) -> str:
    """An inline SVG burn-up chart for ``goal``."""
    c = burnup_curves(goal, baseline, now, zone)
    span = max((c.end - c.start).total_seconds(), 1.0)
    top = max(c.total, 1.0)

    def x(moment: datetime) -> float:
        share = (moment - c.start).total_seconds() / span
        return LEFT + max(0.0, min(1.0, share)) * (WIDTH - LEFT - RIGHT)

    def y(hours: float) -> float:
        return TOP + (1 - hours / top) * (HEIGHT - TOP - BOTTOM)

    def path(points: list[tuple[datetime, float]]) -> str:
        return " ".join(f"{x(t):.1f},{y(h):.1f}" for t, h in points)

    parts = [f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" xmlns="http://www.w3.org/2000/svg" '
             f'role="img" aria-label="Burn-up chart for {_e(goal.title)}">',
             f'<rect x="{LEFT}" y="{TOP}" width="{WIDTH - LEFT - RIGHT}" '
             f'height="{HEIGHT - TOP - BOTTOM}" fill="#fff" stroke="#d9e2ec"/>']
    parts += _axes(c, x, y, top)
    parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(c.total):.1f}" '
                 f'y2="{y(c.total):.1f}" stroke="#1f2933" stroke-dasharray="2 3"/>')
    if goal.deadline is not None:
        dx = x(datetime.combine(goal.deadline + timedelta(days=1), time(), zone))
        parts.append(f'<line x1="{dx:.1f}" x2="{dx:.1f}" y1="{TOP}" y2="{HEIGHT - BOTTOM}" '
                     'stroke="#dc2626" stroke-dasharray="4 3"/>'
                     f'<text x="{dx - 4:.1f}" y="{TOP + 12}" text-anchor="end">deadline</text>')
    nx = x(now)
    parts.append(f'<line x1="{nx:.1f}" x2="{nx:.1f}" y1="{TOP}" y2="{HEIGHT - BOTTOM}" '
                 f'stroke="#1f2933" stroke-width="0.5"/><text x="{nx + 4:.1f}" '
                 f'y="{HEIGHT - BOTTOM - 6}">today</text>')
    parts.append(f'<polyline class="expected" points="{path(c.expected)}" fill="none" '
                 'stroke="#9aa5b1" stroke-width="2"/>')
    if c.forecast:
        parts.append(f'<polyline class="forecast" points="{path(c.forecast)}" fill="none" '
                     'stroke="#f59e0b" stroke-width="2" stroke-dasharray="6 4"/>')
    parts.append(f'<polyline class="actual" points="{path(c.actual)}" fill="none" '
                 'stroke="#2563eb" stroke-width="3"/>')
    parts.append("</svg>")
    return "".join(parts)


def _axes(c: _Curves, x: Callable[[datetime], float], y: Callable[[float], float],
          top: float) -> list[str]:
    parts = []
    for hours in (0.0, top / 2, top):
        parts.append(f'<text x="{LEFT - 6}" y="{y(hours) + 4:.1f}" text-anchor="end">'
                     f"{hours:.0f}h</text>")
    ticks = list(_ticks(c.start, c.end))
    for n, moment in enumerate(ticks):
        # the first and last dates sit at the chart's edges: anchor them inside it
        anchor = "start" if n == 0 else "end" if n == len(ticks) - 1 else "middle"
        parts.append(f'<text x="{x(moment):.1f}" y="{HEIGHT - 10}" text-anchor="{anchor}">'
                     f"{moment.date().isoformat()}</text>")
    return parts


def _ticks(start: datetime, end: datetime, count: int = 5) -> list[datetime]:
    step = (end - start) / (count - 1)
    return [start + step * i for i in range(count)]


# -------------------------------------------------------------------- timeline


def timeline_svg(goal: GoalProgress, today: date) -> str:
    """Milestones as diamonds on a time axis from today to the last due date."""
    dues = [m.due for m in goal.milestones if m.due is not None]
    if not dues:
        return '<p class="muted">No milestone has a due date.</p>'
    first = min([today, *dues])
    last = max([today, *dues, *(d for d in (goal.deadline,) if d)])
    span = max((last - first).days, 1)
    height = 40 + 18 * len(goal.milestones)

    def x(day: date) -> float:
        return LEFT + (day - first).days / span * (WIDTH - LEFT - RIGHT - 160)

    colour = {"done": "#16a34a", "on track": "#16a34a", "at risk": "#d97706",
              "behind": "#d97706", "stalled": "#dc2626", "infeasible": "#dc2626"}
    parts = [f'<svg viewBox="0 0 {WIDTH} {height}" xmlns="http://www.w3.org/2000/svg" '
             f'role="img" aria-label="Milestone timeline for {_e(goal.title)}">',
             f'<line x1="{LEFT}" x2="{WIDTH - RIGHT - 160}" y1="20" y2="20" '
             'stroke="#9aa5b1"/>',
             f'<line x1="{x(today):.1f}" x2="{x(today):.1f}" y1="8" y2="{height - 4}" '
             f'stroke="#1f2933" stroke-width="0.5"/><text x="{x(today) + 4:.1f}" y="12">'
             "today</text>"]
    for row, m in enumerate(goal.milestones):
        if m.due is None:
            continue
        cx, cy = x(m.due), 38 + 18 * row
        # labels in the right half grow leftwards, so long titles stay inside the chart
        right = cx > (LEFT + WIDTH - RIGHT - 160) / 2
        label = (f'x="{cx - 10:.1f}" text-anchor="end"' if right else f'x="{cx + 10:.1f}"')
        parts.append(f'<polygon points="{cx:.1f},{cy - 6} {cx + 6:.1f},{cy} {cx:.1f},{cy + 6} '
                     f'{cx - 6:.1f},{cy}" fill="{colour[m.status]}"/>'
                     f'<line x1="{cx:.1f}" x2="{cx:.1f}" y1="20" y2="{cy - 6}" '
                     'stroke="#d9e2ec"/>'
                     f'<text {label} y="{cy + 4}">{_e(m.title)} · '
                     f"{_e(m.due.isoformat())} · {m.progress:.0%}</text>")
    parts.append("</svg>")
    return "".join(parts)
