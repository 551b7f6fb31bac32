"""Public holidays of a configured region, from the ``holidays`` package (pure data).

``region`` is a country code ("DE", "US") optionally followed by a subdivision
("DE-BY", "US-CA"), as in the scheduling rule ``holidays`` and the plan's ``holidays:``.
The package (about 80 ms to import) is imported only when a region is checked or its
dates are needed; ``REGION`` (the written form) needs nothing.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

from syncer.errors import ConfigError

# ISO 3166-1 alpha-2 (or alpha-3) country, optionally "-" and an ISO 3166-2 subdivision
REGION = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,3})?$")
REGION_HINT = 'use an ISO 3166 code such as "DE", "GB", "US" or "US-CA"'


def _split(region: str) -> tuple[str, str | None]:
    country, _, subdivision = region.partition("-")
    return country, subdivision or None


@lru_cache(maxsize=64)
def region_problem(region: str) -> tuple[str, str] | None:
    """Why ``region`` (upper case) has no known public holidays, as (reason, hint);
    None when the ``holidays`` package knows the country (and subdivision)."""
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


@lru_cache(maxsize=64)
def _region_years(region: str, years: tuple[int, ...]) -> frozenset[date]:
    import holidays as _holidays

    country, subdivision = _split(region)
    found = _holidays.country_holidays(country, subdiv=subdivision, years=years)
    return frozenset(found)


def holiday_dates(region: str, first: date, last: date) -> frozenset[date]:
    """Public holidays of ``region`` from ``first`` to ``last`` (inclusive)."""
    if not region:
        return frozenset()
    years = tuple(range(first.year, last.year + 1))
    return frozenset(d for d in _region_years(region, years) if first <= d <= last)
