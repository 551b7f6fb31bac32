"""`goalsync check` with Todoist as the task app: what the free plan will not hold, and
titles Todoist only takes shortened, as warnings with their lines (exit 0)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.test_check import run_main
from tests.integration.test_todoist_free_plan import plan_text


@pytest.fixture(autouse=True)
def no_user_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("GOALSYNC_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


def check(tmp_path: Path, goals: int, layout: str | None = None) -> tuple[int, str]:
    plan = tmp_path / "goals.yaml"
    plan.write_text(plan_text(goals=goals, milestones=1, steps=1), encoding="utf-8")
    config = tmp_path / "goalsync.toml"
    extra = f'\n[todoist]\nlayout = "{layout}"\n' if layout else ""
    config.write_text(f'[tasks]\nbackend = "todoist"\n{extra}', encoding="utf-8")
    code, out, _ = run_main(["check", str(plan), "--config", str(config),
                             "--now", "2026-11-23T09:00"])
    return code, out


def test_more_goals_than_sections_is_a_warning_at_the_first_that_does_not_fit(
        tmp_path: Path) -> None:
    code, out = check(tmp_path, goals=21)
    assert code == 0
    line = next(x for x in out.splitlines() if "at most 20 sections" in x)
    assert ": warning:" in line and "goals.yaml:" in line
    assert "the goal title has 150 characters" in out  # the first goal's long title
    assert "task names take 500" in out  # the 600-character step title


def test_a_project_per_goal_warns_about_the_free_plan(tmp_path: Path) -> None:
    code, out = check(tmp_path, goals=6, layout="projects")
    assert code == 0 and "needs 7 Todoist projects" in out
    _, fits = check(tmp_path, goals=3)
    assert "sections per project" not in fits and "Todoist projects" not in fits
