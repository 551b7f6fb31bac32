from __future__ import annotations

from pathlib import Path

import pytest

from syncer.config import defaults, from_mapping, load_config, render_reference
from syncer.errors import ConfigError

DOCS = Path(__file__).resolve().parents[2] / "docs" / "config.md"


def test_no_file_means_the_embedded_defaults(tmp_path, monkeypatch):
    monkeypatch.delenv("GOALSYNC_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    config = load_config()
    assert config.path is None
    assert (config.tasks_backend, config.calendar_backend) == ("embedded", "embedded")
    assert config.window_days is None and config.max_delete_share is None


def test_config_found_through_the_environment(tmp_path, monkeypatch):
    path = tmp_path / "g.toml"
    path.write_text('[tasks]\nbackend = "todoist"\n[sync]\nmax_delete_share = 0.5\n')
    monkeypatch.setenv("GOALSYNC_CONFIG", str(path))
    config = load_config()
    assert config.tasks_backend == "todoist" and config.max_delete_share == 0.5
    assert config.section("todoist")["root_project"] == "Goals"


def test_unknown_key_suggests_the_close_one(tmp_path):
    path = tmp_path / "g.toml"
    path.write_text('[caldav]\nurl = "https://x"\ncalender = "Goals"\n')
    with pytest.raises(ConfigError, match=r"g.toml:3: unknown setting `caldav.calender`.*"
                                          r"did you mean `calendar`"):
        load_config(path)


def test_wrong_type_names_file_line_and_key(tmp_path):
    path = tmp_path / "g.toml"
    path.write_text('[calendar]\n\nwindow_days = "two weeks"\n')
    with pytest.raises(ConfigError, match=r"g.toml:3: `calendar.window_days` must be a whole"):
        load_config(path)


def test_bad_choice_is_refused_with_the_choices():
    with pytest.raises(ConfigError, match='one of "todoist", "caldav", "embedded"'):
        from_mapping({"tasks": {"backend": "todoits"}})


def test_secrets_are_refused_and_point_to_goalsync_auth():
    with pytest.raises(ConfigError, match="looks like a secret") as info:
        from_mapping({"todoist": {"token": "abc"}})
    assert "goalsync auth" in (info.value.hint or "")


def test_rule_overrides_are_passed_through():
    config = from_mapping({"rules": {"sync": {"max_delete_share": 0.1}}})
    assert config.rules == {"sync": {"max_delete_share": 0.1}}


def test_share_must_be_between_zero_and_one():
    with pytest.raises(ConfigError, match="between 0 and 1"):
        from_mapping({"sync": {"max_delete_share": 25}})


def test_missing_explicit_file_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.toml")


def test_docs_match_the_spec_table():
    assert DOCS.read_text() == render_reference()
    assert defaults().get("caldav", "timeout") == 30


def test_an_hour_set_of_ones_own_is_added_and_can_be_chosen(tmp_path):
    """The docs' example: `[rules.scheduling.hours.mornings]` adds a set next to the
    shipped ones (the shipped table is open to new names), usable as the goal hours."""
    from syncer.policy import load_rules

    path = tmp_path / "g.toml"
    path.write_text('[rules.scheduling]\ngoal_hours = "mornings"\n\n'
                    '[rules.scheduling.hours.mornings]\nmon = ["06:30-07:30"]\n')
    rules = load_rules(load_config(path).rules).scheduling
    assert rules.week_of("mornings")[0] == ((6 * 60 + 30, 7 * 60 + 30),)
    assert rules.windows[0] == ((6 * 60 + 30, 7 * 60 + 30),)  # the goal hours
    assert rules.week_of("personal") != rules.week_of("mornings")  # shipped sets stay


def test_the_older_windows_table_keeps_working(tmp_path):
    from syncer.policy import load_rules

    path = tmp_path / "g.toml"
    path.write_text('[rules.scheduling.windows]\nsat = ["10:00-12:00"]\n')
    rules = load_rules(load_config(path).rules).scheduling
    assert rules.windows[5] == ((10 * 60, 12 * 60),)


@pytest.mark.parametrize(("text", "line", "message"), [
    ('[rules.scheduling]\nholidays = "DE-BY"\n\n[rules.scheduling.hours.mornings]\n'
     'mon = ["06:30-07:30"]\ntue = "early"\n', 6, "hours.mornings.tue"),
    ('[rules.scheduling]\nholidays = "DE-BY"\nkeepwhole = "1h"\n', 3, "did you mean"),
    ('[rules.scheduling]\nholidays = "DE-BY"\nkeep_whole = "long"\n', 3, "keep_whole"),
    ('[rules.scheduling.hours]\nmornings = "06:30-07:30"\n', 2, "must be a table"),
])
def test_a_bad_rule_override_names_the_line_of_its_key(tmp_path, text, line, message):
    path = tmp_path / "g.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=rf"g.toml:{line}: .*{message}"):
        load_config(path)
