"""Pure Todoist mapping: marker, priority, dates, recurrence, uuids."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from syncer.backends.base import TaskSpec
from syncer.backends.todoist_mapping import (
    MappingError,
    api_priority,
    command_uuid,
    description_with_marker,
    due_object,
    field_args,
    parse_due,
    parse_marker,
    recurrence_string,
    remote_task,
)


def spec(**values: object) -> TaskSpec:
    fields: dict = dict(key="pmp/course/research", kind="step", title="Research",
                        goal_id="pmp", goal_title="PMP", plan_id="career")
    fields.update(values)
    return TaskSpec(**fields)


def test_marker_is_the_last_line_and_is_parsed_back() -> None:
    text = description_with_marker(spec(description="Why it matters"))
    assert text == "Why it matters\n\ngoalsync:career:step:pmp/course/research"
    assert parse_marker(text) == ("career", "step", "pmp/course/research", "Why it matters")


def test_marker_survives_a_note_the_user_appended() -> None:
    text = description_with_marker(spec(description="Why")) + "\nmy note"
    assert parse_marker(text) == ("career", "step", "pmp/course/research", "Why\n\nmy note")


def test_text_without_marker_is_not_owned() -> None:
    assert parse_marker("goalsync: a great tool") is None
    assert parse_marker("") is None


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200),
       st.from_regex(r"[a-z0-9][a-z0-9/:._-]{0,40}", fullmatch=True))
def test_any_description_and_key_round_trip(description: str, key: str) -> None:
    task = spec(description=description, key=key)
    owned = parse_marker(description_with_marker(task))
    assert owned is not None
    assert owned[2] == key
    assert owned[3] == description.strip("\n").rstrip()


def test_priority_is_inverted() -> None:
    assert [api_priority(p) for p in (1, 2, 3, 4)] == [4, 3, 2, 1]


def test_dates_and_times_go_out_as_date_or_utc() -> None:
    assert due_object(date(2026, 11, 23)) == {"date": "2026-11-23"}
    berlin = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    assert due_object(berlin) == {"date": "2026-11-23T09:00:00Z"}
    with pytest.raises(MappingError):
        due_object(datetime(2026, 11, 23, 10, 0))


def test_due_reads_back_dates_utc_and_floating_times() -> None:
    assert parse_due({"date": "2026-11-23"}) == date(2026, 11, 23)
    assert parse_due({"date": "2026-11-23T09:00:00Z"}) == datetime(2026, 11, 23, 9, tzinfo=UTC)
    fixed = parse_due({"date": "2026-11-23T09:00:00.000000Z", "timezone": "Europe/Berlin"})
    assert fixed == datetime(2026, 11, 23, 9, tzinfo=UTC)
    # floating: "timezone" is null and the wall time is the user's, wherever they are
    floating = parse_due({"date": "2026-11-23T10:00:00", "timezone": None},
                         ZoneInfo("Europe/Berlin"))
    assert floating == datetime(2026, 11, 23, 9, tzinfo=UTC)
    assert parse_due({"date": "2026-11-23T10:00:00"}) == datetime(2026, 11, 23, 10,
                                                                 tzinfo=UTC)
    assert parse_due(None) is None


@pytest.mark.parametrize(("rrule", "words"), [
    ("FREQ=WEEKLY;BYDAY=MO,WE,FR", "every mon, wed, fri"),
    ("FREQ=DAILY", "every day"),
    ("FREQ=WEEKLY", "every week"),
    ("FREQ=WEEKLY;INTERVAL=2", "every 2 weeks"),
    ("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", "every other tue"),
    ("FREQ=MONTHLY;BYMONTHDAY=1", "every 1st"),
    ("FREQ=YEARLY", "every year"),
])
def test_recurrence_becomes_todoist_words(rrule: str, words: str) -> None:
    assert recurrence_string(rrule) == words


@pytest.mark.parametrize("rrule", ["FREQ=HOURLY", "FREQ=WEEKLY;BYDAY=XX",
                                   "FREQ=WEEKLY;INTERVAL=3;BYDAY=MO"])
def test_unexpressible_recurrence_is_refused(rrule: str) -> None:
    with pytest.raises(MappingError):
        recurrence_string(rrule)


def test_update_args_cover_only_named_fields_and_clear_with_none() -> None:
    args = field_args(spec(due=None, priority=1), frozenset({"due", "priority"}))
    assert args == {"due": None, "priority": 4}


def test_command_uuid_depends_on_payload_only() -> None:
    a = command_uuid("career", "item_add", "k", {"content": "x"})
    assert a == command_uuid("career", "item_add", "k", {"content": "x"})
    assert a != command_uuid("career", "item_add", "k", {"content": "y"})
    assert a != command_uuid("other", "item_add", "k", {"content": "x"})


def test_item_json_becomes_a_remote_task() -> None:
    item = {"id": "6X", "content": "Research", "priority": 4, "checked": True,
            "description": description_with_marker(spec(description="d")),
            "labels": ["goalsync", "career"], "due": {"date": "2026-11-23"},
            "deadline": {"date": "2026-12-01"}, "duration": {"amount": 2, "unit": "day"},
            "completed_at": "2026-11-24T08:00:00.000000Z"}
    task = remote_task(item)
    assert task is not None
    assert (task.key, task.kind, task.priority, task.labels) == (
        "pmp/course/research", "step", 1, ("career",))
    assert (task.duration_minutes, task.deadline, task.completed) == (2880, date(2026, 12, 1),
                                                                       True)
    assert task.completed_at == datetime(2026, 11, 24, 8, tzinfo=UTC)
    assert remote_task({**item, "description": "mine"}) is None
