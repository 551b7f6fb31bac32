"""Progress: every phase of a sync says what it is doing (``syncer.activity``); a
terminal shows it on stderr (``syncer.term.live_progress``); a pipe, ``--quiet`` and
``--json`` show nothing, and the JSON is what it was."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import pytest

from syncer import activity, engine
from syncer.term import live_progress
from tests.helpers.cli import memory_world, run_main, stop_servers
from tests.helpers.plans import pmp_plan


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, object, object]] = []

    def phase(self, text: str, total: int | None) -> None:
        self.events.append(("phase", text, total))

    def done(self, count: int) -> None:
        self.events.append(("done", count, None))

    def tick(self, count: int) -> None:
        self.events.append(("tick", count, None))

    def phases(self) -> list[str]:
        return [str(text) for kind, text, _ in self.events if kind == "phase"]


class Terminal(io.StringIO):
    encoding = "utf-8"

    def isatty(self) -> bool:
        return True


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> engine.Backends:
    return memory_world(monkeypatch, tmp_path, pmp_plan(steps=4, priority=False))


def test_a_first_sync_announces_each_phase_and_counts_its_writes(
        world: engine.Backends) -> None:
    recorder = Recorder()
    with activity.reporting(recorder):
        code, out, err = run_main("sync", "goals.yaml")
    assert code == 0, err
    phases = recorder.phases()
    assert phases[:6] == ["Reading goals.yaml", "Connecting to the task list and calendar",
                          "Reading the task list (memory)", "Reading the calendar (memory)",
                          "Scheduling", "Writing"]
    writing = next(e for e in recorder.events if e[:2] == ("phase", "Writing"))
    total = writing[2]
    assert isinstance(total, int) and total > 0
    counts = [e[1] for e in recorder.events if e[0] == "done"]
    assert counts[-1] == total and counts == sorted(counts)  # n/N climbs to N
    assert phases[-2:] == ["Reading back what was written", "Saving the state"]


def test_a_no_change_sync_writes_nothing_and_says_so_in_its_phases(
        world: engine.Backends) -> None:
    assert run_main("sync", "goals.yaml")[0] == 0
    recorder = Recorder()
    with activity.reporting(recorder):
        assert run_main("sync", "goals.yaml")[0] == 0
    assert "Writing" not in recorder.phases()
    assert "Scheduling" in recorder.phases()


def test_a_terminal_sees_the_phases_and_n_of_N() -> None:
    screen = Terminal()
    with live_progress(stream=screen, delay=0):
        activity.phase("Reading the calendar (caldav)")
        activity.phase("Writing", total=40)
        activity.done(12)
        activity.tick(3)
        for _ in range(100):  # the line starts on a timer thread; then it shows
            if "15/40" in screen.getvalue():
                break
            time.sleep(0.05)
    shown = screen.getvalue()
    assert "Writing" in shown and "15/40" in shown


def test_a_quick_run_draws_nothing() -> None:
    screen = Terminal()
    with live_progress(stream=screen, delay=30):
        activity.phase("Scheduling")
    assert screen.getvalue() == ""


def test_a_pipe_and_quiet_show_nothing() -> None:
    pipe = io.StringIO()
    with live_progress(stream=pipe):
        activity.phase("Writing", total=4)
    assert pipe.getvalue() == ""
    screen = Terminal()
    with live_progress(enabled=False, stream=screen):  # --quiet, --json
        activity.phase("Writing", total=4)
    assert screen.getvalue() == ""


def test_sync_on_a_pipe_prints_no_progress_and_json_is_unchanged(
        world: engine.Backends) -> None:
    code, out, err = run_main("sync", "goals.yaml", "--json")
    assert code == 0
    assert set(json.loads(out)) == {"created", "updated", "deleted", "pinned", "completed",
                                    "unscheduled", "errors", "notes"}
    assert len(out.strip().splitlines()) == 1  # one line, as before
    assert err == ""
    code, out, err = run_main("sync", "goals.yaml", "--quiet")
    assert code == 0 and "Reading" not in err + out


def test_a_sync_that_could_read_nothing_says_so(world: engine.Backends,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    assert run_main("sync", "goals.yaml")[0] == 0
    stop_servers(world, monkeypatch)
    code, out, err = run_main("sync", "goals.yaml")
    assert code == 1
    assert "could not be read" in out and "nothing was changed" not in out
    assert "finishes what is left" not in err
    assert "reachable" in err
