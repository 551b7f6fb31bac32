"""The embedded default: a local Radicale CalDAV server on 127.0.0.1.

Radicale is GPL-3 licensed; goalsync (Apache-2.0) never imports it. It runs only as a
separate process (``python -m radicale`` with a generated config file), which keeps the
two programs separate works that merely talk HTTP. The only goalsync code Radicale's
process loads is its storage plugin, ``syncer/radicale_storage.py`` (GPL-3.0-or-later,
named in the generated config; nothing here imports it).

Guarantees of :class:`EmbeddedServer`:

* it listens on 127.0.0.1 only, on a free port, with no authentication (loopback only,
  one user; any username/password is accepted);
* ``start()`` returns only once the server answers HTTP (polled, bounded by
  ``startup_timeout``), else it stops the process and raises ``EmbeddedServerError``;
* ``stop()`` terminates, waits, and kills on timeout; it runs on context exit (also on
  Ctrl-C, which raises KeyboardInterrupt through ``with``), at interpreter exit, and on
  Linux the child also gets SIGTERM if the parent dies without cleaning up.
"""

from __future__ import annotations

import atexit
import contextlib
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType

from syncer.errors import GoalsyncError

DEFAULT_USER = "goalsync"

# Radicale [storage] options for the embedded server (see docs/caldav.md, "Embedded
# server"): tuned for one local client; bench/sync_embedded.py --baseline empties it.
STORAGE_OPTIONS: dict[str, str] = {
    # Radicale's own storage with its UID check and history cleaning made linear
    # (syncer/radicale_storage.py, a Radicale plugin loaded by Radicale's process only).
    "type": "syncer.radicale_storage",
    # Validate the per-item cache by file mtime and size instead of reading and
    # hashing every item file: Radicale reads every item of a collection on each
    # create (its UID-uniqueness check), so this is paid N times per new object.
    "use_mtime_and_size_for_item_cache": "True",
}


class EmbeddedServerError(GoalsyncError):
    """The local Radicale server could not be started (exit 1)."""

    exit_code = 1


def default_storage_dir() -> Path:
    """``<user data dir>/goalsync/radicale`` (per OS, via platformdirs)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("goalsync")) / "radicale"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _config_text(port: int, storage: Path, htpasswd: Path | None) -> str:
    auth = (
        f"type = htpasswd\nhtpasswd_filename = {htpasswd}\nhtpasswd_encryption = plain\n"
        if htpasswd else "type = none\n"
    )
    return (
        "[server]\n"
        f"hosts = 127.0.0.1:{port}\n"
        "[auth]\n"
        f"{auth}"
        "delay = 0\n"  # Radicale otherwise delays every 401 by about a second
        "[rights]\n"
        "type = owner_only\n"
        "[storage]\n"
        f"filesystem_folder = {storage}\n"
        + "".join(f"{key} = {value}\n" for key, value in STORAGE_OPTIONS.items()) +
        "[web]\n"
        "type = none\n"
        "[logging]\n"
        "level = warning\n"
        "mask_passwords = True\n"
    )


def _die_with_parent() -> None:  # pragma: no cover - runs in the child
    """Linux: ask the kernel to SIGTERM the child when its parent dies."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:
        pass


class EmbeddedServer:
    """A Radicale process for goalsync's embedded mode and for tests.

    ``storage``: the collection folder (default: :func:`default_storage_dir`).
    ``htpasswd``: a plain-text htpasswd file to require passwords (tests of 401s);
    without it, no authentication.
    """

    def __init__(
        self,
        storage: Path | str | None = None,
        *,
        htpasswd: Path | str | None = None,
        port: int | None = None,
        startup_timeout: float = 20.0,
        stop_timeout: float = 5.0,
    ) -> None:
        self.storage = Path(storage) if storage is not None else default_storage_dir()
        self.htpasswd = Path(htpasswd) if htpasswd is not None else None
        self.startup_timeout = startup_timeout
        self.stop_timeout = stop_timeout
        self.requested_port = port  # None: any free port
        self.port = 0
        self.startup_seconds = 0.0
        self._process: subprocess.Popen[bytes] | None = None
        self._config_dir: tempfile.TemporaryDirectory[str] | None = None
        self._log_path: Path | None = None
        self._last_log = ""

    @property
    def url(self) -> str:
        """The server root, ``http://127.0.0.1:<port>/``."""
        if self._process is None:
            raise EmbeddedServerError("the embedded CalDAV server is not running")
        return f"http://127.0.0.1:{self.port}/"

    def user_url(self, user: str = DEFAULT_USER) -> str:
        """The collection home of ``user`` (Radicale: ``/<user>/``)."""
        return f"{self.url}{user}/"

    def settings(self, calendar: str = "Goals",
                 task_list: str = "Goal tasks") -> dict[str, object]:
        """A ``[caldav]`` settings mapping for the adapters' ``from_settings`` (any
        password works: the embedded server has no authentication)."""
        return {"url": self.url, "username": DEFAULT_USER, "calendar": calendar,
                "task_list": task_list, "busy_calendars": [], "allow_insecure_http": False,
                "timeout": 30}

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def __enter__(self) -> EmbeddedServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> EmbeddedServer:
        """Start the server and wait until it answers. Raises EmbeddedServerError."""
        if self.running:
            return self
        try:
            self.storage.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise EmbeddedServerError(
                f"cannot use {self.storage} for the embedded CalDAV server's data "
                f"({exc.strerror or type(exc).__name__})",
                hint="set state_dir in the config file to a folder goalsync may write",
            ) from None
        if self.requested_port is not None and not _port_free(self.requested_port):
            raise EmbeddedServerError(
                f"port {self.requested_port} on 127.0.0.1 is in use",
                hint="stop the program using it, or choose another with --port")
        began = time.monotonic()
        for _ in range(3):  # a port taken between probe and bind: try another
            if self._try_start():
                self.startup_seconds = time.monotonic() - began
                atexit.register(self.stop)
                return self
            if "in use" not in self._last_log or self.requested_port is not None:
                break  # any other failure would only happen again
        raise EmbeddedServerError(
            "the embedded CalDAV server (Radicale) did not start",
            hint=f"its log says: {self._last_log or 'nothing'}",
        )

    def _try_start(self) -> bool:
        self.port = self.requested_port or free_port()
        self._config_dir = tempfile.TemporaryDirectory(prefix="goalsync-radicale-")
        config = Path(self._config_dir.name) / "config"
        config.write_text(_config_text(self.port, self.storage, self.htpasswd))
        self._log_path = Path(self._config_dir.name) / "radicale.log"
        with self._log_path.open("wb") as log:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "radicale", "--config", str(config)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent if sys.platform == "linux" else None,
            )
        if self._wait_until_answering():
            return True
        self._cleanup_process()  # stops the process, so its log is complete
        return False

    def _wait_until_answering(self) -> bool:
        deadline = time.monotonic() + self.startup_timeout
        delay = 0.01
        while time.monotonic() < deadline:
            if self._process is None or self._process.poll() is not None:
                return False
            if self._answers():
                return True
            time.sleep(delay)
            delay = min(delay * 1.5, 0.2)
        return False

    def _answers(self) -> bool:
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}/", method="OPTIONS")
        try:
            with urllib.request.urlopen(request, timeout=1):  # noqa: S310 - loopback only
                return True
        except urllib.error.HTTPError:
            return True  # any HTTP answer means it is up
        except OSError:
            return False

    def _log_tail(self) -> str:
        if self._log_path is None or not self._log_path.exists():
            return ""
        lines = self._log_path.read_text(errors="replace").strip().splitlines()
        return " | ".join(lines[-3:])

    def stop(self) -> None:
        """Terminate the server (kill after ``stop_timeout``); safe to call twice."""
        self._cleanup_process()
        with contextlib.suppress(Exception):
            atexit.unregister(self.stop)

    def _cleanup_process(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(self.stop_timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._config_dir is not None:
            self._last_log = self._log_tail()
            self._config_dir.cleanup()
            self._config_dir = None


def ensure_collections(
    url: str, calendar: str, task_list: str | None = None, username: str = DEFAULT_USER
) -> None:
    """Create the calendar (VEVENT) and the task list (VTODO) on the server at ``url``
    if they do not exist yet (found by display name)."""
    from syncer.backends.caldav_common import DavConnection

    connection = DavConnection(url, username, "goalsync", allow_insecure_http=False)
    try:
        connection.find_or_create_collection(calendar, "VEVENT")
        if task_list:
            connection.find_or_create_collection(task_list, "VTODO")
    finally:
        connection.close()


def main() -> None:  # pragma: no cover - manual use: python -m syncer.embedded
    """Run the embedded server in the foreground until Ctrl-C."""
    with EmbeddedServer() as server:
        print(f"Radicale on {server.url} (storage {server.storage}); "
              f"started in {server.startup_seconds:.2f}s. Ctrl-C stops it.")
        with contextlib.suppress(KeyboardInterrupt):
            while server.running:
                time.sleep(0.5)


if __name__ == "__main__":  # pragma: no cover
    main()

__all__ = ["EmbeddedServer", "EmbeddedServerError", "default_storage_dir", "ensure_collections",
           "free_port"]
