"""ITU "not available" values to None, out-of-range values rejected and counted.

Each function takes the raw integer a message carries (ITU-R M.1371 units) and returns the value
in mda's units. Shared by the fast decoders, the pyais path and the JSON feeds, so every path
applies the same rules.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Final

LAT_NOT_AVAILABLE: Final = 91 * 600_000
LON_NOT_AVAILABLE: Final = 181 * 600_000
LAT_LIMIT: Final = 90 * 600_000
LON_LIMIT: Final = 180 * 600_000


def degrees(raw: int) -> float:
    """1/10000 minute to degrees, rounded to 6 decimals exactly as pyais does (lossless)."""
    return ((10 * raw + 3) // 6) / 1e6


def latlon(raw_lat: int, raw_lon: int, rejected: Counter[str]) -> tuple[float | None, float | None]:
    """Latitude and longitude in degrees from 1/10000 minute; both None if either is unusable."""
    if raw_lat == LAT_NOT_AVAILABLE or raw_lon == LON_NOT_AVAILABLE:
        return None, None
    if -LAT_LIMIT <= raw_lat <= LAT_LIMIT and -LON_LIMIT <= raw_lon <= LON_LIMIT:
        return degrees(raw_lat), degrees(raw_lon)
    rejected["position"] += 1
    return None, None


def latlon_tenth_minute(
    raw_lat: int, raw_lon: int, rejected: Counter[str]
) -> tuple[float | None, float | None]:
    """Type 27's coarse position in 1/10 minute."""
    if raw_lat == 91 * 600 or raw_lon == 181 * 600:
        return None, None
    if -90 * 600 <= raw_lat <= 90 * 600 and -180 * 600 <= raw_lon <= 180 * 600:
        return ((10000 * raw_lat + 3) // 6) / 1e6, ((10000 * raw_lon + 3) // 6) / 1e6
    rejected["position"] += 1
    return None, None


def speed_tenths(raw: int) -> float | None:
    """Speed over ground in 1/10 knot; 1023 is not available (1022 means 102.2 knots or more)."""
    return None if raw == 1023 else raw / 10.0


def course_tenths(raw: int, rejected: Counter[str]) -> float | None:
    """Course over ground in 1/10 degree; 3600 is not available."""
    if raw < 3600:
        return raw / 10.0
    if raw > 3600:
        rejected["cog"] += 1
    return None


def heading(raw: int, rejected: Counter[str]) -> int | None:
    """True heading in degrees; 511 is not available."""
    if raw < 360:
        return raw
    if raw != 511:
        rejected["heading"] += 1
    return None


def nav_status(raw: int) -> int | None:
    """Navigational status code; 15 is "not defined"."""
    return None if raw == 15 else raw


def rate_of_turn(raw: int) -> float | None:
    """Degrees per minute from the signed ROT code, as pyais computes it.

    -128 is not available; +/-127 means turning faster than 5 degrees per 30 s without a turn
    indicator, which has no value in degrees per minute.
    """
    if raw == 0:
        return 0.0
    if raw in (-128, 127, -127):
        return None
    return math.copysign(round((raw / 4.733) ** 2), raw)


def rot_code(raw: int) -> int | None:
    """The raw ROT code kept alongside ``rate_of_turn``; None when not available."""
    return None if raw == -128 else raw


def utc_second(raw: int) -> int | None:
    """Second of the fix; 60 and above mean not available or a degraded positioning mode."""
    return raw if raw < 60 else None


def signed(raw: int, bits: int) -> int:
    """Two's complement of a ``bits``-wide field."""
    return raw - (1 << bits) if raw >> (bits - 1) else raw


def imo_number(raw: int, rejected: Counter[str]) -> int | None:
    """IMO number; 0 is not available, values outside seven digits are rejected."""
    if raw == 0:
        return None
    if 1_000_000 <= raw <= 9_999_999:
        return raw
    rejected["imo"] += 1
    return None


def positive_or_none(raw: int) -> int | None:
    """Dimensions, ship type and EPFD codes use 0 for not available."""
    return raw or None


def draught_tenths(raw: int) -> float | None:
    """Draught in 1/10 metre; 0 is not available."""
    return raw / 10.0 if raw else None


def eta(month: int, day: int, hour: int, minute: int, rejected: Counter[str]) -> str | None:
    """ETA as "MM-DDTHH:MM" (the transponder sends no year); None when any part is missing."""
    if month == 0 or day == 0 or hour == 24 or minute == 60:
        return None
    if month > 12 or day > 31 or hour > 24 or minute > 60:
        rejected["eta"] += 1
        return None
    return f"{month:02d}-{day:02d}T{hour:02d}:{minute:02d}"


def clean_text(text: str | None) -> str | None:
    """Six-bit text up to its first '@' (the ITU terminator), without trailing spaces.

    Empty becomes None. Characters after an '@' are padding or garbage, never text.
    """
    if not text:
        return None
    cleaned = text.split("@", 1)[0].rstrip()
    return cleaned or None
