"""Hostile configs and review answers files.

Every file in tests/hostile/configs/ is a config a careless or unlucky user could
write: `plan` and `schedule` must stop with exit 2, a sentence naming the config file
(or its key), no traceback, before any server is contacted. Every file in
tests/hostile/answers/ goes to `review --answers`: exit 2 with a sentence naming the
file, the plan file unchanged and no review answer recorded."""

from __future__ import annotations

from pathlib import Path

import pytest

from syncer.state import STATE_FILE, State
from tests.helpers.cli import memory_world
from tests.helpers.home import isolate_home
from tests.helpers.plans import GOAL_G_PLAN, pmp_plan
from tests.hostile.harness import assert_sentence, guarded

HERE = Path(__file__).parent
CONFIGS = sorted((HERE / "configs").glob("*.toml"))
ANSWERS = sorted((HERE / "answers").glob("*.yaml"))


@pytest.mark.parametrize("case", CONFIGS, ids=lambda p: p.stem)
def test_a_hostile_config_is_a_config_error_before_any_request(
        case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    isolate_home(monkeypatch, tmp_path)
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "goalsync.toml"
    config.write_bytes(case.read_bytes())
    monkeypatch.setenv("GOALSYNC_CONFIG", str(config))
    monkeypatch.setenv("GOALSYNC_CALDAV_PASSWORD", "pw-for-hostile-tests")
    monkeypatch.setenv("GOALSYNC_TODOIST_TOKEN", "token-for-hostile-tests")
    (tmp_path / "goals.yaml").write_text(pmp_plan())
    # `check` reads the config (its [rules.*] included) but opens no server, so a URL
    # only a server connection would refuse passes it
    commands = ("plan", "sync") if case.stem in _URLS_CHECKED_ON_USE else \
        ("check", "plan", "sync")
    for command in commands:
        outcome = guarded(command, "goals.yaml")
        assert_sentence(outcome, 2)
        assert "goalsync.toml" in outcome.err or "[" in outcome.err, outcome.err
    assert not (tmp_path / "state" / STATE_FILE).exists()


_URLS_CHECKED_ON_USE = {"caldav-url-colons", "caldav-url-ftp", "todoist-api-url-colons",
                        "todoist-api-url-http-remote"}


@pytest.mark.parametrize("case", ANSWERS, ids=lambda p: p.stem)
def test_a_hostile_answers_file_changes_nothing(
        case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    memory_world(monkeypatch, tmp_path, GOAL_G_PLAN)
    answers = tmp_path / "answers.yaml"
    answers.write_bytes(case.read_bytes())
    outcome = guarded("review", "goals.yaml", "--answers", str(answers))
    assert_sentence(outcome, 2, says="answers")
    assert (tmp_path / "goals.yaml").read_text() == GOAL_G_PLAN
    state = tmp_path / "state" / STATE_FILE
    if state.exists():
        with State.open(state, readonly=True) as opened:
            assert opened.review_answers() == []
