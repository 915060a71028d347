"""JSON feeds: AIS-catcher objects (which carry the NMEA) and gpsd's decoded AIS objects.

AIS-catcher JSON includes the original sentences in ``nmea`` and the reception time in
``rxuxtime``; mda frames those sentences like any other, so checksums and reassembly apply. gpsd
JSON carries no sentences, only decoded fields, scaled (degrees, knots) or unscaled (the raw ITU
integers); those become records through the same normalisation rules as the NMEA path.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from mda.ingest import normalise as n
from mda.ingest.nmea import plausible
from mda.model import (
    AID_TO_NAVIGATION,
    BASE_STATION,
    SAR_AIRCRAFT,
    Position,
    Record,
    VesselStatic,
)


@dataclass(slots=True)
class JsonLine:
    """What one JSON line gave: sentences to frame, or decoded records, or neither."""

    sentences: list[bytes] = field(default_factory=list)
    time: float | None = None
    station: str | None = None
    records: list[Record] = field(default_factory=list)
    ok: bool = True


def parse_json_line(
    line: bytes, feed: str, arrival: float | None, rejected: Counter[str]
) -> JsonLine:
    """Parse one JSON object; ``ok`` is False when it is not an AIS object mda understands."""
    try:
        obj = json.loads(line)
    except (ValueError, UnicodeDecodeError):
        return JsonLine(ok=False)
    if not isinstance(obj, dict):
        return JsonLine(ok=False)
    station = _text(obj.get("station_id")) or _text(obj.get("station"))
    time = _number(obj.get("rxuxtime"))
    if time is not None and not plausible(time):
        time = None
    nmea = obj.get("nmea")
    if isinstance(nmea, list) and nmea and all(isinstance(s, str) for s in nmea):
        return JsonLine(
            sentences=[s.encode("ascii", "replace") for s in nmea], time=time, station=station
        )
    if obj.get("class") != "AIS" or not isinstance(obj.get("type"), int):
        return JsonLine(ok=False)
    try:
        records = gpsd_records(
            obj, time if time is not None else arrival, station or feed, rejected
        )
    except (TypeError, ValueError, OverflowError):
        return JsonLine(ok=False)
    return JsonLine(records=records, time=time, station=station)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    f = float(value)
    return None if math.isnan(f) or math.isinf(f) else f


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


class _Fields:
    """Raw ITU integers of a gpsd object, held to the bit widths of the message layout.

    A value that could not have come out of those bits is rejected and counted (under
    ``name``) and treated as "not available", as the NMEA path would never produce it.
    """

    def __init__(self, obj: dict[str, Any], rejected: Counter[str]) -> None:
        self._obj = obj
        self._scaled = bool(obj.get("scaled"))
        self._rejected = rejected

    def raw(
        self,
        key: str,
        bits: int,
        default: int,
        *,
        signed: bool = False,
        scale: float | None = None,
        name: str | None = None,
    ) -> int:
        v = _number(self._obj.get(key))
        if v is None:
            return default
        value = round(v * scale) if scale is not None and self._scaled else round(v)
        low, high = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
        if low <= value <= high:
            return value
        self._rejected[name or key] += 1
        return default


def gpsd_records(
    obj: dict[str, Any], time: float | None, source: str, rejected: Counter[str]
) -> list[Record]:
    """Records from one gpsd AIS JSON object (types without a record give none)."""
    t = int(obj["type"])
    mmsi = int(obj["mmsi"])
    if not (1 <= t <= 27 and 0 <= mmsi < 1 << 30):
        raise ValueError("not an AIS message")
    f = _Fields(obj, rejected)
    receivers = [source]
    if t in (1, 2, 3, 18, 19, 9, 4, 21, 27):
        if t == 27:
            lat, lon = n.latlon_tenth_minute(
                f.raw("lat", 17, 91 * 600, signed=True, scale=600, name="position"),
                f.raw("lon", 18, 181 * 600, signed=True, scale=600, name="position"),
                rejected,
            )
        else:
            lat, lon = n.latlon(
                f.raw("lat", 27, n.LAT_NOT_AVAILABLE, signed=True, scale=600_000, name="position"),
                f.raw("lon", 28, n.LON_NOT_AVAILABLE, signed=True, scale=600_000, name="position"),
                rejected,
            )
        values: dict[str, Any] = {}
        if t in (1, 2, 3, 18, 19):
            values["sog"] = n.speed_tenths(f.raw("speed", 10, 1023, scale=10, name="sog"))
            values["cog"] = n.course_tenths(
                f.raw("course", 12, 3600, scale=10, name="cog"), rejected
            )
            values["heading"] = n.heading(f.raw("heading", 9, 511), rejected)
            values["second"] = n.utc_second(f.raw("second", 6, 60))
        if t in (1, 2, 3, 27):
            values["nav_status"] = n.nav_status(f.raw("status", 4, 15, name="nav_status"))
        if t in (1, 2, 3):
            values["rot"], values["rot_raw"] = _gpsd_turn(obj, f)
        elif t == 27:
            speed = f.raw("speed", 6, 63, name="sog")
            course = f.raw("course", 9, 511, name="cog")
            values["sog"] = None if speed == 63 else float(speed)
            values["cog"] = float(course) if course < 360 else None
        elif t == 9:
            speed = f.raw("speed", 10, 1023, name="sog")
            alt = f.raw("alt", 12, 4095)
            values["kind"] = SAR_AIRCRAFT
            values["sog"] = None if speed == 1023 else float(speed)
            values["cog"] = n.course_tenths(
                f.raw("course", 12, 3600, scale=10, name="cog"), rejected
            )
            values["altitude_m"] = None if alt == 4095 else alt
            values["second"] = n.utc_second(f.raw("second", 6, 60))
        elif t == 4:
            values["kind"] = BASE_STATION
            stamp = _text(obj.get("timestamp"))  # "2007-05-14T19:57:39Z"; years may be odd
            if stamp and stamp.endswith("Z") and stamp[-3:-1].isdigit():
                values["second"] = n.utc_second(int(stamp[-3:-1]))
        elif t == 21:
            values["kind"] = AID_TO_NAVIGATION
            values["aid_type"] = n.positive_or_none(f.raw("aid_type", 5, 0))
            values["second"] = n.utc_second(f.raw("second", 6, 60))
        position = Position(
            time, mmsi, t, lat, lon, None, None, None, None, None,
            bool(obj.get("accuracy", False)), source, receivers=receivers,
        )._replace(**values)  # fmt: skip
        records: list[Record] = [position]
        if t in (19, 21):
            records.append(_gpsd_static(obj, f, t, time, mmsi, source, receivers, rejected))
        return records
    if t in (5, 24):
        return [_gpsd_static(obj, f, t, time, mmsi, source, receivers, rejected)]
    return []


# Fastest turn a rate-of-turn code can express: code 126 is (126 / 4.733)^2 degrees a minute.
MAX_TURN_DEG_PER_MIN = 709.0


def _gpsd_turn(obj: dict[str, Any], f: _Fields) -> tuple[float | None, int | None]:
    """Rate of turn (degrees a minute) and raw code from scaled or unscaled gpsd JSON."""
    turn = obj.get("turn")
    if not obj.get("scaled"):
        raw = f.raw("turn", 8, -128, signed=True, name="rot")
        return n.rate_of_turn(raw), n.rot_code(raw)
    if turn == "fastright":
        return None, 127
    if turn == "fastleft":
        return None, -127
    rate = _number(turn)
    if rate is not None and abs(rate) <= MAX_TURN_DEG_PER_MIN:
        return rate, None
    return None, None


def _gpsd_static(
    obj: dict[str, Any],
    f: _Fields,
    t: int,
    time: float | None,
    mmsi: int,
    source: str,
    receivers: list[str],
    rejected: Counter[str],
) -> VesselStatic:
    values: dict[str, Any] = {
        "shipname": n.clean_text(_text(obj.get("shipname")) or _text(obj.get("name"))),
        "callsign": n.clean_text(_text(obj.get("callsign"))),
        "ship_type": n.positive_or_none(f.raw("shiptype", 8, 0, name="ship_type")),
        "epfd": n.positive_or_none(f.raw("epfd", 4, 0)),
        "to_bow": n.positive_or_none(f.raw("to_bow", 9, 0, name="dimensions")),
        "to_stern": n.positive_or_none(f.raw("to_stern", 9, 0, name="dimensions")),
        "to_port": n.positive_or_none(f.raw("to_port", 6, 0, name="dimensions")),
        "to_starboard": n.positive_or_none(f.raw("to_starboard", 6, 0, name="dimensions")),
    }
    if t == 5:
        values["imo"] = n.imo_number(f.raw("imo", 30, 0), rejected)
        values["draught"] = n.draught_tenths(f.raw("draught", 8, 0, scale=10))
        values["destination"] = n.clean_text(_text(obj.get("destination")))
        eta = _text(obj.get("eta"))  # "MM-DDTHH:MMZ"
        if eta and len(eta) >= 11 and eta[2] == "-" and eta[5] == "T" and eta[8] == ":":
            month, day, hour, minute = eta[0:2], eta[3:5], eta[6:8], eta[9:11]
            if all(p.isdigit() for p in (month, day, hour, minute)):
                values["eta"] = n.eta(int(month), int(day), int(hour), int(minute), rejected)
    if t == 24 and "partno" in obj:
        values["part"] = "A" if obj["partno"] == 0 else "B"
    return VesselStatic(time, mmsi, t, source=source, receivers=receivers, **values)
