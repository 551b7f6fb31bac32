"""Public holidays of a configured region, from the ``holidays`` package (pure data).

``region`` is a country code ("DE", "US") optionally followed by a subdivision
("DE-BY", "US-CA"), as in the scheduling rule ``holidays`` and the plan's ``holidays:``.
The package (some 0.2 s of CPU to import and load its country tables) is imported only
when a region is checked or dates are computed; ``REGION`` (the written form) needs
nothing. Inside ``stored(store)`` a year's dates are read from ``store`` when it has
them and put there once computed, so a run that finds them stored (the quick no-change
sync: ``syncer.holiday_store`` keeps them beside the state) never imports the package.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from functools import lru_cache
from typing import Protocol

from syncer.errors import ConfigError

# ISO 3166-1 alpha-2 (or alpha-3) country, optionally "-" and an ISO 3166-2 subdivision
REGION = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,3})?$")
REGION_HINT = 'use an ISO 3166 code such as "DE", "GB", "US" or "US-CA"'


def _split(region: str) -> tuple[str, str | None]:
    country, _, subdivision = region.partition("-")
    return country, subdivision or None


def region_problem(region: str) -> tuple[str, str] | None:
    """Why ``region`` (upper case) has no known public holidays, as (reason, hint);
    None when the ``holidays`` package knows the country (and subdivision), or a store
    in use holds dates computed for it (no import needed then)."""
    if any(store.knows(region) for store in _stores):
        return None
    return _package_problem(region)


@lru_cache(maxsize=64)
def _package_problem(region: str) -> tuple[str, str] | None:
    import holidays as _holidays

    country, subdivision = _split(region)
    supported = _holidays.list_supported_countries()
    if country not in supported:
        return f"no public holidays are known for country {country!r}", REGION_HINT
    if subdivision is not None and subdivision not in supported[country]:
        codes = [s for s in supported[country] if REGION.match(f"{country}-{s}")]
        shown = ", ".join(codes[:24]) + (", ..." if len(codes) > 24 else "")
        return (f"{country} has no subdivision {subdivision!r}",
                f"its subdivisions: {shown or 'none'}; or {country} alone")
    return None


def check_region(region: str) -> None:
    """Raise ConfigError unless ``region`` is a supported country (and subdivision)."""
    problem = region_problem(region)
    if problem is not None:
        reason, hint = problem
        raise ConfigError(f"scheduling rule `holidays` = {region!r}: {reason}", hint=hint)


class HolidayStore(Protocol):
    """Dates computed by an earlier run: ``get`` None when not stored."""

    def get(self, region: str, year: int) -> frozenset[date] | None: ...

    def put(self, region: str, year: int, days: frozenset[date]) -> None: ...

    def knows(self, region: str) -> bool:
        """Whether dates of ``region`` were computed (so the package knows it)."""
        ...


_stores: list[HolidayStore] = []


@contextmanager
def stored(store: HolidayStore) -> Iterator[HolidayStore]:
    """Read holiday dates from ``store`` and put the ones computed there, inside."""
    _stores.append(store)
    try:
        yield store
    finally:
        _stores.remove(store)


@lru_cache(maxsize=256)
def _computed(region: str, year: int) -> frozenset[date]:
    import holidays as _holidays

    country, subdivision = _split(region)
    return frozenset(_holidays.country_holidays(country, subdiv=subdivision, years=year))


def _region_year(region: str, year: int) -> frozenset[date]:
    """The dates of one calendar year."""
    store = _stores[-1] if _stores else None
    days = store.get(region, year) if store is not None else None
    if days is None:
        days = _computed(region, year)
        if store is not None:
            store.put(region, year, days)
    return days


def holiday_dates(region: str, first: date, last: date) -> frozenset[date]:
    """Public holidays of ``region`` from ``first`` to ``last`` (inclusive)."""
    if not region:
        return frozenset()
    found: set[date] = set()
    for year in range(first.year, last.year + 1):
        found.update(d for d in _region_year(region, year) if first <= d <= last)
    return frozenset(found)
