"""Hand-built plans for the sync engine's tests (no parser needed)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from syncer.core.model import Goal, Habit, Measurable, Milestone, Plan, Step

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # a Monday


def step(sid: str, title: str, estimate: int | None = 120, **kw: object) -> Step:
    return Step(key=f"pmp/course/{sid}", id=sid, title=title, goal_id="pmp",
                milestone_id="course", estimate_minutes=estimate, **kw)  # type: ignore[arg-type]


def make_plan(steps: tuple[Step, ...] | None = None, habits: tuple[Habit, ...] = (),
              due: date = date(2027, 3, 31)) -> Plan:
    if steps is None:
        steps = (step("research", "Research PMP courses", 120),
                 step("enroll", "Enroll in the course", 30, after=("pmp/course/research",)),
                 step("study", "Study chapters 1-4", 240, after=("pmp/course/enroll",)))
    milestone = Milestone(key="pmp/course", id="course", title="Complete a PMP course",
                          goal_id="pmp", due=due, steps=steps, celebrate="Dinner")
    goal = Goal(key="pmp", id="pmp", title="Become a certified project manager",
                specific="Obtain the PMP certification",
                measurable=Measurable("exam score", 80, "%"),
                achievable="10 hours a week", relevant="Lead the platform programme",
                deadline=date(2027, 6, 30), priority=2, milestones=(milestone,),
                habits=habits)
    return Plan(path="goals.yaml", timezone="UTC", goals=(goal,), id="career",
                reflection=("Am I learning?",))


def without_step(plan: Plan, sid: str) -> Plan:
    goal = plan.goals[0]
    milestone = goal.milestones[0]
    steps = tuple(s for s in milestone.steps if s.id != sid)
    return replace(plan, goals=(replace(goal, milestones=(replace(milestone, steps=steps),)),))


def hours(n: float) -> timedelta:
    return timedelta(hours=n)
