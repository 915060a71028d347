"""Query parameters as people write them, read strictly: each mistake is one ConfigError
(answered 422) that names the parameter."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Final

from mda.api.picture import PictureFilter
from mda.errors import ConfigError
from mda.settings.ship_types import type_range
from mda.store.timeargs import check_window, parse_time
from mda.zones.model import Zone

_FLAG: Final = re.compile(r"^[A-Z]{2}$")


def values(raw: Iterable[str] | None) -> list[str]:
    """Repeated parameters and comma-separated lists alike (``?flag=GB&flag=FR``,
    ``?flag=GB,FR``)."""
    out: list[str] = []
    for item in raw or ():
        out += [part.strip() for part in item.split(",") if part.strip()]
    return out


def window(
    since: str | None, until: str | None, *, now: datetime, max_span: timedelta,
    what: str = "query",
) -> tuple[datetime, datetime]:  # fmt: skip
    """A required ``[since, until)`` window (``until`` defaults to now), no longer than
    ``max_span``. Times are ISO 8601, a date, ``now`` or relative (``-6h``)."""
    if since is None:
        raise ConfigError(f"since: required ({what}: give a time window, since and until)")
    start = parse_time(since, now=now, name="since")
    end = parse_time(until, now=now, name="until") if until is not None else now
    check_window(start, end, max_span=max_span, what=what, start_name="since",
                 end_name="until")  # fmt: skip
    return start, end


def bbox(text: str | None) -> tuple[float, float, float, float] | None:
    """``west,south,east,north`` in degrees (west > east crosses the antimeridian)."""
    if text is None:
        return None
    parts = text.split(",")
    try:
        west, south, east, north = (float(p) for p in parts)
    except ValueError:
        raise ConfigError(f"bbox: {text!r} is not west,south,east,north in degrees") from None
    if not (-90 <= south < north <= 90 and -180 <= west <= 180 and -180 <= east <= 180):
        raise ConfigError(
            f"bbox: {text!r} is not west,south,east,north in degrees (south below north, "
            "latitudes within 90, longitudes within 180)"
        )
    if west == east:
        raise ConfigError(f"bbox: {text!r}: west and east are equal")
    return west, south, east, north


def ship_types(raw: Iterable[str] | None) -> tuple[tuple[int, int], ...]:
    """AIS ship types: codes (``70``) or ranges (``70-79``), 0-255."""
    out = []
    for item in values(raw):
        named = type_range(item)
        if named is None:
            raise ConfigError(f"ship_type: {item!r} is not a type 0-255 or a range like 70-79")
        out.append(named)
    return tuple(out)


def flags(raw: Iterable[str] | None) -> frozenset[str]:
    """Flag states as ISO 3166-1 alpha-2 codes."""
    out = {item.upper() for item in values(raw)}
    for flag in out:
        if not _FLAG.match(flag):
            raise ConfigError(f"flag: {flag!r} is not an ISO 3166 alpha-2 code (GB, PA ...)")
    return frozenset(out)


def zone(zone_id: str | None, zones: Mapping[str, Zone]) -> str | None:
    """A zone id of the catalogue in force."""
    if zone_id is not None and zone_id not in zones:
        raise ConfigError(f"zone: unknown zone {zone_id!r} (GET /api/v1/zones lists them)")
    return zone_id


def choices(raw: Iterable[str] | None, name: str, allowed: Iterable[str]) -> frozenset[str]:
    """Values that must each be one of ``allowed``."""
    known = tuple(allowed)
    out = frozenset(values(raw))
    for value in sorted(out):
        if value not in known:
            raise ConfigError(f"{name}: {value!r} is not one of {', '.join(known)}")
    return out


def picture_filter(
    zones: Mapping[str, Zone], *, zone_id: str | None = None,
    ship_type: Iterable[str] | None = None, flag: Iterable[str] | None = None,
    box: str | None = None, mmsi: Iterable[int] = (),
) -> PictureFilter:  # fmt: skip
    """The filter of the live picture from its query parameters."""
    return PictureFilter(zone(zone_id, zones), ship_types(ship_type), flags(flag), bbox(box),
                         frozenset(mmsi))  # fmt: skip
