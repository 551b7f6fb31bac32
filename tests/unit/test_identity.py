"""syncer.core.identity: keys, UIDs and markers are built and read in one place, and
ownership cannot confuse plan `career` with plan `career-2027`."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from syncer.core.identity import (
    belongs_to,
    block_index,
    block_uid,
    habit_key,
    habit_of,
    marker,
    parse_marker,
    step_key,
    task_uid,
)
from syncer.core.values import RemoteBlock, RemoteTask

T = datetime(2026, 11, 23, 9, tzinfo=UTC)
IDS = st.from_regex(r"[a-z0-9][a-z0-9_-]{0,12}", fullmatch=True)


def block(uid: str, key: str = "pmp/course/research", plan: str | None = None) -> RemoteBlock:
    return RemoteBlock(uid, key, "Research", T, T, None, plan)


def todo(uid: str, key: str = "pmp/course", plan: str | None = None) -> RemoteTask:
    return RemoteTask(key, uid, "milestone", "Course", plan_id=plan)


def test_a_prefix_of_a_plan_id_does_not_own_its_objects() -> None:
    theirs = block_uid("pmp/course/research", 0, "career-2027")
    assert theirs.startswith("goalsync-career-")  # why a prefix match went wrong
    for named in (None, "career-2027"):
        assert belongs_to("career-2027", block(theirs, plan=named))
        assert not belongs_to("career", block(theirs, plan=named))
    task = task_uid("career-2027", "pmp/course")
    assert belongs_to("career-2027", todo(task)) and not belongs_to("career", todo(task))
    assert not belongs_to("career", todo(task_uid("career-2027", "pmp/course", 3)))


def test_a_goal_id_that_makes_the_uids_equal_is_told_apart_by_the_key() -> None:
    # plan `career`, goal `2027-pmp` writes the same UID text as plan `career-2027`, goal `pmp`
    uid = block_uid("2027-pmp/course/research", 0, "career")
    assert uid == block_uid("pmp/course/research", 0, "career-2027")
    assert belongs_to("career", block(uid, key="2027-pmp/course/research"))
    assert not belongs_to("career-2027", block(uid, key="2027-pmp/course/research"))
    assert belongs_to("career-2027", block(uid, key="pmp/course/research"))


def test_the_plan_an_object_names_wins_and_must_fit_its_uid() -> None:
    uid = block_uid("pmp/course/research", 2, "career")
    assert not belongs_to("career", block(uid, plan="other"))
    assert not belongs_to("other", block(uid, plan="other"))  # a copied property
    assert belongs_to("career", RemoteTask("pmp", "6Jf8", "goal", "G", plan_id="career"))
    assert not belongs_to("career", RemoteTask("pmp", "6Jf8", "goal", "G"))  # names nothing


def test_an_object_a_client_stripped_is_ours_only_on_record() -> None:
    uid = block_uid("pmp/course/research", 1, "career")
    stripped = block(uid, key="")
    assert not belongs_to("career", stripped)
    assert belongs_to("career", stripped, linked={uid})
    assert not belongs_to("career", block("some-user-event@example.org"))


@given(IDS, IDS, st.lists(IDS, min_size=1, max_size=3), st.integers(0, 10**6))
def test_ownership_is_exact_for_any_two_plan_ids(a: str, b: str, key_parts: list[str],
                                                 n: int) -> None:
    key = "/".join(key_parts)
    uid = block_uid(key, n, a)
    assert belongs_to(a, block(uid, key=key))
    assert belongs_to(b, block(uid, key=key)) == (a == b)
    assert block_index(uid) == n


def test_keys_and_markers_round_trip() -> None:
    assert step_key("pmp", "course", "research") == "pmp/course/research"
    assert habit_of(habit_key("pmp", "study")) == ("pmp", "study")
    assert habit_of("pmp/course") is None
    line = marker("career-2027", "step", "pmp/course/research")
    assert parse_marker(f"notes\n\n{line}\nmine") == (
        "career-2027", "step", "pmp/course/research", "notes\n\nmine")


@pytest.mark.parametrize("text", ["", "goalsync:", "goalsync:a:b", "goalsync:a:planet:x"])
def test_what_is_not_a_marker_is_nobodys(text: str) -> None:
    assert parse_marker(text) is None
