"""``now`` for a command (syncer.clock): ``--now`` or the clock, made aware."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from syncer.clock import plan_now, resolve_now

CAREER = Path(__file__).resolve().parents[2] / "examples" / "career.yaml"  # Europe/Berlin
NAIVE = datetime(2026, 11, 23, 8, 0)
BERLIN = ZoneInfo("Europe/Berlin")


def test_resolve_now_reads_a_naive_now_in_the_plans_zone() -> None:
    assert resolve_now(NAIVE, "Europe/Berlin") == NAIVE.replace(tzinfo=BERLIN)
    aware = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    assert resolve_now(aware, "Europe/Berlin") is aware
    assert resolve_now(None, "Europe/Berlin").tzinfo == BERLIN


def test_plan_now_reads_the_plan_only_for_its_zone(tmp_path: Path) -> None:
    aware = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    assert plan_now(aware, tmp_path / "missing.yaml") is aware  # the plan is not read
    assert plan_now(NAIVE, CAREER) == NAIVE.replace(tzinfo=BERLIN)
