"""Public holidays of a configured region, from the ``holidays`` package (pure data).

``region`` is a country code ("DE", "US") optionally followed by a subdivision
("DE-BY", "US-CA"), as in the scheduling rule ``holidays``. The package (about 50 ms
to import) is imported only when a region is configured.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from syncer.errors import ConfigError


def _split(region: str) -> tuple[str, str | None]:
    country, _, subdivision = region.partition("-")
    return country, subdivision or None


def check_region(region: str) -> None:
    """Raise ConfigError unless ``region`` is a supported country (and subdivision)."""
    import holidays as _holidays

    country, subdivision = _split(region)
    supported = _holidays.list_supported_countries()
    if country not in supported:
        raise ConfigError(f"scheduling rule `holidays` = {region!r}: no public holidays are "
                          f"known for country {country!r}",
                          hint='use an ISO 3166 code such as "DE", "GB", "US" or "US-CA"')
    if subdivision is not None and subdivision not in supported[country]:
        shown = ", ".join(supported[country][:12]) or "none"
        raise ConfigError(f"scheduling rule `holidays` = {region!r}: {country} has no "
                          f"subdivision {subdivision!r}", hint=f"its subdivisions: {shown}")


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
