"""``now``: made aware at the command edge (syncer.clock); the core and engine refuse a
naive one instead of guessing its zone."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from syncer import engine
from syncer.clock import plan_now, resolve_now
from syncer.config import from_mapping
from syncer.core.schedule import plan_horizon, schedule
from syncer.core.smart import smart_check
from syncer.policy import load_rules
from tests.unit.sync_plans import make_plan

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


@pytest.mark.parametrize("call", [
    lambda: schedule(make_plan(), load_rules().scheduling, now=NAIVE),
    lambda: plan_horizon(make_plan(), load_rules().scheduling, NAIVE),
    lambda: smart_check(make_plan(), load_rules().smart, NAIVE),
    lambda: engine.sync("goals.yaml", from_mapping({}), now=NAIVE),
], ids=["schedule", "plan_horizon", "smart_check", "engine.sync"])
def test_the_core_and_the_engine_refuse_a_naive_now(call: object) -> None:
    assert callable(call)
    with pytest.raises(ValueError, match="must be an aware datetime"):
        call()
