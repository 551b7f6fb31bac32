"""The embedded Radicale: starts fast on loopback, leaves no process behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from syncer.backends.caldav_common import DavConnection
from syncer.embedded import EmbeddedServer, ensure_collections

pytestmark = pytest.mark.integration


def _gone(pid: int, within: float = 10.0) -> bool:
    """True once no process ``pid`` exists (zombies of other parents count as gone)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        if _is_zombie(pid):
            return True
        time.sleep(0.05)
    return False


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except (OSError, IndexError):
        return False


def test_server_answers_on_loopback_and_stops_without_leftovers(tmp_path: Path) -> None:
    server = EmbeddedServer(tmp_path)
    with server:
        assert server.url.startswith("http://127.0.0.1:")
        assert server.startup_seconds > 0
        pid = server.pid
        request = urllib.request.Request(server.url, method="OPTIONS")
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            assert response.status == 200
    assert pid is not None and _gone(pid)
    assert not server.running
    server.stop()  # a second stop is harmless


def test_ensure_collections_creates_calendar_and_task_list_once(tmp_path: Path) -> None:
    with EmbeddedServer(tmp_path) as server:
        ensure_collections(server.url, "Goals", "Goal tasks")
        ensure_collections(server.url, "Goals", "Goal tasks")
        names = sorted(
            (c.name, sorted(c.components))
            for c in DavConnection(server.url, "goalsync", "x").collections()
        )
        assert names == [("Goal tasks", ["VTODO"]), ("Goals", ["VEVENT"])]


def test_storage_survives_a_restart(tmp_path: Path) -> None:
    with EmbeddedServer(tmp_path) as server:
        ensure_collections(server.url, "Goals")
    with EmbeddedServer(tmp_path) as server:
        found = DavConnection(server.url, "goalsync", "x").find_collection("Goals", "VEVENT")
        assert found is not None


CHILD = textwrap.dedent("""
    import os, signal, sys, time
    # Ctrl-C as on a terminal, whatever this test run inherited (a shell without job
    # control starts background commands with SIGINT ignored, and children keep that)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    from syncer.embedded import EmbeddedServer
    server = EmbeddedServer(sys.argv[1]).start()
    print(server.pid, flush=True)
    if sys.argv[2] == "crash":
        os._exit(9)  # no atexit, no cleanup: the kernel must take the server down
    with server:
        time.sleep(60)
""")


def _run_child(tmp_path: Path, mode: str) -> tuple[subprocess.Popen[str], int]:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(tmp_path), mode],
        stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[2],
    )
    assert child.stdout is not None
    return child, int(child.stdout.readline())


def test_ctrl_c_stops_the_server(tmp_path: Path) -> None:
    child, server_pid = _run_child(tmp_path, "wait")
    child.send_signal(signal.SIGINT)
    child.wait(timeout=20)
    assert _gone(server_pid)


@pytest.mark.skipif(sys.platform != "linux", reason="parent-death signal is Linux only")
def test_server_dies_with_a_crashed_parent(tmp_path: Path) -> None:
    child, server_pid = _run_child(tmp_path, "crash")
    child.wait(timeout=20)
    assert _gone(server_pid)


def test_an_unusable_storage_folder_is_a_sentence(tmp_path: Path) -> None:
    from syncer.embedded import EmbeddedServerError

    storage = tmp_path / "not-a-folder"
    storage.write_text("a file where the collections should be")
    with pytest.raises(EmbeddedServerError) as caught:
        EmbeddedServer(storage).start()
    assert str(storage) in str(caught.value)


def test_a_server_that_cannot_start_says_why(tmp_path: Path) -> None:
    from syncer.embedded import EmbeddedServerError

    server = EmbeddedServer(tmp_path, htpasswd=tmp_path / "missing-users-file",
                            startup_timeout=10)
    with pytest.raises(EmbeddedServerError) as caught:
        server.start()
    assert caught.value.hint and caught.value.hint != "its log says: nothing"
    assert not server.running


def _todo(uid: str) -> bytes:
    return (f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VTODO\r\n"
            f"UID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nSUMMARY:{uid}\r\nEND:VTODO\r\n"
            "END:VCALENDAR\r\n").encode()


def test_a_uid_held_under_another_name_is_refused_also_when_written_behind_its_back(
    tmp_path: Path,
) -> None:
    """The embedded server's storage plugin (syncer/radicale_storage.py) keeps
    Radicale's UID check: a new object whose UID another object of the collection has
    is refused (409), whether that object came through the server or was put into the
    folder by another program, and a UID that is gone is free again."""
    from syncer import radicale_storage
    from syncer.backends.base import PreconditionFailed

    assert radicale_storage._SUPPORTED  # this Radicale has what the plugin replaces
    with EmbeddedServer(tmp_path) as server:
        dav = DavConnection(server.url, "goalsync", "x")
        try:
            tasks = dav.find_or_create_collection("Tasks", "VTODO")
            etag = dav.put(dav.object_url(tasks.url, "one.ics"), _todo("uid-1"), create=True)
            with pytest.raises(PreconditionFailed):
                dav.put(dav.object_url(tasks.url, "two.ics"), _todo("uid-1"), create=True)
            folder = next(p for p in tmp_path.rglob("one.ics")).parent
            (folder / "dropped.ics").write_bytes(_todo("uid-2"))
            with pytest.raises(PreconditionFailed):
                dav.put(dav.object_url(tasks.url, "three.ics"), _todo("uid-2"), create=True)
            # replaced behind its back: same name, another UID
            (folder / "dropped.ics").write_bytes(_todo("uid-3") + b"\r\n")
            dav.put(dav.object_url(tasks.url, "three.ics"), _todo("uid-2"), create=True)
            dav.delete(dav.object_url(tasks.url, "one.ics"), etag)
            dav.put(dav.object_url(tasks.url, "four.ics"), _todo("uid-1"), create=True)
        finally:
            dav.close()


def test_cache_files_a_power_cut_left_empty_are_cache_misses(tmp_path: Path) -> None:
    """The plugin does not sync Radicale's derived caches to disk (the object itself
    is): an empty item-cache or history file, as a power cut may leave, is read as a
    miss, and the object can be read, updated and reported as changed."""
    with EmbeddedServer(tmp_path) as server:
        dav = DavConnection(server.url, "goalsync", "x")
        try:
            tasks = dav.find_or_create_collection("Tasks", "VTODO")
            url = dav.object_url(tasks.url, "one.ics")
            dav.put(url, _todo("uid-1"), create=True)
            before = dav.collection_at(tasks.url)
            assert before is not None and before.sync_token is not None
            caches = [p for p in tmp_path.rglob("one.ics") if ".Radicale.cache" in p.parts]
            assert {p.parent.name for p in caches} == {"item", "history"}
            for cache in caches:
                cache.write_bytes(b"")
            (found,) = dav.fetch(tasks.url, [urlsplit(url).path])
            assert "uid-1" in found.data
            dav.put(url, _todo("uid-1").replace(b"SUMMARY:uid-1", b"SUMMARY:again"),
                    etag=found.etag)
            delta = dav.changed_since(tasks.url, before.sync_token)
            assert delta is not None and [o.href for o in delta.changed] == [urlsplit(url).path]
        finally:
            dav.close()
