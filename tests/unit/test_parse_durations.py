"""Durations as people write them: 30m, 2h, 1h30m, 1.5h, and a bare number of minutes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from syncer.core.durations import format_duration, parse_duration


@pytest.mark.parametrize("text, minutes", [
    ("30m", 30), ("2h", 120), ("1h30m", 90), ("1h30", 90), ("1.5h", 90), ("90", 90),
    (90, 90), ("45 min", 45), ("2 hours", 120), ("1h 15m", 75), ("0.25h", 15), ("0m", 0),
])
def test_written_durations_become_minutes(text: object, minutes: int) -> None:
    assert parse_duration(text) == minutes


@pytest.mark.parametrize("text", ["", "soon", "2d", "h", "1.5", 1.5, "-30m", "1m30h", True])
def test_non_durations_are_refused_with_a_sentence(text: object) -> None:
    with pytest.raises(ValueError, match="duration|ambiguous"):
        parse_duration(text)


@given(st.integers(min_value=1, max_value=100_000))
def test_formatted_duration_parses_back_to_the_same_minutes(minutes: int) -> None:
    assert parse_duration(format_duration(minutes)) == minutes
