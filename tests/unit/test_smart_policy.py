"""merged_rules: the shipped rules/*.toml deep-merged with the user's overrides."""

from __future__ import annotations

from typing import Any

import pytest

from syncer import policy
from syncer.errors import ConfigError

SHIPPED: dict[str, dict[str, Any]] = {
    "scheduling": {"min_block": 30, "windows": {"mon": ["09:00-12:00"], "tue": []},
                   "labels": {}},
    "smart": {"min_specific_words": 5, "vague_phrases": ["improve"]},
}


@pytest.fixture
def shipped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(policy, "shipped_rules", lambda: {k: dict(v) for k, v in SHIPPED.items()})


def test_every_shipped_rule_file_is_loaded() -> None:
    rules = policy.merged_rules()
    assert {"smart", "scheduling", "review"} <= set(rules)
    assert rules["smart"]["min_specific_words"] >= 1


@pytest.mark.usefixtures("shipped")
def test_overrides_are_merged_key_by_key() -> None:
    rules = policy.merged_rules({"scheduling": {"windows": {"tue": ["10:00-11:00"]}}})
    assert rules["scheduling"]["windows"] == {"mon": ["09:00-12:00"], "tue": ["10:00-11:00"]}
    assert rules["scheduling"]["min_block"] == 30
    assert rules["smart"] == SHIPPED["smart"]


@pytest.mark.usefixtures("shipped")
def test_lists_are_replaced_not_appended() -> None:
    rules = policy.merged_rules({"smart": {"vague_phrases": ["somehow"]}})
    assert rules["smart"]["vague_phrases"] == ["somehow"]


@pytest.mark.usefixtures("shipped")
def test_a_table_that_ships_empty_takes_any_key() -> None:
    rules = policy.merged_rules({"scheduling": {"labels": {"deep-work": "focus"}}})
    assert rules["scheduling"]["labels"] == {"deep-work": "focus"}


@pytest.mark.usefixtures("shipped")
@pytest.mark.parametrize("overrides, message", [
    ({"smrt": {}}, "no rules called `smrt`; did you mean `smart`?"),
    ({"smart": {"min_specific_word": 3}}, "did you mean `min_specific_words`?"),
    ({"scheduling": {"windows": {"mond": []}}}, "`rules.scheduling.windows.mond`"),
    ({"scheduling": {"windows": "always"}}, "must be a table"),
    ({"scheduling": {"min_block": {"x": 1}}}, "must be a single value"),
])
def test_bad_overrides_are_refused_with_a_sentence(overrides: dict[str, Any],
                                                   message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        policy.merged_rules(overrides)
