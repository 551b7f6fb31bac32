"""A server that answers without logging the user in is not an empty account.

Found against Cyrus IMAP 3.6 (the server Fastmail runs): it answers an anonymous
PROPFIND on /dav/ with 207, not 401. goalsync sent credentials only after a 401, so it
never logged in: `goalsync plan` exited 0 proposing to create everything that already
existed, and `sync` stopped with "does not exist ... could not create it (405)". Now
Basic credentials go with every request, and an answer that names no logged-in user
while a username is configured is an AuthError (exit 3) naming the server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from syncer import credentials
from syncer.backends.base import AuthError
from syncer.backends.caldav_common import DavConnection
from syncer.cli import cli
from tests.helpers.cli import run_main
from tests.helpers.dav_stub import (
    ANONYMOUS_ABSENT,
    ANONYMOUS_UNAUTHENTICATED,
    DIGEST_ONLY,
    DavStub,
    dav_stub,
)
from tests.helpers.home import isolate_home
from tests.helpers.plans import pmp_plan

pytestmark = pytest.mark.integration


@pytest.fixture(params=[ANONYMOUS_ABSENT, ANONYMOUS_UNAUTHENTICATED])
def anonymous(request: pytest.FixtureRequest) -> Iterator[DavStub]:
    with dav_stub(request.param) as stub:
        yield stub


@pytest.fixture
def configured(anonymous: DavStub, tmp_path: Path,
               monkeypatch: pytest.MonkeyPatch) -> DavStub:
    """A user whose config points both backends at the anonymous server."""
    isolate_home(monkeypatch, tmp_path)
    config = tmp_path / "goalsync.toml"
    monkeypatch.setenv("GOALSYNC_CONFIG", str(config))
    config.write_text(
        '[tasks]\nbackend = "caldav"\n[calendar]\nbackend = "caldav"\n'
        f'[caldav]\nurl = "{anonymous.url}"\nusername = "alice"\n'
        'calendar = "Goals"\ntask_list = "Goals"\nbusy_calendars = ["Work"]\n')
    monkeypatch.setenv("GOALSYNC_CALDAV_PASSWORD", "secret-pw")
    (tmp_path / "goals.yaml").write_text(pmp_plan())
    monkeypatch.chdir(tmp_path)
    return anonymous


def _host(stub: DavStub) -> str:
    return stub.url.split("/")[2]


def test_plan_against_an_anonymous_answer_exits_3_naming_the_server(
        configured: DavStub) -> None:
    code, out, err = run_main("plan", "goals.yaml")
    assert code == 3, out + err
    assert f"the CalDAV server {_host(configured)} answered without logging in user " \
           "'alice'" in err
    assert "[caldav] url" in err
    assert "to create" not in out and "Blocks to book" not in out
    assert "secret-pw" not in out + err


def test_sync_against_an_anonymous_answer_exits_3_and_creates_nothing(
        configured: DavStub) -> None:
    code, out, err = run_main("sync", "goals.yaml")
    assert code == 3, out + err
    assert "could not create" not in err and "does not exist" not in err
    assert "MKCALENDAR" not in configured.methods()
    assert "PUT" not in configured.methods()


def test_credentials_go_with_the_first_request(configured: DavStub) -> None:
    run_main("plan", "goals.yaml")
    assert configured.seen, "nothing was sent"
    assert all(auth.startswith("Basic ") for _, _, auth in configured.seen)


def test_auth_caldav_stores_nothing_when_the_server_answers_anonymously(
        anonymous: DavStub, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    stored: dict[str, str] = {}
    monkeypatch.setattr(credentials, "set_secret", stored.__setitem__)
    isolate_home(monkeypatch, tmp_path)
    result = CliRunner().invoke(cli, ["auth", "caldav", "--url", anonymous.url, "--username",
                                      "alice", "--password-stdin"], input="secret-pw\n")
    assert result.exit_code == 3, result.output
    assert "without logging in" in result.output
    assert stored == {}


def test_without_a_username_an_anonymous_server_is_read_as_it_is(anonymous: DavStub) -> None:
    dav = DavConnection(anonymous.url, None, None)
    try:
        assert dav.home() == anonymous.url
        assert all(auth == "" for _, _, auth in anonymous.seen)
    finally:
        dav.close()


def test_the_error_is_an_auth_error_with_exit_3(anonymous: DavStub) -> None:
    dav = DavConnection(anonymous.url, "alice", "pw")
    try:
        with pytest.raises(AuthError) as caught:
            dav.collections()
        assert caught.value.exit_code == 3
    finally:
        dav.close()


def test_a_server_that_only_takes_digest_gets_digest_after_its_challenge() -> None:
    with dav_stub(DIGEST_ONLY) as stub:
        dav = DavConnection(stub.url, "alice", "pw")
        try:
            assert dav.home().endswith("/calendars/alice/")
        finally:
            dav.close()
        assert stub.seen[0][2].startswith("Basic ")
        assert stub.seen[-1][2].startswith('Digest username="alice"')
