"""``goalsync plan`` and ``goalsync sync``: options, output and exit codes, with the
engine's backends swapped for the in-memory ones."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from syncer import engine
from syncer.cli import cli
from syncer.core.values import DeleteTask
from tests.helpers.cli import NOW, memory_world, run_main
from tests.helpers.home import isolate_home
from tests.helpers.plans import pmp_plan

PLAN = pmp_plan(steps=2, priority=False)


@pytest.fixture
def memory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> engine.Backends:
    return memory_world(monkeypatch, tmp_path, PLAN)


def test_plan_shows_grouped_actions_and_writes_nothing(memory: engine.Backends,
                                                        tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["plan", "goals.yaml", "--now", NOW])
    assert result.exit_code == 0, result.output
    assert "Tasks to create (4):" in result.output
    assert "Blocks to book" in result.output and "Research PMP courses" in result.output
    assert memory.tasks.tasks == {} and memory.calendar.blocks == {}
    assert not (tmp_path / "state" / "state.sqlite").exists()


def test_plan_json_lists_every_action(memory: engine.Backends) -> None:
    result = CliRunner().invoke(cli, ["plan", "goals.yaml", "--now", NOW, "--json"])
    data = json.loads(result.output)
    assert data["created"] == len([a for a in data["actions"] if a["kind"].startswith("create")])
    assert {"kind": "create-task", "key": "pmp/course/research"}.items() <= next(
        a for a in data["actions"] if a.get("key") == "pmp/course/research"
        and a["kind"] == "create-task").items()


def test_sync_json_prints_exactly_the_summary_keys(memory: engine.Backends) -> None:
    result = CliRunner().invoke(cli, ["sync", "goals.yaml", "--now", NOW, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert list(data) == ["created", "updated", "deleted", "pinned", "completed",
                          "unscheduled", "errors", "notes"]
    assert data["created"] > 0 and data["errors"] == []
    again = json.loads(CliRunner().invoke(cli, ["sync", "goals.yaml", "--now", NOW,
                                                "--json"]).output)
    assert (again["created"], again["updated"], again["deleted"]) == (0, 0, 0)


def test_sync_prints_a_human_summary(memory: engine.Backends) -> None:
    result = CliRunner().invoke(cli, ["sync", "goals.yaml", "--now", NOW])
    assert result.exit_code == 0
    assert "created" in result.output and "0 deleted" in result.output
    again = CliRunner().invoke(cli, ["sync", "goals.yaml", "--now", NOW])
    assert "already up to date" in again.output


def test_emptied_plan_exits_4_and_names_the_flag(memory: engine.Backends,
                                                 tmp_path: Path) -> None:
    assert run_main("sync", "goals.yaml")[0] == 0
    (tmp_path / "goals.yaml").write_text(PLAN.split("    milestones:")[0])
    code, _, err = run_main("sync", "goals.yaml")
    assert code == 4 and "--force" in err
    assert run_main("sync", "goals.yaml", "--force")[0] == 0


def test_bad_plan_exits_2_before_any_request(memory: engine.Backends, tmp_path: Path) -> None:
    (tmp_path / "goals.yaml").write_text("timezone: UTC\ngoals: [\n")
    code, _, err = run_main("sync", "goals.yaml")
    assert code == 2 and "goals.yaml" in err
    assert memory.tasks.requests == 0 and memory.calendar.requests == 0


def test_partial_failure_exits_1_with_a_per_object_summary(memory: engine.Backends) -> None:
    from syncer.backends.base import Unreachable

    def refuse(spec: Any) -> str:
        raise Unreachable("connection dropped")

    memory.calendar.create = refuse  # type: ignore[method-assign]
    code, out, err = run_main("sync", "goals.yaml")
    assert code == 1
    assert "could not be synced" in err and "connection dropped" in err
    assert "goalsync sync" in err  # the hint says to run again


def test_a_refusal_is_not_advertised_as_fixed_by_a_rerun(memory: engine.Backends) -> None:
    from syncer.backends.caldav_common import WriteRefused

    def refuse(spec: Any) -> str:
        raise WriteRefused("the CalDAV server h refused to change /x.ics (403 Forbidden: "
                           "valid-calendar-data)", 403)

    memory.calendar.create = refuse  # type: ignore[method-assign]
    code, out, err = run_main("sync", "goals.yaml")
    assert code == 1 and "valid-calendar-data" in err
    assert "running again will not change that" in err and "finishes what is left" not in err


def test_config_option_and_env_are_honoured(memory: engine.Backends, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[sync]\nmax_delete_shar = 0.1\n")
    code, _, err = run_main("sync", "goals.yaml", "--config", str(bad))
    assert code == 2 and "did you mean `max_delete_share`" in err
    monkeypatch.setenv("GOALSYNC_CONFIG", str(bad))
    assert run_main("plan", "goals.yaml")[0] == 2


def test_naive_now_is_read_in_the_plans_timezone(memory: engine.Backends) -> None:
    result = CliRunner().invoke(cli, ["plan", "goals.yaml", "--now", "2026-11-23T08:00"])
    assert result.exit_code == 0 and "as of Mon 2026-11-23 08:00 UTC" in result.output


def test_plan_on_a_fresh_machine_starts_no_server_and_writes_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    state = tmp_path / "state"
    state.mkdir()
    isolate_home(monkeypatch, tmp_path, config_dir="xdg", state_dir=state)
    (tmp_path / "goals.yaml").write_text(PLAN)
    result = CliRunner().invoke(cli, ["plan", str(tmp_path / "goals.yaml"), "--now", NOW])
    assert result.exit_code == 0, result.output
    assert "Tasks to create (4):" in result.output
    assert list(state.iterdir()) == []


def test_bad_rule_override_exits_2_before_any_request(memory: engine.Backends,
                                                      tmp_path: Path) -> None:
    config = tmp_path / "g.toml"
    config.write_text("[rules.scheduling]\nmin_block = \"soon\"\n")
    code, _, err = run_main("sync", "goals.yaml", "--config", str(config))
    assert code == 2 and "min_block" in err, err
    assert memory.tasks.requests == 0 and memory.calendar.requests == 0


def test_plan_after_a_sync_leaves_the_state_folder_byte_for_byte(memory: engine.Backends,
                                                                  tmp_path: Path) -> None:
    assert CliRunner().invoke(cli, ["sync", "goals.yaml", "--now", NOW]).exit_code == 0
    folder = tmp_path / "state"

    def snapshot() -> dict[str, bytes]:
        return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}

    before = snapshot()
    assert "state.sqlite-wal" not in before and "state.sqlite-shm" not in before
    result = CliRunner().invoke(cli, ["plan", "goals.yaml", "--now", NOW])
    assert result.exit_code == 0, result.output
    assert snapshot() == before


def test_sync_summary_names_tasks_the_user_deleted(memory: engine.Backends) -> None:
    assert CliRunner().invoke(cli, ["sync", "goals.yaml", "--now", NOW]).exit_code == 0
    gone = [t for t in memory.tasks.tasks.values() if t.key.count("/") == 2][:2]
    memory.tasks.apply([DeleteTask(t.key, t.remote_id) for t in gone])  # as the app does
    result = CliRunner().invoke(cli, ["sync", "goals.yaml", "--now", NOW])
    assert result.exit_code == 0, result.output
    assert "already up to date" not in result.output
    line = next(line for line in result.output.splitlines() if "you deleted" in line)
    assert line.startswith("2 tasks you deleted in your app were not recreated: ")
    assert all(t.key in line for t in gone)
    third = CliRunner().invoke(cli, ["sync", "goals.yaml", "--now", NOW])
    assert "you deleted" not in third.output and "already up to date" in third.output


def test_sync_summary_names_edits_kept_instead_of_up_to_date(memory: engine.Backends) -> None:
    assert CliRunner().invoke(cli, ["sync", "goals.yaml", "--now", NOW]).exit_code == 0
    milestone = next(t for t in memory.tasks.tasks.values() if t.key == "pmp/course")
    memory.tasks.edit(milestone.remote_id, title="My own words")
    result = CliRunner().invoke(cli, ["sync", "goals.yaml", "--now", NOW])
    assert "already up to date" not in result.output
    assert "1 change you made in your apps was kept: pmp/course (title)" in result.output
