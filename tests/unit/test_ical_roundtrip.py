"""Property: whatever block or task goalsync writes reads back the same."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from syncer.backends.base import BlockSpec, TaskSpec
from syncer.ical import (
    block_uid,
    blocks_from_ics,
    calendar_ics,
    event_ics,
    find_todo,
    parse_ics,
    task_from_todo,
    todo_from_spec,
    todo_ics,
)
from tests.helpers.ical_check import assert_valid, problems

ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata",
         "America/St_Johns", "Pacific/Chatham"]
# The icalendar library (7.x) reads a literal backslash-N in a value as a newline (the escape
# RFC 5545 writes as \\n or \\N), so such text cannot round-trip; it is left out here.
text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1,
               max_size=300).filter(lambda t: "\\N" not in t)
multiline = st.text(st.characters(blacklist_categories=("Cs", "Cc"))
                    | st.sampled_from(["\n", "\t"]), max_size=500).filter(
                        lambda t: "\\N" not in t)
keys = st.from_regex(r"[a-z0-9][a-z0-9_-]{0,12}(/[a-z0-9][a-z0-9_-]{0,12}){0,2}", fullmatch=True)
instants = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2036, 12, 31),
                        timezones=st.just(UTC))


@settings(max_examples=150, deadline=None)
@given(key=keys, index=st.integers(0, 10_000), title=text, description=multiline,
       start=instants, minutes=st.integers(5, 600), zone=st.sampled_from(ZONES))
def test_block_round_trips(key: str, index: int, title: str, description: str,
                           start: datetime, minutes: int, zone: str) -> None:
    spec = BlockSpec(uid=block_uid(key, index, "plan"), key=key, title=title,
                     start=start.replace(second=0, microsecond=0),
                     end=start.replace(second=0, microsecond=0) + timedelta(minutes=minutes),
                     goal_id="g", description=description, timezone=zone)
    body = event_ics(spec)
    assert_valid(body)
    (block,) = blocks_from_ics(body)
    assert (block.uid, block.key, block.title) == (spec.uid, spec.key, spec.title)
    assert block.start == spec.start and block.end == spec.end
    assert "/" not in block.uid and "+" not in block.uid


@settings(max_examples=150, deadline=None)
@given(key=keys, title=text, description=multiline, priority=st.integers(1, 4),
       due=st.none() | st.dates(date(2025, 1, 1), date(2036, 12, 31)),
       labels=st.lists(st.from_regex(r"[a-z][a-z0-9-]{0,10}", fullmatch=True), max_size=3))
def test_task_round_trips(key: str, title: str, description: str, priority: int,
                          due: date | None, labels: list[str]) -> None:
    spec = TaskSpec(key=key, kind="step", title=title, goal_id="g", goal_title="G",
                    description=description, due=due, priority=priority,
                    labels=tuple(labels))
    body = todo_ics(todo_from_spec(spec))
    assert_valid(body)
    todo = find_todo(parse_ics(body))
    assert todo is not None
    task = task_from_todo(todo, "id")
    assert task is not None
    assert (task.key, task.title, task.priority, task.due) == (key, title, priority, due)
    assert task.description == description
    assert task.labels == tuple(labels)


def test_a_block_in_a_zone_with_daylight_saving_keeps_its_wall_time() -> None:
    zone = ZoneInfo("Europe/Berlin")
    start = datetime(2030, 3, 31, 1, 30, tzinfo=zone)  # 30 minutes before the clocks jump
    end = (start.astimezone(UTC) + timedelta(hours=2)).astimezone(zone)  # two real hours
    spec = BlockSpec(uid=block_uid("a", 1, "p"), key="a", title="t", start=start,
                     end=end, goal_id="g", timezone="Europe/Berlin")
    (block,) = blocks_from_ics(event_ics(spec))
    assert block.end.astimezone(UTC) - block.start.astimezone(UTC) == timedelta(hours=2)
    assert "DTEND;TZID=Europe/Berlin:20300331T043000" in event_ics(spec).decode()


def test_every_body_of_the_example_plan_is_strictly_valid() -> None:
    """The blocks and to-dos `goalsync demo` writes for the shipped example, habits and
    the weekly review included (the review block belongs to no goal)."""
    from syncer.core.desired import desired_blocks, desired_tasks
    from syncer.core.schedule import schedule
    from syncer.planfile import load_plan
    from syncer.policy import load_rules

    plan = load_plan(Path(__file__).resolve().parents[2] / "examples" / "career.yaml")
    now = datetime(2026, 11, 23, 8, tzinfo=ZoneInfo(plan.timezone))
    rules = load_rules()
    planned = schedule(plan, rules.scheduling, now=now)
    uids = {(b.step, b.start): block_uid(b.step, i, plan.id)
            for i, b in enumerate(planned.blocks)}
    specs = desired_blocks(plan, planned, now, now + timedelta(days=14), uids)
    bodies = [event_ics(s) for s in specs] + [calendar_ics(specs)]  # + the .ics export
    bodies += [todo_ics(todo_from_spec(s)) for s in desired_tasks(plan, planned, now)]
    assert len(bodies) > 20
    assert {b: problems(b) for b in bodies if problems(b)} == {}


def test_the_checker_finds_what_servers_refuse() -> None:
    body = (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:a\r\n"
            b"DTSTAMP:20300101T000000Z\r\nDTSTART;TZID=Mars/Base:20300101T090000\r\n"
            b"X-GOALSYNC-GOAL:\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    assert problems(body) == ["VEVENT has an empty X-GOALSYNC-GOAL",
                              "TZID Mars/Base has no VTIMEZONE"]
