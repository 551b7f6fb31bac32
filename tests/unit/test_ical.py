"""syncer.ical: block and task bodies round-trip; busy time expands recurrence."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest

from syncer.backends.base import BlockSpec, TaskSpec
from syncer.core.identity import split_note as split_marker
from syncer.ical import (
    block_from_event,
    block_uid,
    blocks_from_ics,
    busy_from_ics,
    calendar_ics,
    event_ics,
    find_todo,
    object_ics,
    parse_ics,
    priority_from_ical,
    priority_to_ical,
    task_from_todo,
    task_uid,
    todo_from_spec,
    todo_ics,
    update_todo,
)

BERLIN = ZoneInfo("Europe/Berlin")


def spec(uid_index: int = 1, **over: object) -> BlockSpec:
    values: dict[str, object] = dict(
        uid=block_uid("pmp/course/research", uid_index, "plan"),
        key="pmp/course/research",
        title="Research PMP courses",
        start=datetime(2027, 3, 1, 9, tzinfo=BERLIN),
        end=datetime(2027, 3, 1, 11, tzinfo=BERLIN),
        goal_id="pmp",
        milestone_id="course",
        description="Specific: obtain the PMP",
        timezone="Europe/Berlin",
    )
    values.update(over)
    return BlockSpec(**values)  # type: ignore[arg-type]


def test_block_uid_has_no_slash_or_plus_and_names_plan_key_and_index() -> None:
    uid = block_uid("pmp/habit:study+x", 3, "my plan")
    assert "/" not in uid and "+" not in uid and " " not in uid
    assert uid == "goalsync-my.plan-pmp.habit.study.x-3@goalsync"


def test_task_uid_never_equals_a_block_uid() -> None:
    assert task_uid("plan", "a/b-1") != block_uid("a/b", 1, "plan")


def test_block_event_carries_zone_marker_properties_and_no_attendees() -> None:
    text = event_ics(spec()).decode()
    assert "DTSTART;TZID=Europe/Berlin:20270301T090000" in text
    assert "BEGIN:VTIMEZONE" in text
    for needle in ("TRANSP:OPAQUE", "CATEGORIES:goalsync", "X-GOALSYNC-KEY:pmp/course/research",
                   "X-GOALSYNC-GOAL:pmp", "X-GOALSYNC-MILESTONE:course",
                   "X-GOALSYNC-STEP:research", "X-GOALSYNC-PLAN:plan", "DTSTAMP:"):
        assert needle in text
    assert "ATTENDEE" not in text and "ORGANIZER" not in text


def test_the_review_block_has_no_empty_property() -> None:
    """Cyrus (Fastmail) refuses an empty property value with 403
    (CALDAV:valid-calendar-data); the review block belongs to no goal."""
    text = event_ics(spec(key="review:weekly", goal_id="", milestone_id=None,
                          title="Weekly review")).decode()
    lines = text.replace("\r\n ", "").split("\r\n")
    assert [ln for ln in lines if ln.endswith(":")] == []
    assert "X-GOALSYNC-KEY:review:weekly" in text and "X-GOALSYNC-GOAL" not in text


def test_habit_block_names_its_habit() -> None:
    text = event_ics(spec(key="pmp/habit:study", milestone_id=None)).decode()
    assert "X-GOALSYNC-HABIT:study" in text and "X-GOALSYNC-STEP" not in text


def test_block_round_trips_through_ics() -> None:
    (block,) = blocks_from_ics(event_ics(spec()), etag='"e1"')
    assert block.uid == spec().uid
    assert block.key == "pmp/course/research"
    assert block.start == spec().start and block.end == spec().end
    assert block.etag == '"e1"'


def test_utc_block_is_written_in_utc() -> None:
    text = event_ics(spec(timezone="UTC")).decode()
    assert "DTSTART:20270301T080000Z" in text
    assert "VTIMEZONE" not in text


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError):
        event_ics(spec(start=datetime(2027, 3, 1, 9), end=datetime(2027, 3, 1, 10)))


def test_calendar_ics_holds_every_block_and_parses() -> None:
    cal = parse_ics(calendar_ics([spec(i) for i in range(1, 4)]))
    assert len(list(cal.walk("VEVENT"))) == 3
    assert len(list(cal.walk("VTIMEZONE"))) == 1


def test_foreign_event_is_not_a_block_even_with_goalsync_properties() -> None:
    event = icalendar.Event()
    event.add("UID", "copy-made-by-an-app@example.org")
    event.add("DTSTART", datetime(2027, 3, 1, 9, tzinfo=UTC))
    event.add("X-GOALSYNC-KEY", "pmp/course/research")
    assert block_from_event(event) is None


FOREIGN = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//test//EN
BEGIN:VEVENT
UID:weekly@example.org
DTSTAMP:20270101T000000Z
DTSTART;TZID=Europe/Berlin:20270301T100000
DTEND;TZID=Europe/Berlin:20270301T110000
RRULE:FREQ=WEEKLY;COUNT=4
EXDATE;TZID=Europe/Berlin:20270308T100000
SUMMARY:Team meeting
END:VEVENT
BEGIN:VEVENT
UID:weekly@example.org
DTSTAMP:20270101T000000Z
RECURRENCE-ID;TZID=Europe/Berlin:20270315T100000
DTSTART;TZID=Europe/Berlin:20270315T140000
DTEND;TZID=Europe/Berlin:20270315T150000
SUMMARY:Team meeting (moved)
END:VEVENT
BEGIN:VEVENT
UID:free@example.org
DTSTAMP:20270101T000000Z
DTSTART:20270302T100000Z
DTEND:20270302T110000Z
TRANSP:TRANSPARENT
SUMMARY:Reminder
END:VEVENT
BEGIN:VEVENT
UID:cancelled@example.org
DTSTAMP:20270101T000000Z
DTSTART:20270303T100000Z
DTEND:20270303T110000Z
STATUS:CANCELLED
END:VEVENT
BEGIN:VEVENT
UID:holiday@example.org
DTSTAMP:20270101T000000Z
DTSTART;VALUE=DATE:20270304
DTEND;VALUE=DATE:20270305
SUMMARY:Holiday
END:VEVENT
BEGIN:VEVENT
UID:floating@example.org
DTSTAMP:20270101T000000Z
DTSTART:20270305T090000
DTEND:20270305T093000
END:VEVENT
END:VCALENDAR
"""


def test_busy_expands_recurrence_exdate_and_overrides() -> None:
    busy = busy_from_ics(FOREIGN.encode(), datetime(2027, 3, 1, tzinfo=UTC),
                         datetime(2027, 4, 1, tzinfo=UTC))
    starts = [i.start.astimezone(BERLIN).replace(tzinfo=None) for i in busy.intervals]
    assert datetime(2027, 3, 1, 10) in starts
    assert datetime(2027, 3, 8, 10) not in starts  # EXDATE
    assert datetime(2027, 3, 15, 14) in starts  # overridden instance
    assert datetime(2027, 3, 15, 10) not in starts
    assert datetime(2027, 3, 22, 10) in starts


def test_busy_skips_transparent_and_cancelled_and_separates_all_day() -> None:
    busy = busy_from_ics(FOREIGN.encode(), datetime(2027, 3, 1, tzinfo=UTC),
                         datetime(2027, 4, 1, tzinfo=UTC))
    days = {i.start.date() for i in busy.intervals}
    assert date(2027, 3, 2) not in days and date(2027, 3, 3) not in days
    assert [(i.start, i.end) for i in busy.all_day] == [
        (datetime(2027, 3, 4, tzinfo=UTC), datetime(2027, 3, 5, tzinfo=UTC))]


def test_floating_times_are_read_in_utc_unless_told() -> None:
    window = (datetime(2027, 3, 5, tzinfo=UTC), datetime(2027, 3, 6, tzinfo=UTC))
    (utc,) = busy_from_ics(FOREIGN.encode(), *window).intervals
    assert utc.start == datetime(2027, 3, 5, 9, tzinfo=UTC)
    (local,) = busy_from_ics(FOREIGN.encode(), *window, floating_tz=BERLIN).intervals
    assert local.start == datetime(2027, 3, 5, 9, tzinfo=BERLIN)


def test_busy_ignores_goalsync_blocks() -> None:
    busy = busy_from_ics(event_ics(spec()), datetime(2027, 3, 1, tzinfo=UTC),
                         datetime(2027, 3, 2, tzinfo=UTC))
    assert busy.intervals == ()


def task(**over: object) -> TaskSpec:
    values: dict[str, object] = dict(
        key="pmp/course/research", kind="step", title="Research PMP courses",
        goal_id="pmp", goal_title="Become a PM", description="Why: the PMP",
        milestone_id="course", due=date(2027, 3, 5), deadline=date(2027, 3, 31),
        duration_minutes=120, priority=2, labels=("career",),
    )
    values.update(over)
    return TaskSpec(**values)  # type: ignore[arg-type]


def test_task_round_trips_through_a_vtodo() -> None:
    data = todo_ics(todo_from_spec(task()))
    remote = task_from_todo(find_todo(parse_ics(data)), "r1", '"e"')  # type: ignore[arg-type]
    assert remote is not None
    assert (remote.key, remote.title, remote.description) == (
        "pmp/course/research", "Research PMP courses", "Why: the PMP")
    assert remote.due == date(2027, 3, 5) and remote.deadline == date(2027, 3, 31)
    assert remote.priority == 2 and remote.labels == ("career",)
    assert remote.duration_minutes == 120 and not remote.completed
    text = data.decode()
    assert "RELATED-TO;RELTYPE=PARENT:goalsync-plan-pmp.course@goalsync-task" in text
    assert "PRIORITY:5" in text and "goalsync: pmp/course/research" in text


def test_habit_carries_its_rrule() -> None:
    data = todo_ics(todo_from_spec(task(kind="habit", recurrence="FREQ=WEEKLY;BYDAY=MO,WE")))
    assert "RRULE:FREQ=WEEKLY;BYDAY=MO,WE" in data.decode()


def habit(**over: object) -> TaskSpec:
    values: dict[str, object] = dict(
        key="pmp/habit:study", kind="habit", recurrence="FREQ=WEEKLY;BYDAY=MO,WE",
        due=date(2027, 3, 8), deadline=None, milestone_id=None)
    return task(**{**values, **over})


def test_a_habit_is_anchored_at_its_next_occurrence() -> None:
    text = todo_ics(todo_from_spec(habit())).decode()
    assert "DTSTART;VALUE=DATE:20270308" in text and "DUE;VALUE=DATE:20270308" in text
    without_due = todo_ics(todo_from_spec(habit(due=None))).decode()
    assert "DTSTART;VALUE=DATE:" in without_due and "DUE;VALUE=DATE:" in without_due
    assert not [line for line in text.splitlines() if line.endswith(":")]  # no empty values


def test_a_ticked_habit_is_never_done() -> None:
    advanced = todo_from_spec(habit())
    advanced.add("COMPLETED", datetime(2027, 3, 8, 12, tzinfo=UTC))  # stale, still open
    remote = task_from_todo(advanced, "r1")
    assert remote is not None and not remote.completed and remote.due == date(2027, 3, 8)
    series_done = todo_from_spec(habit())
    series_done["STATUS"] = "COMPLETED"
    remote = task_from_todo(series_done, "r1")
    assert remote is not None and not remote.completed and remote.due is None
    old = todo_from_spec(habit())  # as goalsync wrote habits before: no DTSTART/DUE
    old.pop("DTSTART")
    old.pop("DUE")
    remote = task_from_todo(old, "r1")
    assert remote is not None and remote.due is None  # so the next sync anchors it


def test_writing_the_due_date_reopens_a_habit_marked_done() -> None:
    todo = todo_from_spec(habit())
    for name, value in (("STATUS", "COMPLETED"), ("PERCENT-COMPLETE", 100),
                        ("COMPLETED", datetime(2027, 3, 8, 12, tzinfo=UTC))):
        todo.pop(name, None)
        todo.add(name, value)
    update_todo(todo, habit(due=date(2027, 3, 10)), {"due"})
    assert str(todo["STATUS"]) == "NEEDS-ACTION" and "COMPLETED" not in todo
    assert todo.decoded("DTSTART") == todo.decoded("DUE") == date(2027, 3, 10)
    update_todo(todo, habit(due=date(2027, 3, 15)), {"title", "deadline"})
    assert todo.decoded("DUE") == date(2027, 3, 10)  # the app advances it, not goalsync


def test_an_update_keeps_the_overrides_an_app_wrote() -> None:
    cal = parse_ics(todo_ics(todo_from_spec(habit())))
    override = icalendar.Todo()
    override.add("UID", str(find_todo(cal)["UID"]))  # type: ignore[index]
    override.add("RECURRENCE-ID", date(2027, 3, 8))
    override.add("STATUS", "COMPLETED")
    cal.add_component(override)
    update_todo(find_todo(cal), habit(title="Study"), {"title"})  # type: ignore[arg-type]
    again = parse_ics(object_ics(cal))
    assert len(again.walk("VTODO")) == 2
    assert str(find_todo(again)["SUMMARY"]) == "Study"  # type: ignore[index]


def test_completion_is_read_from_status_or_completed() -> None:
    todo = todo_from_spec(task())
    todo["STATUS"] = "COMPLETED"
    done_at = datetime(2027, 3, 4, 12, tzinfo=UTC)
    todo.add("COMPLETED", done_at)
    remote = task_from_todo(todo, "r1")
    assert remote is not None and remote.completed and remote.completed_at == done_at
    only_status = todo_from_spec(task())
    only_status["STATUS"] = "COMPLETED"
    remote = task_from_todo(only_status, "r1")
    assert remote is not None and remote.completed and remote.completed_at is not None


def test_update_todo_keeps_what_the_user_set() -> None:
    todo = todo_from_spec(task())
    todo["STATUS"] = "COMPLETED"
    update_todo(todo, task(title="New title", priority=1), {"title"})
    remote = task_from_todo(todo, "r1")
    assert remote is not None
    assert remote.title == "New title" and remote.completed and remote.priority == 2


@pytest.mark.parametrize(("ours", "ical"), [(1, 1), (2, 5), (3, 9), (4, 0)])
def test_priority_maps_both_ways(ours: int, ical: int) -> None:
    assert priority_to_ical(ours) == ical
    assert priority_from_ical(ical) == ours


def test_marker_line_is_found_and_removed() -> None:
    assert split_marker("text\n\ngoalsync: a/b (managed by goalsync; keep this line)") == (
        "text", "a/b")
    assert split_marker("no marker") == ("no marker", None)


def test_dtstamp_defaults_to_now() -> None:
    before = datetime.now(UTC) - timedelta(seconds=2)
    event = parse_ics(event_ics(spec())).walk("VEVENT")[0]
    assert event.decoded("DTSTAMP") >= before


BROKEN = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//test//EN
BEGIN:VEVENT
UID:bad-rule@example.org
DTSTAMP:20270101T000000Z
DTSTART:20270301T100000Z
DTEND:20270301T110000Z
RRULE:FREQ=SOMETIMES
END:VEVENT
BEGIN:VEVENT
UID:no-start@example.org
DTSTAMP:20270101T000000Z
SUMMARY:No start
END:VEVENT
BEGIN:VEVENT
UID:fine@example.org
DTSTAMP:20270101T000000Z
DTSTART:20270302T100000Z
DTEND:20270302T110000Z
END:VEVENT
END:VCALENDAR
"""


def test_broken_foreign_events_do_not_stop_busy_time() -> None:
    busy = busy_from_ics(BROKEN.encode(), datetime(2027, 3, 1, tzinfo=UTC),
                         datetime(2027, 3, 8, tzinfo=UTC))
    assert datetime(2027, 3, 2, 10, tzinfo=UTC) in [i.start for i in busy.intervals]


def test_a_deadline_shown_as_due_reads_back_as_no_due_date() -> None:
    todo = todo_from_spec(task(due=None, deadline=date(2027, 3, 31)))
    assert todo.decoded("DUE") == date(2027, 3, 31)  # the app shows when it must be done
    remote = task_from_todo(todo, "r1")
    assert remote is not None and remote.due is None and remote.deadline == date(2027, 3, 31)
    todo.pop("DUE")
    todo.add("DUE", date(2027, 3, 20))  # the user picked a day in their app
    remote = task_from_todo(todo, "r1")
    assert remote is not None and remote.due == date(2027, 3, 20)


def test_an_unreadable_goalsync_event_is_an_error_not_a_missing_block() -> None:
    broken = event_ics(spec()).replace(b"DTSTART;TZID=Europe/Berlin:20270301T090000",
                                       b"DTSTART;TZID=Europe/Berlin:tomorrow-ish")
    with pytest.raises(ValueError):
        blocks_from_ics(broken)
    with pytest.raises(ValueError):
        parse_ics(b"garbage")


def test_task_uid_generations_are_distinct_and_deterministic() -> None:
    uids = [task_uid("plan", "pmp/course~x", g) for g in (1, 2, 3)]
    assert len(set(uids)) == 3 and uids == [task_uid("plan", "pmp/course~x", g)
                                             for g in (1, 2, 3)]
    assert uids[1] == "goalsync-plan-pmp.course.x~2@goalsync-task"


def test_recurring_busy_time_keeps_its_wall_time_across_daylight_saving() -> None:
    weekly = FOREIGN.replace("20270301T", "20270322T").replace("COUNT=4", "COUNT=3")
    weekly = weekly.replace("EXDATE;TZID=Europe/Berlin:20270308T100000\n", "")
    busy = busy_from_ics(weekly.encode(), datetime(2027, 3, 21, tzinfo=UTC),
                         datetime(2027, 4, 6, tzinfo=UTC))
    meetings = [i.start for i in busy.intervals if i.start.astimezone(BERLIN).hour == 10]
    assert [m.astimezone(UTC).hour for m in meetings] == [9, 8, 8]  # CET, then CEST


def test_only_a_step_points_at_a_parent_and_goals_are_a_category() -> None:
    milestone = todo_ics(todo_from_spec(task(key="pmp/course", kind="milestone"))).decode()
    assert "RELATED-TO" not in milestone  # no goal to-do exists to point at
    assert "CATEGORIES:goalsync,Become a PM,career" in milestone
    assert "RELATED-TO" not in todo_ics(todo_from_spec(habit())).decode()
    step = todo_from_spec(task(), parent_uid=lambda spec, key: None)  # parent not there
    assert "RELATED-TO" not in step
    remote = task_from_todo(step, "r1")
    assert remote is not None and remote.labels == ("career",)
    same = task_from_todo(todo_from_spec(task(labels=("Become a PM",))), "r1")
    assert same is not None and same.labels == ("Become a PM",)


def test_an_update_drops_a_dangling_goal_link_but_keeps_the_users() -> None:
    old = todo_from_spec(task(key="pmp/course", kind="milestone"))
    old.add("RELATED-TO", "goalsync-plan-pmp@goalsync-task", parameters={"RELTYPE": "PARENT"})
    update_todo(old, task(key="pmp/course", kind="milestone", title="X"), {"title"})
    assert "RELATED-TO" not in old
    step = todo_from_spec(task())
    step.pop("RELATED-TO")
    step.add("RELATED-TO", "my-own-project@example.org", parameters={"RELTYPE": "PARENT"})
    update_todo(step, task(title="Y"), {"title"})
    assert str(step["RELATED-TO"]) == "my-own-project@example.org"


def test_only_todos_in_an_older_shape_read_as_outdated() -> None:
    for spec in (task(), task(key="pmp/course", kind="milestone"), habit(),
                 task(labels=("Become a PM",)), task(goal_title="goalsync")):
        remote = task_from_todo(todo_from_spec(spec), "r1")
        assert remote is not None and not remote.outdated
    dangling = todo_from_spec(task(key="pmp/course", kind="milestone"))
    dangling.add("RELATED-TO", "goalsync-plan-pmp@goalsync-task")
    no_group = todo_from_spec(task())
    no_group.pop("X-GOALSYNC-GROUP")
    no_group.pop("CATEGORIES")
    no_group.add("CATEGORIES", ["goalsync", "career"])
    for todo in (dangling, no_group):
        remote = task_from_todo(todo, "r1")
        assert remote is not None and remote.outdated
