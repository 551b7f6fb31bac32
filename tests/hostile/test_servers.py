"""Misbehaving servers (tests/hostile/servers.py): an error status, garbage, an XML
bomb, a gzip bomb, a body larger than any calendar, headers or a body sent one byte at
a time, a Todoist answer of the wrong shape. `plan` and `sync` against each, as the
CalDAV server and as the Todoist API, must end with exit 1 and a sentence (server
trouble, never a config error), no traceback, bounded memory, within the whole-request
deadline, and send no write."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from syncer.backends import bounded, todoist_http
from tests.helpers.home import isolate_home
from tests.helpers.plans import pmp_plan
from tests.hostile.harness import assert_sentence, guarded
from tests.hostile.servers import KINDS, misbehaving

READS = {"PROPFIND", "REPORT", "GET", "OPTIONS", "POST"}  # POST: a Todoist read
SMALL_BODY = 8 * 1024 * 1024  # the bound for these runs (the real one: bounded.MAX_BODY)
DEADLINE = 1.5  # seconds for a whole request in these runs (CalDAV: 2 x timeout)


def _config(backend: str, url: str) -> str:
    if backend == "caldav":
        return ('[tasks]\nbackend = "caldav"\n[calendar]\nbackend = "caldav"\n'
                f'[caldav]\nurl = "{url}"\nusername = "me"\ntimeout = 0.75\n')
    return ('[tasks]\nbackend = "todoist"\n[calendar]\nbackend = "none"\n'
            f'[todoist]\napi_url = "{url}"\n')


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    isolate_home(monkeypatch, tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GOALSYNC_CALDAV_PASSWORD", "pw-for-hostile-tests")
    monkeypatch.setenv("GOALSYNC_TODOIST_TOKEN", "token-for-hostile-tests")
    monkeypatch.setattr(bounded, "MAX_BODY", SMALL_BODY)
    monkeypatch.setattr(bounded, "DEADLINE", DEADLINE)
    # the retry policies' waits (Retry-After, back-off) are real in use, not here
    monkeypatch.setattr(time, "sleep", lambda seconds: None)
    defaults = list(todoist_http.Retrier.__init__.__defaults__ or ())
    defaults[-1] = time.sleep
    monkeypatch.setattr(todoist_http.Retrier.__init__, "__defaults__", tuple(defaults))
    (tmp_path / "goals.yaml").write_text(pmp_plan())
    return tmp_path


@pytest.mark.parametrize("backend", ["caldav", "todoist"])
@pytest.mark.parametrize("kind", KINDS)
def test_a_misbehaving_server_is_exit_1_with_a_sentence(
        home: Path, monkeypatch: pytest.MonkeyPatch, kind: str, backend: str) -> None:
    if kind.startswith("todoist") and backend != "todoist":
        pytest.skip("a Todoist answer")
    with misbehaving(kind) as server:
        config = home / "goalsync.toml"
        config.write_text(_config(backend, server.url))
        monkeypatch.setenv("GOALSYNC_CONFIG", str(config))
        for command in ("plan", "sync"):
            outcome = guarded(command, "goals.yaml")
            code = 2 if backend == "caldav" and kind == "empty-200" else 1
            assert_sentence(outcome, code)  # empty-200: not a CalDAV server at that URL
            # a generous bound: one deadline per request the run may send
            assert outcome.seconds < 30, outcome.seconds
        assert set(server.methods) <= READS, server.methods


@pytest.mark.parametrize("backend", ["caldav", "todoist"])
def test_a_gzip_bomb_stops_at_the_real_bound(home: Path, monkeypatch: pytest.MonkeyPatch,
                                             backend: str) -> None:
    monkeypatch.setattr(bounded, "MAX_BODY", 64 * 1024 * 1024)
    with misbehaving("gzip-bomb") as server:
        config = home / "goalsync.toml"
        config.write_text(_config(backend, server.url))
        monkeypatch.setenv("GOALSYNC_CONFIG", str(config))
        outcome = guarded("plan", "goals.yaml")
        assert_sentence(outcome, 1, says="larger than 64 MB")
        assert outcome.peak < 150 * 1024 * 1024, outcome.peak  # not the 80 MB it expands to, twice


def test_caldav_timeout_must_be_a_finite_number(home: Path, monkeypatch: pytest.MonkeyPatch
                                               ) -> None:
    for value in ("nan", "inf", "-inf"):
        (home / "goalsync.toml").write_text(f"[caldav]\ntimeout = {value}\n")
        monkeypatch.setenv("GOALSYNC_CONFIG", str(home / "goalsync.toml"))
        assert_sentence(guarded("plan", "goals.yaml"), 2, says="goalsync.toml:2")
