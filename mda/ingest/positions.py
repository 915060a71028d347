"""Position reports decoded one at a time from the ITU-R M.1371 field layouts.

The payload is one integer aligned on the layout's length (168 bits, 96 for type 27); each field
is a shift and a mask at a constant offset. Used for reports the batch decoder does not take
(other lengths, fill bits, type 27); results are identical to it and to pyais.
"""

from __future__ import annotations

from collections import Counter
from typing import Final

from mda.ingest import normalise as n
from mda.ingest.message import AisMessage
from mda.model import BASE_STATION, Position

# Rate of turn in degrees per minute for every signed 8-bit code, indexed by the raw byte.
_ROT: Final = tuple(n.rate_of_turn(code - 256 if code > 127 else code) for code in range(256))
_LAT_MAX: Final = n.LAT_LIMIT
_LON_MAX: Final = n.LON_LIMIT


def _degrees(
    v: int, lon_shift: int, lat_shift: int, rejected: Counter[str]
) -> tuple[float | None, float | None]:
    """Latitude and longitude (signed 27 and 28 bits, 1/10000 minute) of a report's value."""
    lon = (v >> lon_shift) & 0xFFFFFFF
    if lon & 0x8000000:
        lon -= 0x10000000
    lat = (v >> lat_shift) & 0x7FFFFFF
    if lat & 0x4000000:
        lat -= 0x8000000
    if -_LAT_MAX <= lat <= _LAT_MAX and -_LON_MAX <= lon <= _LON_MAX:
        # degrees rounded to 6 decimals exactly as pyais does: round(raw * 5 / 3) / 1e6
        return ((10 * lat + 3) // 6) / 1e6, ((10 * lon + 3) // 6) / 1e6
    return n.latlon(lat, lon, rejected)


def class_a(v: int, msg_type: int, m: AisMessage, rejected: Counter[str]) -> Position:
    """Class A position report (types 1-3) from its 168-bit value."""
    # Offsets from the 168-bit end: field at bit o of width w is (v >> (168 - o - w)) & mask.
    lat_deg, lon_deg = _degrees(v, 79, 52, rejected)
    rot = (v >> 118) & 0xFF
    sog = (v >> 108) & 0x3FF
    cog = (v >> 40) & 0xFFF
    hdg = (v >> 31) & 0x1FF
    status = (v >> 126) & 0xF
    second = (v >> 25) & 0x3F
    return Position(
        m.time,
        (v >> 130) & 0x3FFFFFFF,
        msg_type,
        lat_deg,
        lon_deg,
        None if sog == 1023 else sog / 10.0,
        cog / 10.0 if cog < 3600 else n.course_tenths(cog, rejected),
        hdg if hdg < 360 else n.heading(hdg, rejected),
        None if status == 15 else status,
        _ROT[rot],
        bool((v >> 107) & 1),
        m.source,
        "vessel",
        second if second < 60 else None,
        None if rot == 0x80 else (rot - 256 if rot > 127 else rot),
        None,
        None,
        m.receivers,
    )


def class_b(v: int, m: AisMessage, rejected: Counter[str]) -> Position:
    """Class B position report (type 18) from its 168-bit value."""
    lat_deg, lon_deg = _degrees(v, 83, 56, rejected)
    sog = (v >> 112) & 0x3FF
    cog = (v >> 44) & 0xFFF
    hdg = (v >> 35) & 0x1FF
    second = (v >> 29) & 0x3F
    return Position(
        m.time,
        (v >> 130) & 0x3FFFFFFF,
        18,
        lat_deg,
        lon_deg,
        None if sog == 1023 else sog / 10.0,
        cog / 10.0 if cog < 3600 else n.course_tenths(cog, rejected),
        hdg if hdg < 360 else n.heading(hdg, rejected),
        None,
        None,
        bool((v >> 111) & 1),
        m.source,
        "vessel",
        second if second < 60 else None,
        None,
        None,
        None,
        m.receivers,
    )


def base_station(v: int, m: AisMessage, rejected: Counter[str]) -> Position:
    """Base station report (type 4) from its 168-bit value."""
    lat_deg, lon_deg = _degrees(v, 61, 34, rejected)
    second = (v >> 90) & 0x3F
    return Position(
        m.time,
        (v >> 130) & 0x3FFFFFFF,
        4,
        lat_deg,
        lon_deg,
        None,
        None,
        None,
        None,
        None,
        bool((v >> 89) & 1),
        m.source,
        BASE_STATION,
        second if second < 60 else None,
        None,
        None,
        None,
        m.receivers,
    )


def long_range(v: int, m: AisMessage, rejected: Counter[str]) -> Position:
    """Long-range broadcast (type 27) from its 96-bit value."""
    # 96-bit layout: lon and lat in 1/10 minute, speed in knots, course in degrees.
    lon = (v >> 34) & 0x3FFFF
    if lon & 0x20000:
        lon -= 0x40000
    lat = (v >> 17) & 0x1FFFF
    if lat & 0x10000:
        lat -= 0x20000
    lat_deg, lon_deg = n.latlon_tenth_minute(lat, lon, rejected)
    sog = (v >> 11) & 0x3F
    cog = (v >> 2) & 0x1FF
    status = (v >> 52) & 0xF
    return Position(
        m.time,
        (v >> 58) & 0x3FFFFFFF,
        27,
        lat_deg,
        lon_deg,
        None if sog == 63 else float(sog),
        course_degrees(cog, rejected),
        None,
        None if status == 15 else status,
        None,
        bool((v >> 57) & 1),
        m.source,
        "vessel",
        None,
        None,
        None,
        None,
        m.receivers,
    )


def course_degrees(raw: int, rejected: Counter[str]) -> float | None:
    """Type 27's course in whole degrees; 511 is not available."""
    if raw < 360:
        return float(raw)
    if raw != 511:
        rejected["cog"] += 1
    return None
