"""Hostile busy calendars (someone else's invitation is enough to bring one in): every
file in tests/hostile/busy/ is read by `goalsync schedule --busy` in a child process,
which must end (no hang), exit 0, print no traceback and still see the real meeting.

Add a file here for every calendar that ever broke a sync."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

HERE = Path(__file__).parent
CASES = sorted((HERE / "busy").glob("*.ics"))
HANG = 120  # seconds: a guard against a hang, not a speed limit (each case takes ~1 s)


@pytest.mark.parametrize("ics", CASES, ids=lambda p: p.stem)
def test_a_hostile_busy_calendar_neither_hangs_nor_crashes(ics: Path, tmp_path: Path) -> None:
    plan = tmp_path / "goals.yaml"
    plan.write_text(_PLAN)
    done = subprocess.run(
        [sys.executable, "-c", "from syncer.cli import main; main()", "schedule", str(plan),
         "--busy", str(ics), "--json", "--now", "2026-11-23T08:00:00+00:00"],
        capture_output=True, text=True, timeout=HANG, cwd=tmp_path, check=False,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
             "XDG_CONFIG_HOME": str(tmp_path / "xdg")})
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    meeting = (datetime(2026, 11, 24, 10, tzinfo=UTC), datetime(2026, 11, 24, 11, tzinfo=UTC))
    blocks = [(datetime.fromisoformat(b["start"]), datetime.fromisoformat(b["end"]))
              for b in json.loads(done.stdout)["blocks"]]
    assert blocks and not [b for b in blocks if b[0] < meeting[1] and meeting[0] < b[1]]
    if ics.stem in WARNED:  # what was read only in part is named, not hidden
        assert "warning:" in done.stderr and "Someone else's invitation" in done.stderr


WARNED = {"interval-zero", "interval-negative", "secondly-no-end", "minutely-since-1970",
          "huge-duration", "no-freq"}


_PLAN = """\
timezone: UTC
goals:
  - id: pmp
    title: Become a certified project manager
    deadline: 2027-06-30
    milestones:
      - id: course
        title: Complete a PMP course
        due: 2027-03-31
        steps:
          - {id: research, title: Research PMP courses, estimate: 20h}
"""
