"""Public holiday dates kept beside the state (``holidays.json``), so a sync whose plan
names a country does not import the ``holidays`` package (some 0.2 s of CPU) every run:
the first run computes a year's dates and puts them here, later runs read them.

The file is a cache: missing, unreadable, oversized, malformed, or written with another
version of the ``holidays`` package, it is ignored and the dates are computed again.
Writing it never fails a run (a read-only folder just keeps computing).
"""

from __future__ import annotations

import json
import os
from datetime import date
from importlib.util import find_spec
from pathlib import Path
from typing import Any

STORE_FILE = "holidays.json"
_LIMIT = 1024 * 1024  # bytes: a year of one region is a few hundred


def package_version() -> str | None:
    """The installed ``holidays`` package's version (from its ``*.dist-info`` folder's
    name, without importing it), or None when it cannot be told."""
    try:
        spec = find_spec("holidays")
        if spec is None or spec.origin is None:
            return None
        found = sorted(Path(spec.origin).parent.parent.glob("holidays-*.dist-info"))
    except (OSError, ImportError, ValueError):
        return None
    return found[-1].name.removesuffix(".dist-info").partition("-")[2] if found else None


class HolidayFile:
    """A ``public_holidays.HolidayStore`` in the JSON file ``path``:
    ``{"holidays": VERSION, "dates": {"DE-BY 2027": ["2027-01-01", ...]}}``. With
    ``write=False`` (a dry run) it is only read."""

    def __init__(self, path: Path, *, write: bool = True) -> None:
        self.path = path
        self.write = write
        self._version: str | None = None
        self._dates: dict[str, Any] | None = None

    def _load(self) -> dict[str, Any]:
        if self._dates is None:
            self._dates = {}
            self._version = package_version()
            try:
                if self._version is not None and self.path.stat().st_size <= _LIMIT:
                    saved = json.loads(self.path.read_text(encoding="utf-8"))
                    if (isinstance(saved, dict) and saved.get("holidays") == self._version
                            and isinstance(saved.get("dates"), dict)):
                        self._dates = saved["dates"]
            except (OSError, ValueError):  # missing or damaged: computed again
                pass
        return self._dates

    def get(self, region: str, year: int) -> frozenset[date] | None:
        days = self._load().get(f"{region} {year}")
        if not isinstance(days, list):
            return None
        try:
            found = frozenset(date.fromisoformat(day) for day in days)
        except (TypeError, ValueError):
            return None
        return found if all(day.year == year for day in found) else None

    def knows(self, region: str) -> bool:
        return any(key.rpartition(" ")[0] == region for key in self._load())

    def put(self, region: str, year: int, days: frozenset[date]) -> None:
        dates = self._load()
        dates[f"{region} {year}"] = sorted(day.isoformat() for day in days)
        if not self.write or self._version is None:
            return
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        text = json.dumps({"holidays": self._version, "dates": dates}, sort_keys=True)
        try:
            # 0600 like every file of the state folder (docs/state.md)
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(temporary, self.path)
        except OSError:  # a read-only or full folder: the next run computes them again
            temporary.unlink(missing_ok=True)
