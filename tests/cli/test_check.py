"""`goalsync check`: errors with their lines, SMART warnings, JSON output, exit codes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from syncer.cli import cli, main

ROOT = Path(__file__).resolve().parents[2]
BAD = sorted((ROOT / "tests" / "data" / "bad").glob("*.yaml"))
CAREER = ROOT / "examples" / "career.yaml"
EXPECT = re.compile(r"^# expect: (?P<code>[\w-]+) at line (?P<line>\d+)")


@pytest.fixture(autouse=True)
def no_user_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keep the developer's own goalsync.toml out of these tests."""
    monkeypatch.delenv("GOALSYNC_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


def run_main(args: list[str], input: str | None = None) -> tuple[int, str, str]:
    """Run the real entry point (with its error handler) and capture its output."""
    runner = CliRunner()
    with runner.isolation(input=input) as streams:
        try:
            code = int(main(args) or 0)  # the console script does sys.exit(main())
        except SystemExit as done:
            code = int(done.code or 0)
        stdout, stderr = streams[0].getvalue(), streams[1].getvalue()
    return code, stdout.decode(), stderr.decode()


def expectation(path: Path) -> tuple[str, int]:
    match = EXPECT.match(path.read_text(encoding="utf-8").splitlines()[0])
    assert match, f"{path.name} must start with '# expect: CODE at line N'"
    return match["code"], int(match["line"])


def test_there_is_a_broken_plan_for_every_error_kind() -> None:
    codes = {expectation(p)[0] for p in BAD}
    assert {"yaml-syntax", "bad-date", "unknown-key", "duplicate-id", "unknown-after",
            "cyclic-after", "bad-estimate", "milestone-after-deadline", "bad-timezone",
            "empty-plan", "no-goals", "bad-per-week", "missing-title", "wrong-type",
            "bad-id", "step-after-milestone"} <= codes


@pytest.mark.parametrize("path", BAD, ids=lambda p: p.stem)
def test_broken_plan_exits_2_and_names_the_line(path: Path) -> None:
    code, line = expectation(path)
    result = CliRunner().invoke(cli, ["check", str(path)])
    assert result.exit_code == 2, result.output
    assert re.search(rf"^{re.escape(str(path))}:{line}:\d+: ", result.output, re.M), \
        result.output


@pytest.mark.parametrize("path", BAD, ids=lambda p: p.stem)
def test_broken_plan_json_has_the_code_and_line(path: Path) -> None:
    code, line = expectation(path)
    result = CliRunner().invoke(cli, ["check", str(path), "--json"])
    assert result.exit_code == 2
    report = json.loads(result.stdout)
    assert report["warnings"] == []
    assert {(e["code"], e["line"]) for e in report["errors"]} == {(code, line)}
    entry = report["errors"][0]
    assert set(entry) == {"path", "line", "column", "code", "message"}
    assert entry["path"] == str(path) and entry["column"] >= 1


def test_unknown_key_error_suggests_the_right_key() -> None:
    result = CliRunner().invoke(cli, ["check", str(ROOT / "tests/data/bad/unknown-key.yaml")])
    assert "did you mean `estimate`?" in result.output


def test_cycle_error_names_every_step_in_the_cycle() -> None:
    result = CliRunner().invoke(cli, ["check", str(ROOT / "tests/data/bad/cyclic-after.yaml")])
    assert "pmp/course/a → pmp/course/c → pmp/course/b → pmp/course/a" in result.output


def test_career_example_is_valid_without_warnings() -> None:
    result = CliRunner().invoke(cli, ["check", str(CAREER), "--now", "2026-11-22T09:00"])
    assert result.exit_code == 0, result.output
    assert "valid, 3 goals" in result.output
    assert "warning" not in result.output.replace("no warnings", "")


def test_warnings_keep_exit_status_zero_and_come_out_in_json() -> None:
    result = CliRunner().invoke(cli, ["check", str(CAREER), "--now", "2027-08-01", "--json"])
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["errors"] == []
    codes = {w["code"] for w in report["warnings"]}
    assert {"smart-deadline-past", "smart-milestone-overdue"} <= codes
    deadline = next(w for w in report["warnings"] if w["code"] == "smart-deadline-past")
    assert (deadline["line"], deadline["column"]) == (31, 15)


def test_human_output_lists_errors_before_nothing_else(tmp_path: Path) -> None:
    plan = tmp_path / "goals.yaml"
    plan.write_text("timezone: Mars/Base\ngoals:\n  - {title: X, deadline: someday}\n")
    result = CliRunner().invoke(cli, ["check", str(plan)])
    lines = [ln for ln in result.output.splitlines() if ln.startswith(str(plan))]
    assert [ln.split(":")[1] for ln in lines] == ["1", "3"]


def test_missing_plan_file_is_a_usage_error_with_exit_2(tmp_path: Path) -> None:
    code, _, stderr = run_main(["check", str(tmp_path / "nope.yaml")])
    assert code == 2
    assert "does not exist" in stderr and "Traceback" not in stderr


def test_a_hostile_nesting_is_a_plan_error_at_its_line(tmp_path: Path) -> None:
    plan = tmp_path / "goals.yaml"
    plan.write_text("timezone: UTC\ngoals:\n  - title: G\n    deadline: "
                    + "[" * 100_000 + "]" * 100_000 + "\n")
    code, stdout, stderr = run_main(["check", str(plan)])
    assert code == 2
    assert f"{plan}:4:" in stdout and "Traceback" not in stdout + stderr


def test_missing_plan_file_in_json_mode_still_prints_json(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["check", str(tmp_path / "nope.yaml"), "--json"])
    assert result.exit_code == 2
    assert json.loads(result.stdout)["errors"][0]["code"] == "unreadable"


def test_real_entry_point_exits_2_for_a_broken_plan() -> None:
    code, stdout, _ = run_main(["check", str(ROOT / "tests/data/bad/bad-date.yaml")])
    assert code == 2 and ":6:" in stdout


def test_bad_now_value_is_refused_with_a_sentence() -> None:
    result = CliRunner().invoke(cli, ["check", str(CAREER), "--now", "next tuesday"])
    assert result.exit_code == 2
    assert "ISO 8601" in result.output


def test_config_rules_can_silence_a_smart_warning(tmp_path: Path) -> None:
    config = tmp_path / "goalsync.toml"
    config.write_text('[rules.smart]\nignore = ["smart-deadline-past", '
                      '"smart-milestone-overdue", "over-budget"]\n')
    result = CliRunner().invoke(cli, ["check", str(CAREER), "--now", "2027-08-01", "--json",
                                      "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["warnings"] == []


def test_unknown_smart_rule_in_config_is_a_config_error(tmp_path: Path) -> None:
    config = tmp_path / "goalsync.toml"
    config.write_text("[rules.smart]\nmin_specific_word = 3\n")
    code, _, stderr = run_main(["check", str(CAREER), "--config", str(config)])
    assert code == 2 and "did you mean `min_specific_words`?" in stderr


def test_generated_large_example_is_valid() -> None:
    result = CliRunner().invoke(cli, ["check", str(ROOT / "examples" / "large.yaml"),
                                      "--now", "2026-11-22"])
    assert result.exit_code == 0, result.output
    assert "50 goals, 500 steps" in result.output


def test_debug_shows_the_traceback_but_keeps_the_exit_code() -> None:
    bad = str(ROOT / "tests/data/bad/bad-date.yaml")
    code, stdout, _ = run_main(["check", bad])
    assert code == 2
    code, _, stderr = run_main(["--debug", "check", str(ROOT / "tests/data/nope.yaml")])
    assert code == 2 and "Traceback" in stderr and "does not exist" in stderr


def test_a_bug_is_a_sentence_and_exit_1_not_a_traceback(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from syncer.commands import check_cmd

    def broken(*args: object, **kwargs: object) -> None:
        raise TypeError("an internal mistake")

    monkeypatch.setattr(check_cmd, "check_plan", broken)
    code, stdout, stderr = run_main(["check", str(CAREER)])
    assert code == 1 and "Traceback" not in stdout + stderr
    assert "unexpected error (TypeError: an internal mistake)" in stderr
    code, _, stderr = run_main(["--debug", "check", str(CAREER)])
    assert code == 1 and "Traceback" in stderr


@pytest.mark.parametrize(("no_color", "coloured"), [("1", False), ("", True)])
def test_no_color_turns_colour_off(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                   no_color: str, coloured: bool) -> None:
    monkeypatch.setenv("NO_COLOR", no_color)
    result = CliRunner().invoke(cli, ["check", str(tmp_path / "nope.yaml")], color=True)
    assert result.exit_code == 2
    assert ("\x1b[" in result.output) is coloured
