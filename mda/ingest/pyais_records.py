"""Records from pyais's decoding: the path for every type without a layout of mda's own, and the
reference the fast layouts are tested against (``Decoder(fast=False)``)."""

from __future__ import annotations

from collections import Counter
from typing import Any, TypedDict

from mda.ingest import normalise as n
from mda.ingest.message import AisMessage
from mda.ingest.positions import course_degrees
from mda.ingest.sixbit import raw_text
from mda.model import (
    AID_TO_NAVIGATION,
    BASE_STATION,
    SAR_AIRCRAFT,
    Position,
    Record,
    VesselStatic,
)


def records_from_pyais(msg: Any, bv: Any, m: AisMessage, rejected: Counter[str]) -> list[Record]:
    """Records from a pyais-decoded message: the reference path for every type.

    Numeric codes that pyais maps onto enums (flattening unknown ship types and EPFDs to a
    default member) are read again from the raw bits, so the transmitted code is kept.
    """
    t = int(msg.msg_type)
    mmsi = int(msg.mmsi)
    if t in (1, 2, 3):
        return [_pyais_position(msg, m, rejected, n.nav_status(int(msg.status)), bv)]
    if t == 18:
        return [_pyais_position(msg, m, rejected, None, None)]
    if t == 27:
        raw_lat = round(msg.lat * 600) if msg.lat is not None else 0
        raw_lon = round(msg.lon * 600) if msg.lon is not None else 0
        lat, lon = n.latlon_tenth_minute(raw_lat, raw_lon, rejected)
        return [
            Position(
                m.time, mmsi, 27, lat, lon,
                None if int(msg.speed) == 63 else float(msg.speed),
                course_degrees(int(msg.course), rejected),
                None, n.nav_status(int(msg.status)), None, bool(msg.accuracy), m.source,
                receivers=m.receivers,
            )
        ]  # fmt: skip
    if t == 4:
        lat, lon = _pyais_latlon(msg, rejected)
        return [
            Position(
                m.time, mmsi, 4, lat, lon, None, None, None, None, None, bool(msg.accuracy),
                m.source, BASE_STATION, n.utc_second(int(msg.second)), receivers=m.receivers,
            )
        ]  # fmt: skip
    if t == 9:
        lat, lon = _pyais_latlon(msg, rejected)
        speed = int(msg.speed)
        alt = int(msg.alt)
        return [
            Position(
                m.time, mmsi, 9, lat, lon, None if speed == 1023 else float(speed),
                n.course_tenths(round(msg.course * 10), rejected), None, None, None,
                bool(msg.accuracy), m.source, SAR_AIRCRAFT, n.utc_second(int(msg.second)),
                altitude_m=None if alt == 4095 else alt, receivers=m.receivers,
            )
        ]  # fmt: skip
    if t == 5:
        return [
            VesselStatic(
                m.time, mmsi, 5,
                shipname=_text(bv, 112, 120),
                callsign=_text(bv, 70, 42),
                imo=n.imo_number(int(msg.imo), rejected),
                ship_type=n.positive_or_none(bv.get(232, 8)),
                **_dimensions(msg),
                draught=n.draught_tenths(round(msg.draught * 10)),
                destination=_text(bv, 302, 120),
                eta=n.eta(int(msg.month), int(msg.day), int(msg.hour), int(msg.minute), rejected),
                epfd=n.positive_or_none(bv.get(270, 4)),
                source=m.source,
                receivers=m.receivers,
            )
        ]  # fmt: skip
    if t == 19:
        position = _pyais_position(msg, m, rejected, None, None)
        static = VesselStatic(
            m.time, mmsi, 19,
            shipname=_text(bv, 143, 120),
            ship_type=n.positive_or_none(bv.get(263, 8)),
            **_dimensions(msg),
            epfd=n.positive_or_none(bv.get(301, 4)),
            source=m.source,
            receivers=m.receivers,
        )  # fmt: skip
        return [position, static]
    if t == 21:
        lat, lon = _pyais_latlon(msg, rejected)
        # The name extension (bits 272 onwards, after the other fields) continues the name.
        value, nbits = bv._value, len(bv)
        name = n.clean_text(
            raw_text(value, nbits, 43, 120) + raw_text(value, nbits, 272, max(0, nbits - 272))
        )
        position = Position(
            m.time, mmsi, 21, lat, lon, None, None, None, None, None, bool(msg.accuracy),
            m.source, AID_TO_NAVIGATION, n.utc_second(int(msg.second)),
            aid_type=n.positive_or_none(bv.get(38, 5)), receivers=m.receivers,
        )  # fmt: skip
        static = VesselStatic(
            m.time, mmsi, 21,
            shipname=name,
            **_dimensions(msg),
            epfd=n.positive_or_none(bv.get(249, 4)),
            source=m.source,
            receivers=m.receivers,
        )  # fmt: skip
        return [position, static]
    if t == 24:
        if int(msg.partno) == 0:
            return [
                VesselStatic(
                    m.time, mmsi, 24, shipname=_text(bv, 40, 120), source=m.source,
                    part="A", receivers=m.receivers,
                )
            ]  # fmt: skip
        static = VesselStatic(
            m.time, mmsi, 24, callsign=_text(bv, 90, 42),
            ship_type=n.positive_or_none(bv.get(40, 8)), source=m.source, part="B",
            receivers=m.receivers,
        )  # fmt: skip
        if hasattr(msg, "to_bow"):  # auxiliary craft carry their mothership's MMSI instead
            static = static._replace(**_dimensions(msg))
        return [static]
    return []


class _Dimensions(TypedDict):
    to_bow: int | None
    to_stern: int | None
    to_port: int | None
    to_starboard: int | None


def _dimensions(msg: Any) -> _Dimensions:
    """The distances from the reference point to the hull's ends (0 is "not available")."""
    return _Dimensions(
        to_bow=n.positive_or_none(int(msg.to_bow)),
        to_stern=n.positive_or_none(int(msg.to_stern)),
        to_port=n.positive_or_none(int(msg.to_port)),
        to_starboard=n.positive_or_none(int(msg.to_starboard)),
    )


def _text(bv: Any, offset: int, width: int) -> str | None:
    """Text read from the raw bits: pyais also strips leading spaces, which belong to it."""
    return n.clean_text(raw_text(bv._value, len(bv), offset, width))


def _pyais_latlon(msg: Any, rejected: Counter[str]) -> tuple[float | None, float | None]:
    # pyais gives degrees rounded to 6 decimals, which maps back to the raw value exactly.
    return n.latlon(round(msg.lat * 600_000), round(msg.lon * 600_000), rejected)


def _pyais_position(
    msg: Any, m: AisMessage, rejected: Counter[str], status: int | None, bv: Any
) -> Position:
    lat, lon = _pyais_latlon(msg, rejected)
    speed_raw = round(msg.speed * 10)
    rot_raw = bv.get_signed(42, 8) if bv is not None else None
    return Position(
        m.time,
        int(msg.mmsi),
        int(msg.msg_type),
        lat,
        lon,
        n.speed_tenths(speed_raw),
        n.course_tenths(round(msg.course * 10), rejected),
        n.heading(int(msg.heading), rejected),
        status,
        n.rate_of_turn(rot_raw) if rot_raw is not None else None,
        bool(msg.accuracy),
        m.source,
        "vessel",
        n.utc_second(int(msg.second)),
        n.rot_code(rot_raw) if rot_raw is not None else None,
        receivers=m.receivers,
    )
