"""CalDAV adapters turn failures into sentences with the right exit codes."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from syncer.backends import caldav_calendar, caldav_tasks
from syncer.backends.base import AuthError, Unreachable
from syncer.backends.caldav_calendar import CalDAVCalendar
from syncer.backends.caldav_tasks import CalDAVTasks
from syncer.embedded import EmbeddedServer, free_port
from syncer.errors import ConfigError
from tests.fixtures.radicale import AUTH_PASSWORD, AUTH_USER, unique_name

pytestmark = pytest.mark.integration


def test_wrong_password_is_an_auth_error_with_exit_3_that_hides_the_password(
    radicale_auth_server: EmbeddedServer,
) -> None:
    calendar = CalDAVCalendar(radicale_auth_server.url, AUTH_USER, "hunter2-wrong", "Goals")
    with pytest.raises(AuthError) as caught:
        calendar.changes_since(None)
    assert caught.value.exit_code == 3
    assert "hunter2-wrong" not in f"{caught.value} {caught.value.hint}"
    assert "goalsync auth caldav" in (caught.value.hint or "")


def test_right_password_is_accepted(radicale_auth_server: EmbeddedServer) -> None:
    tasks = CalDAVTasks(radicale_auth_server.url, AUTH_USER, AUTH_PASSWORD, unique_name("T"))
    assert tasks.list_tasks() == []


def test_wrong_password_on_apply_raises_before_anything_is_sent(
    radicale_auth_server: EmbeddedServer,
) -> None:
    tasks = CalDAVTasks(radicale_auth_server.url, AUTH_USER, "wrong", unique_name("T"))
    with pytest.raises(AuthError):
        tasks.apply([])  # nothing to send: fine
        tasks.list_tasks()


def test_refused_connection_is_unreachable_naming_the_host() -> None:
    port = free_port()
    calendar = CalDAVCalendar(f"http://127.0.0.1:{port}/", "me", "pw", "Goals", timeout=5)
    with pytest.raises(Unreachable) as caught:
        calendar.list_blocks(*_window())
    assert f"127.0.0.1:{port}" in str(caught.value)
    assert "refused" in str(caught.value)
    assert caught.value.exit_code == 1


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A socket that accepts connections and never answers."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield int(sock.getsockname()[1])


def test_a_server_that_never_answers_times_out_as_unreachable(silent_server: int) -> None:
    calendar = CalDAVCalendar(f"http://127.0.0.1:{silent_server}/", "me", "pw", "Goals",
                              timeout=1)
    with pytest.raises(Unreachable) as caught:
        calendar.changes_since(None)
    assert f"127.0.0.1:{silent_server}" in str(caught.value)


def test_plain_http_to_another_host_is_refused_unless_allowed() -> None:
    with pytest.raises(ConfigError) as caught:
        CalDAVCalendar("http://dav.example.com/", "me", "secret-pw", "Goals")
    assert caught.value.exit_code == 2
    assert "secret-pw" not in str(caught.value)
    assert "allow_insecure_http" in (caught.value.hint or "")
    CalDAVCalendar("http://dav.example.com/", "me", "pw", "Goals", allow_insecure_http=True)
    CalDAVTasks("https://dav.example.com/", "me", "pw", "Goals")


def test_a_missing_busy_calendar_names_the_ones_that_exist(
    radicale_server: EmbeddedServer, calendar_name: str,
) -> None:
    calendar = CalDAVCalendar(radicale_server.url, "goalsync", "x", calendar_name,
                              busy_calendars=["No such calendar"])
    with pytest.raises(ConfigError) as caught:
        calendar.busy(*_window())
    assert "No such calendar" in str(caught.value)
    assert calendar_name in (caught.value.hint or "")


def test_from_settings_builds_both_adapters(radicale_server: EmbeddedServer) -> None:
    settings = {"url": radicale_server.url, "username": "goalsync", "calendar": "Cal",
                "task_list": "Tasks", "busy_calendars": ["Work"], "timeout": 5,
                "allow_insecure_http": False}
    calendar = caldav_calendar.from_settings(settings, "pw")
    tasks = caldav_tasks.from_settings(settings, "pw")
    assert (calendar.calendar_name, calendar.busy_names) == ("Cal", ("Work",))
    assert tasks.task_list_name == "Tasks"
    with pytest.raises(ConfigError):
        caldav_calendar.from_settings({"url": ""}, "pw")


def test_a_url_that_is_not_caldav_is_a_config_error(radicale_server: EmbeddedServer) -> None:
    calendar = CalDAVCalendar(f"{radicale_server.url}nobody/deeper/", "goalsync", "x", "Goals")
    with pytest.raises((ConfigError, AuthError)):
        calendar.list_blocks(*_window())


def _window() -> tuple:  # type: ignore[type-arg]
    from datetime import UTC, datetime

    return datetime(2030, 1, 1, tzinfo=UTC), datetime(2030, 2, 1, tzinfo=UTC)


def test_calendars_may_be_named_by_url(radicale_server: EmbeddedServer,
                                       calendar_name: str) -> None:
    first = CalDAVCalendar(radicale_server.url, "goalsync", "x", calendar_name)
    url = first.target.url
    by_url = CalDAVCalendar(radicale_server.url, "goalsync", "x", url, busy_calendars=[url])
    assert by_url.target.url == url
    assert by_url.busy(*_window()).intervals == ()
    missing = CalDAVCalendar(radicale_server.url, "goalsync", "x", url + "nope/")
    with pytest.raises(ConfigError):
        missing.list_blocks(*_window())


def test_embedded_settings_build_working_adapters(radicale_server: EmbeddedServer) -> None:
    settings = radicale_server.settings(calendar=unique_name("C"), task_list=unique_name("T"))
    assert caldav_tasks.from_settings(settings, "anything").list_tasks() == []
    assert caldav_calendar.from_settings(settings, "anything").list_blocks(*_window()) == []


def test_a_server_that_wants_a_login_but_has_no_username_says_so(
    radicale_auth_server: EmbeddedServer,
) -> None:
    calendar = CalDAVCalendar(radicale_auth_server.url, "", "", "Goals")
    with pytest.raises(AuthError) as caught:
        calendar.changes_since(None)
    assert "username" in str(caught.value) and "[caldav] username" in (caught.value.hint or "")
