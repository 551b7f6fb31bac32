"""The contract every CalendarBackend must pass (vdirsyncer style).

Subclass ``CalendarBackendContract`` in a ``test_*.py`` module, provide the ``backend``
fixture (an empty calendar), and implement the two hooks that play "another client":
``add_foreign_event`` and ``move_remotely``. Uses only what base.CalendarBackend declares.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from syncer.backends.base import BlockSpec, CalendarBackend, NotFound, PreconditionFailed
from syncer.ical import block_uid

BERLIN = ZoneInfo("Europe/Berlin")
DAY = datetime(2030, 3, 4, tzinfo=BERLIN)  # a Monday, far from anyone's real data
WINDOW = (DAY - timedelta(days=1), DAY + timedelta(days=30))


def block(index: int = 1, key: str = "pmp/course/research", **over: Any) -> BlockSpec:
    start = DAY + timedelta(hours=9 + (index % 8), days=index // 8)
    values: dict[str, Any] = dict(
        uid=block_uid(key, index, "contract"),
        key=key,
        title=f"Research courses #{index}",
        start=start,
        end=start + timedelta(minutes=45),
        goal_id="pmp",
        milestone_id="course",
        description="Specific: obtain the PMP certification",
        timezone="Europe/Berlin",
        plan_id="contract",
    )
    values.update(over)
    return BlockSpec(**values)


class CalendarBackendContract:
    """Behaviour every calendar backend shares."""

    many = 150  # objects in the listing-completeness test; a slow server may lower it

    @pytest.fixture
    def backend(self) -> Any:
        raise NotImplementedError("the subclass provides an empty calendar backend")

    # -- hooks: what another client (the user's calendar app) does

    def add_foreign_event(self, backend: Any, start: datetime, end: datetime,
                          title: str) -> None:
        raise NotImplementedError

    def move_remotely(self, backend: Any, uid: str, start: datetime, end: datetime) -> None:
        raise NotImplementedError

    # -- the contract

    def test_is_a_calendar_backend_with_a_name(self, backend: Any) -> None:
        assert isinstance(backend, CalendarBackend)
        assert backend.name

    def test_without_a_token_blocks_since_says_list_again(self, backend: Any) -> None:
        assert backend.blocks_since(None, [], *WINDOW) is None

    def test_after_a_write_the_target_exists(self, backend: Any) -> None:
        backend.create(block())
        assert backend.target_missing() is False
        urls = backend.resolved_urls()
        assert urls is None or all(isinstance(v, str) for v in urls.values())

    def test_created_block_is_listed_with_its_times_and_etag(self, backend: Any) -> None:
        spec = block()
        etag = backend.create(spec)
        (listed,) = backend.list_blocks(*WINDOW)
        assert (listed.uid, listed.key, listed.title) == (spec.uid, spec.key, spec.title)
        assert listed.start == spec.start and listed.end == spec.end
        assert listed.etag == etag and etag

    def test_creating_an_existing_uid_fails_and_leaves_one_block(self, backend: Any) -> None:
        backend.create(block())
        with pytest.raises(PreconditionFailed):
            backend.create(block(title="A replayed create"))
        listed = backend.list_blocks(*WINDOW)
        assert [b.title for b in listed] == [block().title]

    def test_update_with_current_etag_replaces_the_block(self, backend: Any) -> None:
        etag = backend.create(block())
        moved = block(start=DAY + timedelta(hours=14), end=DAY + timedelta(hours=15),
                      title="Moved by the plan")
        new_etag = backend.update(moved, etag)
        (listed,) = backend.list_blocks(*WINDOW)
        assert (listed.title, listed.start, listed.etag) == (moved.title, moved.start, new_etag)
        assert new_etag != etag

    def test_update_with_stale_etag_raises_precondition_failed(self, backend: Any) -> None:
        stale = backend.create(block())
        backend.update(block(title="Changed once"), stale)
        with pytest.raises(PreconditionFailed):
            backend.update(block(title="Would clobber"), stale)
        (listed,) = backend.list_blocks(*WINDOW)
        assert listed.title == "Changed once"

    def test_update_of_a_missing_block_raises_not_found(self, backend: Any) -> None:
        with pytest.raises(NotFound):
            backend.update(block(), '"no-such-etag"')

    def test_delete_removes_the_block(self, backend: Any) -> None:
        etag = backend.create(block())
        backend.delete(block().uid, etag)
        assert backend.list_blocks(*WINDOW) == []

    def test_delete_of_a_missing_block_raises_not_found(self, backend: Any) -> None:
        with pytest.raises(NotFound):
            backend.delete(block().uid, None)

    def test_delete_with_stale_etag_raises_precondition_failed(self, backend: Any) -> None:
        stale = backend.create(block())
        backend.update(block(title="Changed"), stale)
        with pytest.raises(PreconditionFailed):
            backend.delete(block().uid, stale)
        assert len(backend.list_blocks(*WINDOW)) == 1

    @pytest.mark.parametrize("title", [
        "Lerne für die Prüfung – ünïcödé ✓ 🎯",
        "دراسة الفصل الأول",
        "Study " + "very " * 120 + "long title",
    ])
    def test_unicode_and_long_titles_round_trip(self, backend: Any, title: str) -> None:
        backend.create(block(title=title, description="Ziel: 🎯\n" + "x" * 2000))
        (listed,) = backend.list_blocks(*WINDOW)
        assert listed.title == title

    def test_listing_is_complete_across_many_blocks(self, backend: Any) -> None:
        specs = [block(i, key=f"pmp/course/step-{i % 7}") for i in range(self.many)]
        for spec in specs:
            backend.create(spec)
        listed = backend.list_blocks(*WINDOW)
        assert sorted(b.uid for b in listed) == sorted(s.uid for s in specs)

    def test_listing_only_returns_blocks_in_the_range(self, backend: Any) -> None:
        inside, outside = block(1), block(2, start=DAY + timedelta(days=60),
                                          end=DAY + timedelta(days=60, hours=1))
        backend.create(inside)
        backend.create(outside)
        assert [b.uid for b in backend.list_blocks(*WINDOW)] == [inside.uid]

    def test_foreign_events_are_never_listed_but_are_busy(self, backend: Any) -> None:
        start = DAY + timedelta(hours=12)
        self.add_foreign_event(backend, start, start + timedelta(hours=1), "Lunch with Sam")
        backend.create(block())
        assert [b.uid for b in backend.list_blocks(*WINDOW)] == [block().uid]
        busy = backend.busy(*WINDOW)
        assert [(i.start, i.end) for i in busy.intervals] == [(start, start + timedelta(hours=1))]

    def test_deleting_every_owned_block_leaves_foreign_events(self, backend: Any) -> None:
        start = DAY + timedelta(hours=12)
        self.add_foreign_event(backend, start, start + timedelta(hours=1), "Dentist")
        etag = backend.create(block())
        backend.delete(block().uid, etag)
        assert backend.list_blocks(*WINDOW) == []
        assert len(backend.busy(*WINDOW).intervals) == 1

    def test_a_block_moved_by_another_client_is_seen(self, backend: Any) -> None:
        etag = backend.create(block())
        new_start = DAY + timedelta(days=2, hours=16)
        self.move_remotely(backend, block().uid, new_start, new_start + timedelta(hours=1))
        (listed,) = backend.list_blocks(*WINDOW)
        assert listed.start == new_start and listed.etag != etag

    def test_changes_since_says_unchanged_until_something_changes(self, backend: Any) -> None:
        changed, token = backend.changes_since(None)
        assert changed
        assert backend.changes_since(token) == (False, token)
        backend.create(block())
        changed, newer = backend.changes_since(token)
        assert changed and newer != token

    def test_busy_is_empty_for_an_empty_calendar(self, backend: Any) -> None:
        busy = backend.busy(datetime(2030, 1, 1, tzinfo=UTC), datetime(2030, 2, 1, tzinfo=UTC))
        assert busy.intervals == () and busy.all_day == ()
