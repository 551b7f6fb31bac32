"""Pure helpers of the CalDAV layer: URL checks and error sentences."""

from __future__ import annotations

import pytest

from syncer.backends.caldav_common import (
    _network_reason,
    calendar_query,
    check_url,
    host_of,
    is_collection_url,
    is_loopback,
    without_userinfo,
)
from syncer.errors import ConfigError
from syncer.ical import href_name


@pytest.mark.parametrize("url", ["http://127.0.0.1:5232/", "http://localhost/dav/",
                                 "http://[::1]:8080/", "http://127.1.2.3/",
                                 "http://[::ffff:127.0.0.1]:8008/dav/"])
def test_loopback_urls_may_use_plain_http(url: str) -> None:
    assert is_loopback(url)
    assert check_url(url, allow_insecure_http=False)


def test_plain_http_elsewhere_needs_the_flag() -> None:
    with pytest.raises(ConfigError):
        check_url("http://192.0.2.10/dav/", allow_insecure_http=False)
    assert check_url("http://192.0.2.10/dav/", allow_insecure_http=True)


def test_urls_lose_their_user_info_before_they_are_shown() -> None:
    url = "https://me:secret@dav.example.com:8443/cal/"
    assert without_userinfo(url) == "https://dav.example.com:8443/cal/"
    assert check_url(url, False) == "https://dav.example.com:8443/cal/"
    assert host_of(url) == "dav.example.com:8443"


def test_an_ipv6_server_keeps_its_brackets() -> None:
    url = "http://u:pw@[::ffff:127.0.0.1]:8008/dav/"
    assert check_url(url, False) == "http://[::ffff:127.0.0.1]:8008/dav/"
    assert host_of(url) == "[::ffff:127.0.0.1]:8008"


@pytest.mark.parametrize("url", ["http://127.0.0.1:80x/dav/", "http://[::1]:99999999/",
                                 "http://u:secret@127.0.0.1:8:9/"])
def test_a_port_that_is_not_a_number_is_a_config_error(url: str) -> None:
    with pytest.raises(ConfigError) as refused:
        check_url(url, False)
    assert "port" in refused.value.message and "secret" not in refused.value.message


def test_non_http_urls_are_config_errors() -> None:
    with pytest.raises(ConfigError):
        check_url("dav.example.com", False)


@pytest.mark.parametrize(("error", "words"), [
    (ConnectionRefusedError("[Errno 111] Connection refused"), "refused"),
    (OSError("[Errno -2] Name or service not known"), "host name"),
    (TimeoutError("timed out"), "timed out"),
    (OSError("[SSL: CERTIFICATE_VERIFY_FAILED]"), "TLS"),
])
def test_network_failures_become_short_reasons(error: Exception, words: str) -> None:
    assert words in _network_reason(error)


def test_collection_urls_are_told_apart_from_names() -> None:
    assert is_collection_url("https://dav.example.com/cal/")
    assert is_collection_url("/calendars/me/work/")
    assert not is_collection_url("Work")


def test_time_range_query_is_in_utc() -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    start = datetime(2030, 3, 4, 9, tzinfo=ZoneInfo("Europe/Berlin"))
    body = calendar_query("VEVENT", start, start.replace(hour=10))
    assert 'start="20300304T080000Z" end="20300304T090000Z"' in body


def test_object_names_avoid_at_signs_and_keep_blocks_and_tasks_apart() -> None:
    assert href_name("goalsync-p-a-1@goalsync") == "goalsync-p-a-1.goalsync.ics"
    assert href_name("goalsync-p-a-1@goalsync-task") == "goalsync-p-a-1.goalsync-task.ics"
