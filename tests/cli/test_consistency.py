"""The conventions every command keeps (issue 15): --config and --json where they make
sense, errors as JSON under --json, one time convention, shell completion, `check`'s
default plan, truthful help, the override example that works, demo --data-dir over the
environment, a keyring that does not keep the secret."""

from __future__ import annotations

import json
import os
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from syncer.cli import cli
from syncer.errors import UsageError
from tests.cli.test_help import COMMANDS
from tests.helpers.cli import memory_world, run_main
from tests.helpers.home import isolate_home
from tests.helpers.plans import GOAL_G_PLAN, pmp_plan

WITH_CONFIG = {"check", "schedule", "plan", "sync", "status", "review", "report", "today",
               "week"}
WITH_JSON = WITH_CONFIG | {"demo"}


def options(command: click.Command) -> set[str]:
    return {opt for p in command.params if isinstance(p, click.Option) for opt in p.opts}


@pytest.mark.parametrize("name", sorted(WITH_JSON))
def test_every_command_that_reports_has_json_and_config(name: str) -> None:
    command = dict(COMMANDS)[(name,)]
    assert "--json" in options(command)
    if name in WITH_CONFIG:
        assert "--config" in options(command)


@pytest.fixture
def plan_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    isolate_home(monkeypatch, tmp_path)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "goals.yaml").write_text(GOAL_G_PLAN, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("command", ["sync", "plan", "status", "today", "schedule"])
def test_a_plan_error_under_json_is_a_json_document(plan_home: Path, command: str) -> None:
    (plan_home / "goals.yaml").write_text("timezone: Mars/Base\ngoals: []\n")
    code, out, err = run_main(command, "goals.yaml", "--json")
    assert code == 2
    error = json.loads(out)["error"]
    assert error["kind"] == "plan" and error["exit_code"] == 2
    assert error["problems"] and {"path", "line", "column", "code", "message"} <= set(
        error["problems"][0])
    assert "goalsync:" in err  # the sentence for a person stays on stderr


def test_a_missing_plan_and_a_usage_error_under_json_are_json(plan_home: Path) -> None:
    code, out, _ = run_main("status", "nowhere.yaml", "--json", "--offline")
    assert code == 2 and json.loads(out)["error"]["kind"] == "usage"
    result = CliRunner().invoke(cli, ["schedule", "goals.yaml", "--json", "--weeks", "0"])
    assert result.exit_code == 2
    assert json.loads(result.stdout)["error"]["kind"] == "usage"


@pytest.mark.parametrize("args, message", [
    (("status", "goals.yaml", "--json", "--bogus"), "No such option '--bogus'."),
    (("status", "goals.yaml", "--bogus", "--json"), "No such option '--bogus'."),
    (("schedule", "goals.yaml", "--weeks", "abc", "--json"),
     "--weeks: 'abc' is not a whole number"),
    (("schedule", "goals.yaml", "--weeks", "500", "--json"),
     "--weeks: 500 is not between 1 and 104"),
    (("today", "goals.yaml", "--now", "tomorrow", "--json"), "--now: 'tomorrow' is not"),
    (("statu", "goals.yaml", "--json"), "No such command 'statu'."),
    (("--colr", "never", "status", "goals.yaml", "--json"), "No such option '--colr'"),
    (("--color", "purple", "check", "--json"), "--color: 'purple' is not one of"),
])
def test_every_usage_error_under_json_is_one_json_document(
        plan_home: Path, args: tuple[str, ...], message: str) -> None:
    """Review finding 10: click's own errors (unknown option or command, a bad value)
    printed no JSON when they came before `--json`'s callback ran, or instead of it."""
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 2, result.output
    error = json.loads(result.stdout)["error"]  # exactly one document on stdout
    assert error["kind"] == "usage" and error["exit_code"] == 2
    assert error["message"].startswith(message)
    assert "Invalid value for" not in result.stderr
    assert message in result.stderr  # and the sentence for a person, with the usage
    without = CliRunner().invoke(cli, [a for a in args if a != "--json"])
    assert without.exit_code == 2 and not without.stdout


def test_json_after_a_double_dash_is_an_argument_not_the_option(plan_home: Path) -> None:
    result = CliRunner().invoke(cli, ["check", "--", "--json"])
    assert result.exit_code == 2 and not result.stdout.strip().startswith("{")


def _every_command() -> list[tuple[str, ...]]:
    return [path for path, command in COMMANDS if not isinstance(command, click.Group)]


@pytest.mark.parametrize("path", _every_command(), ids=" ".join)
def test_color_and_debug_work_after_every_command_name(path: tuple[str, ...]) -> None:
    """Review finding 12: README promises `--color` before or after the command name;
    `schedule`, `check` and others refused it after. `--debug` too."""
    for args in ((*path, "--color", "never", "--help"), (*path, "--debug", "--help"),
                 ("--color=always", *path, "--help")):
        result = CliRunner().invoke(cli, list(args))
        assert result.exit_code == 0, (args, result.output)


def test_debug_after_the_command_shows_the_traceback_and_keeps_the_code(
        plan_home: Path) -> None:
    before = run_main("--debug", "check", "nowhere.yaml")
    after = run_main("check", "nowhere.yaml", "--debug")
    plain = run_main("check", "nowhere.yaml")
    assert before[0] == after[0] == plain[0] == 2
    assert "Traceback" in after[2] and "Traceback" not in plain[2]


def test_color_after_the_command_name_colours_schedule_and_check(plan_home: Path) -> None:
    for args in (("check", "goals.yaml"), ("schedule", "goals.yaml")):
        result = CliRunner().invoke(cli, [*args, "--now", "2026-12-01T08:00", "--color",
                                          "never"])
        assert result.exit_code == 0, result.output
        assert "\x1b[" not in result.output


def test_a_partial_sync_prints_one_json_document(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.helpers.cli import stop_servers

    world = memory_world(monkeypatch, tmp_path, pmp_plan(steps=3))
    assert run_main("sync", "goals.yaml")[0] == 0
    stop_servers(world, monkeypatch)
    code, out, _ = run_main("sync", "goals.yaml", "--json")
    assert code == 1
    assert json.loads(out)["errors"]  # the summary, not a second (error) document


def test_plan_and_schedule_json_times_carry_the_plan_zone_offset(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plan = pmp_plan(steps=3)
    assert "timezone: UTC" in plan
    memory_world(monkeypatch, tmp_path, plan.replace("timezone: UTC",
                                                     "timezone: Europe/Berlin"))
    zone_offset = re.compile(r"[+-]\d\d:\d\d$")
    code, out, _ = run_main("plan", "goals.yaml", "--json")
    assert code == 0
    starts = [a["start"] for a in json.loads(out)["actions"] if a.get("start")]
    assert starts and all(zone_offset.search(s) and not s.endswith("+00:00")
                          for s in starts)  # Europe/Berlin, not UTC
    code, out, _ = run_main("schedule", "goals.yaml", "--json")
    assert code == 0
    blocks = json.loads(out)["blocks"]
    assert blocks and all(b["start"].endswith("+01:00") for b in blocks)
    assert set(starts) & {b["start"] for b in blocks}  # the same strings for the same times


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_prints_an_installable_script(shell: str) -> None:
    result = CliRunner().invoke(cli, ["completion", shell])
    assert result.exit_code == 0
    assert "_GOALSYNC_COMPLETE" in result.output
    assert f"{shell}_complete" in result.output or f"{shell}_source" in result.output \
        or "complete" in result.output


def test_completion_completes_command_names() -> None:
    from click.shell_completion import ShellComplete

    completer = ShellComplete(cli, {}, "goalsync", "_GOALSYNC_COMPLETE")
    names = {c.value for c in completer.get_completions([], "to")}
    assert names == {"today"}


def test_check_defaults_to_goals_yaml(plan_home: Path) -> None:
    code, out, _ = run_main("check")
    assert code == 0 and "goals.yaml: valid" in out
    (plan_home / "goals.yaml").unlink()
    code, _, err = run_main("check")
    assert code == 2 and "no goals.yaml" in err and "goalsync init" in err


def test_serve_help_names_its_real_default() -> None:
    result = CliRunner().invoke(cli, ["serve", "--help"])
    text = " ".join(result.output.split())
    assert "GOALSYNC_STATE_DIR" in text
    assert "goalsync/demo" not in text


def test_the_override_example_in_review_toml_works(tmp_path: Path) -> None:
    from syncer.config import load_config
    from syncer.policy import load_rules

    head = (Path(__file__).parents[2] / "rules" / "review.toml").read_text().split("\n\n")[0]
    table = re.search(r"`(\[rules\.[a-z.]+\])`", head)
    setting = re.search(r"`([a-z_]+ = \d+)`", head)
    assert table and setting, head
    config = tmp_path / "goalsync.toml"
    config.write_text(f"{table.group(1)}\n{setting.group(1)}\n")
    rules = load_rules(load_config(str(config)).rules)
    assert rules.review.progress.stalled_days == 21


def test_demo_data_dir_wins_over_the_environment(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import syncer.engine

    isolate_home(monkeypatch, tmp_path)  # sets GOALSYNC_STATE_DIR
    seen: dict[str, Any] = {}

    def fake_sync(plan: Any, config: Any, **kwargs: Any) -> Any:
        from syncer.state import default_state_dir

        seen["state"] = default_state_dir(config.state_dir)
        raise UsageError("stop here")

    monkeypatch.setattr(syncer.engine, "sync", fake_sync)
    chosen = tmp_path / "mine"
    code, _, _ = run_main("demo", "--data-dir", str(chosen), "--quiet")
    assert code == 2
    assert seen["state"] == chosen
    assert os.environ["GOALSYNC_STATE_DIR"] == str(tmp_path / "state")  # restored


class ForgetfulKeyring:
    """Accepts every secret, keeps none (a null or locked store)."""

    priority = 1

    def set_password(self, service: str, name: str, value: str) -> None:
        pass

    def get_password(self, service: str, name: str) -> str | None:
        return None


def test_a_keyring_that_does_not_keep_the_secret_is_detected(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import keyring.core

    isolate_home(monkeypatch, tmp_path)
    monkeypatch.setattr(keyring.core, "_keyring_backend", ForgetfulKeyring())
    result = CliRunner().invoke(cli, ["auth", "caldav", "--no-verify", "--password-stdin"],
                                input="s3cret\n")
    assert result.exit_code == 1  # the machine's keyring, as with none at all
    assert "does not keep it" in result.output
    assert "nothing was stored" in result.output
    assert "GOALSYNC_CALDAV_PASSWORD" in result.output
    assert "stored in the system keyring" not in result.output
    assert "s3cret" not in result.output


@pytest.mark.parametrize("command", ["caldav", "todoist"])
@pytest.mark.parametrize("backend", ["null", "fail", "forgetful", "broken"])
def test_every_keyring_that_cannot_keep_a_secret_is_one_exit_code(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str, backend: str) -> None:
    """Review finding 17: a keyring that stores nothing (null backend) exited 3, no
    usable keyring (fail backend) exited 1. Both are the machine's keyring, not the
    credential: exit 1, as README's exit codes say of an environment problem."""
    import keyring.core
    from keyring.backends import fail, null

    class Broken(ForgetfulKeyring):
        def set_password(self, service: str, name: str, value: str) -> None:
            raise RuntimeError("the keyring daemon went away")

    isolate_home(monkeypatch, tmp_path)
    monkeypatch.setattr(keyring.core, "_keyring_backend", {
        "null": null.Keyring, "fail": fail.Keyring, "forgetful": ForgetfulKeyring,
        "broken": Broken}[backend]())
    flag = {"caldav": "--password-stdin", "todoist": "--token-stdin"}[command]
    extra = ["--no-verify"] if command == "caldav" else []
    if command == "todoist":  # verified first: skip the request
        monkeypatch.setattr("syncer.commands.auth_todoist.verify_token",
                            lambda *a, **k: None)
    result = CliRunner().invoke(cli, ["auth", command, *extra, flag], input="s3cret\n")
    assert result.exit_code == 1, result.output
    assert "nothing was stored" in result.output
    assert "stored in the system keyring" not in result.output
    assert "s3cret" not in result.output


@pytest.mark.parametrize("args, keys", [
    (("review", "goals.yaml", "--offline", "--json"),
     {"answered", "metrics", "applied", "celebrated"}),
    (("report", "goals.yaml", "--offline", "--html", "r.html", "--json"),
     {"path", "goals", "errors"}),
])
def test_review_and_report_print_json(plan_home: Path, args: tuple[str, ...],
                                      keys: set[str]) -> None:
    code, out, err = run_main(*args, now="2026-12-01T12:00:00+00:00")
    assert code == 0, err
    assert set(json.loads(out)) == keys


def test_review_json_sends_its_text_to_stderr(plan_home: Path) -> None:
    code, out, err = run_main("review", "goals.yaml", "--offline", "--json",
                              now=datetime(2026, 12, 1, 12).isoformat())
    assert code == 0
    assert "Status on" in err and "Status on" not in out
