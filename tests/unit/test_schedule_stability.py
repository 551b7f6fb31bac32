"""A re-plan moves only the blocks it must: a person who works on goals before the day
job and in the evening, whose calendar already holds last week's plan."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from syncer.core.model import Block, BusyTime, Goal, Interval, Milestone, Plan, Step
from syncer.core.schedule import SchedulingRules, schedule

BERLIN = ZoneInfo("Europe/Berlin")
EVERY_DAY = ["07:00-08:30", "19:00-21:00"]  # before the day job, after dinner
RULES = SchedulingRules.from_mapping({
    "windows": dict.fromkeys(("mon", "tue", "wed", "thu", "fri", "sat", "sun"), EVERY_DAY),
    "daily_cap": "3h", "buffer": "15m", "min_block": "30m", "max_block": "2h"})
MONDAY = datetime(2027, 1, 11, 6, 0, tzinfo=BERLIN)


def at(day: int, clock: str) -> datetime:
    hour, minute = map(int, clock.split(":"))
    return MONDAY.replace(hour=hour, minute=minute) + timedelta(days=day)


def job_hunt(cv: int = 120) -> Plan:
    steps = (
        Step("job/apply/cv", "cv", "Rewrite the CV", "job", "apply", estimate_minutes=cv),
        Step("job/apply/referees", "referees", "Ask two referees", "job", "apply",
             estimate_minutes=30, after=("job/apply/cv",)),
        Step("job/apply/send", "send", "Send three applications", "job", "apply",
             estimate_minutes=180, after=("job/apply/referees",)),
        Step("job/apply/portfolio", "portfolio", "Update the portfolio site", "job",
             "apply", estimate_minutes=90),
    )
    goal = Goal("job", "job", "Move to a product role", priority=2, milestones=(
        Milestone("job/apply", "apply", "Applications out", "job", due=date(2027, 2, 26),
                  steps=steps),))
    return Plan("goals.yaml", "Europe/Berlin", (goal,))


# the calendar as last week's sync left it
BOOKED = (
    Block("job/apply/cv", at(0, "19:00"), at(0, "21:00"), uid="cv-0"),
    Block("job/apply/referees", at(1, "07:00"), at(1, "07:30"), uid="referees-0"),
    Block("job/apply/portfolio", at(1, "19:00"), at(1, "20:30"), uid="portfolio-0"),
    Block("job/apply/send", at(4, "19:00"), at(4, "21:00"), uid="send-0"),
    Block("job/apply/send", at(5, "07:00"), at(5, "08:00"), uid="send-1"),
)


def _kept(result_blocks: tuple[Block, ...]) -> set[tuple[str, datetime, datetime]]:
    return {(b.step, b.start, b.end) for b in result_blocks}


def _future(blocks: tuple[Block, ...] | list[Block], now: datetime,
            ) -> set[tuple[str, datetime, datetime]]:
    return {(b.step, b.start, b.end) for b in blocks if b.start >= now}


def test_with_nothing_changed_every_block_stays() -> None:
    result = schedule(job_hunt(), RULES, now=MONDAY, existing=BOOKED)
    assert _kept(result.blocks) == _kept(BOOKED)
    assert {b.uid for b in result.blocks} == {b.uid for b in BOOKED}


def test_a_missed_evening_is_booked_before_the_steps_waiting_for_it() -> None:
    """Monday evening's CV session did not happen (the step is still open). Its two
    hours go before Tuesday's referee request if they fit; the applications booked for
    Friday and Saturday stay where they are."""
    tuesday = at(1, "06:00")
    result = schedule(job_hunt(), RULES, now=tuesday, existing=BOOKED)
    assert [b.step for b in result.missed] == ["job/apply/cv"]
    later = _future(BOOKED, at(1, "08:30"))
    assert later - {k for k in later if k[0] in ("job/apply/referees",)} <= _kept(
        result.blocks)
    cv = [b for b in result.blocks if b.step == "job/apply/cv"]
    assert sum(b.minutes for b in cv) == 120
    referees = [b for b in result.blocks if b.step == "job/apply/referees"]
    assert max(b.end for b in cv) <= min(b.start for b in referees)
    sends = [b for b in result.blocks if b.step == "job/apply/send"]
    assert {(b.start, b.end) for b in sends} == {(at(4, "19:00"), at(4, "21:00")),
                                                 (at(5, "07:00"), at(5, "08:00"))}


def test_a_longer_estimate_adds_one_block_and_moves_nothing_else() -> None:
    result = schedule(job_hunt(cv=150), RULES, now=MONDAY, existing=BOOKED)
    assert _kept(BOOKED) <= _kept(result.blocks)
    extra = _kept(result.blocks) - _kept(BOOKED)
    assert [(k[0], (k[2] - k[1]).seconds // 60) for k in extra] == [("job/apply/cv", 30)]
    (cv_extra,) = extra
    assert cv_extra[2] <= at(1, "07:00") - timedelta(minutes=15)  # before the referees


def test_a_new_meeting_moves_only_the_block_it_lands_on() -> None:
    dentist = BusyTime((Interval(at(1, "19:30"), at(1, "20:30")),))
    result = schedule(job_hunt(), RULES, now=MONDAY, busy=dentist, existing=BOOKED)
    moved = _kept(BOOKED) - _kept(result.blocks)
    assert {k[0] for k in moved} == {"job/apply/portfolio"}
    assert _kept(BOOKED) - moved <= _kept(result.blocks)
    assert sum(b.minutes for b in result.blocks if b.step == "job/apply/portfolio") == 90


def test_a_completed_step_frees_its_blocks_and_nothing_else_moves() -> None:
    result = schedule(job_hunt(), RULES, now=MONDAY, existing=BOOKED,
                      done={"job/apply/portfolio"})
    assert _kept(result.blocks) == _kept(BOOKED) - {
        ("job/apply/portfolio", at(1, "19:00"), at(1, "20:30"))}


def test_when_the_extra_time_cannot_go_first_only_the_blocks_it_overtakes_move() -> None:
    """The CV needs 2h30 more than planned, and that cannot fit before Tuesday's
    referee request: the CV's time is booked as early as it fits, the referee request
    moves after it, and the applications booked for Friday and Saturday stay."""
    result = schedule(job_hunt(cv=270), RULES, now=MONDAY, existing=BOOKED)
    cv_end = max(b.end for b in result.blocks if b.step == "job/apply/cv")
    assert sum(b.minutes for b in result.blocks if b.step == "job/apply/cv") == 270
    referees = [b for b in result.blocks if b.step == "job/apply/referees"]
    assert min(b.start for b in referees) >= cv_end
    assert {(b.start, b.end) for b in result.blocks if b.step == "job/apply/send"} == {
        (at(4, "19:00"), at(4, "21:00")), (at(5, "07:00"), at(5, "08:00"))}
    assert ("job/apply/portfolio", at(1, "19:00"), at(1, "20:30")) in _kept(result.blocks)
