"""The editor schema (docs/goals.schema.json) and the parser agree on every key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from syncer.core import parse
from syncer.core.model import GOAL_TYPES, HORIZONS

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "docs" / "goals.schema.json")
                    .read_text(encoding="utf-8"))


@pytest.mark.parametrize("node, keys", [
    (SCHEMA, parse.PLAN_KEYS),
    (SCHEMA["$defs"]["goal"], parse.GOAL_KEYS),
    (SCHEMA["$defs"]["goal"]["properties"]["measurable"], parse.MEASURABLE_KEYS),
    (SCHEMA["$defs"]["milestone"], parse.MILESTONE_KEYS),
    (SCHEMA["$defs"]["step"], parse.STEP_KEYS),
    (SCHEMA["$defs"]["habit"], parse.HABIT_KEYS),
], ids=["plan", "goal", "measurable", "milestone", "step", "habit"])
def test_schema_allows_exactly_the_keys_the_parser_knows(node: dict[str, object],
                                                        keys: tuple[str, ...]) -> None:
    assert node["additionalProperties"] is False
    assert set(node["properties"]) == set(keys)  # type: ignore[call-overload]


def test_schema_lists_the_model_choices() -> None:
    goal = SCHEMA["$defs"]["goal"]["properties"]
    assert tuple(goal["type"]["enum"]) == GOAL_TYPES
    assert tuple(goal["horizon"]["enum"]) == HORIZONS
    assert goal["measurable"]["required"] == ["metric", "target"]
