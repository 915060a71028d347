"""Decoding: AIS messages in, ``Position`` and ``VesselStatic`` records out.

Position reports (types 1-3, 4, 18, 27) are most of any feed and mda needs only a dozen of their
fields, so they take a fast path written from the ITU-R M.1371 field layout: the payload becomes
one integer and each field is a shift and a mask. pyais decodes every other type and remains the
oracle: ``Decoder(fast=False)`` decodes everything through pyais, and a differential test holds
the two paths equal on every message of the real recordings.

Payloads are checked before any decoding: only armour characters, a known message type, and at
least as many bits as that type needs. A short or corrupted payload is counted, never decoded
into a record with fields made up of padding.
"""

from __future__ import annotations

import binascii
from collections import Counter
from collections.abc import Iterable
from typing import Any, Final

from pyais.exceptions import AISBaseException
from pyais.messages import MSG_CLASS, bit_vector

from mda.ingest import normalise as n
from mda.ingest.message import AisMessage
from mda.ingest.sixbit import (
    ARMOUR,
    LAYOUT_BITS,
    MIN_BITS,
    PADDING,
    PADDING_BITS,
    SIXBIT_VALUE,
    TO_BASE64,
    TYPE24B_MIN_BITS,
    raw_text,
)
from mda.ingest.stats import IngestStats
from mda.ingest.vectorised import REPORT_CHARS, VECTOR_TYPES, decode_reports
from mda.model import (
    AID_TO_NAVIGATION,
    BASE_STATION,
    SAR_AIRCRAFT,
    Position,
    Record,
    VesselStatic,
)

FAST_TYPES: Final = frozenset(LAYOUT_BITS)
# First payload character of each type the batch decoder takes.
_VECTOR_FIRST_CHAR: Final = {ARMOUR[t]: t for t in VECTOR_TYPES}
# Types whose payload has no time in it: the same vessel repeats the identical payload every few
# minutes, so each distinct payload is decoded once and the result reused.
CACHED_TYPES: Final = frozenset((5, 24))
STATIC_CACHE_SIZE: Final = 50_000


class Decoder:
    """Turns framed messages into records, counting everything it cannot decode."""

    def __init__(
        self, stats: IngestStats | None = None, *, fast: bool = True, vectorise: bool = True
    ) -> None:
        """``fast=False`` decodes everything through pyais (the oracle); ``vectorise=False``
        keeps the fast layouts but decodes them one message at a time."""
        self.stats = stats if stats is not None else IngestStats()
        self._layouts = LAYOUT_BITS if fast else {}
        self._vectorise = fast and vectorise
        self._types: list[int] = []
        self._cache_types = CACHED_TYPES if fast else frozenset()
        # payload -> (records without time/source, names of values they rejected)
        self._static_cache: dict[bytes, tuple[list[VesselStatic], tuple[str, ...]]] = {}

    def decode(self, messages: Iterable[AisMessage]) -> list[Record]:
        """Decode a batch; records keep the order of their messages."""
        batch = messages if isinstance(messages, list) else list(messages)
        stats = self.stats
        vector_first = _VECTOR_FIRST_CHAR if self._vectorise else {}
        vector_index: list[int] = []
        vector_types: list[int] = []
        scalar: dict[int, Record | list[Record]] = {}
        for i, m in enumerate(batch):
            payload = m.payload
            t = (
                vector_first.get(payload[0])
                if len(payload) == REPORT_CHARS and not m.fill
                else None
            )
            if t is not None:
                vector_index.append(i)
                vector_types.append(t)
                continue
            if m.decoded is not None:
                scalar[i] = m.decoded
                self._types.append(m.decoded.msg_type)
                continue
            result = self._decode_one(m)
            if result is not None:
                scalar[i] = result
        out: list[Record] = []
        if vector_index:
            positions = decode_reports(
                [batch[i] for i in vector_index], vector_types, stats.rejected_values
            )
            invalid = positions.count(None)
            if invalid:
                stats.invalid_payload += invalid
                vector_types = [t for t, p in zip(vector_types, positions, strict=True) if p]
            self._types.extend(vector_types)
            if not scalar and not invalid:
                out = positions  # type: ignore[assignment]  # no None in it
            else:
                merged: dict[int, Record | list[Record] | None] = dict(
                    zip(vector_index, positions, strict=True)
                )
                merged.update(scalar)
                for i in sorted(merged):
                    result = merged[i]
                    if isinstance(result, list):
                        out.extend(result)
                    elif result is not None:
                        out.append(result)
        else:
            for found in scalar.values():  # insertion order is message order
                if isinstance(found, list):
                    out.extend(found)
                else:
                    out.append(found)
        stats.by_type.update(self._types)
        self._types.clear()
        stats.records += len(out)
        return out

    def _decode_one(self, m: AisMessage) -> Record | list[Record] | None:
        """Decode one message on the scalar paths (fast layouts or pyais)."""
        stats = self.stats
        payload = m.payload
        msg_type = SIXBIT_VALUE.get(payload[0]) if payload else None
        if msg_type is None:
            stats.invalid_payload += 1
            return None
        rejected = stats.rejected_values
        layout = self._layouts.get(msg_type)
        if layout is not None:
            total_bits = 6 * len(payload)
            if total_bits - m.fill < MIN_BITS[msg_type]:
                stats.short_payload += 1
                return None
            tail = len(payload) & 3
            try:
                data = binascii.a2b_base64(
                    payload.translate(TO_BASE64) + PADDING[tail], strict_mode=True
                )
            except binascii.Error:
                stats.invalid_payload += 1
                return None
            self._types.append(msg_type)
            # Align the value on the layout's length so that field offsets are constants;
            # a report cut short in its radio-state tail gets zeros there, never read.
            v = int.from_bytes(data, "big")
            excess = total_bits - layout + PADDING_BITS[tail]
            v = v >> excess if excess >= 0 else v << -excess
            if msg_type <= 3:
                return _class_a(v, msg_type, m, rejected)
            if msg_type == 18:
                return _class_b(v, m, rejected)
            if msg_type == 4:
                return _base_station(v, m, rejected)
            return _long_range(v, m, rejected)
        if payload.translate(None, ARMOUR):
            stats.invalid_payload += 1
            return None
        if not 1 <= msg_type <= 27:
            stats.unknown_type += 1
            return None
        min_bits = MIN_BITS.get(msg_type)
        if min_bits is None:
            self._types.append(msg_type)
            stats.not_decoded_by_type[msg_type] += 1
            return None
        bits = 6 * len(payload) - m.fill
        if bits < min_bits or (
            msg_type == 24
            and (SIXBIT_VALUE[payload[6]] >> 2) & 3 == 1  # part B (part number, bits 38-39)
            and bits < TYPE24B_MIN_BITS
        ):
            stats.short_payload += 1
            return None
        self._types.append(msg_type)
        records: list[Record] = []
        if msg_type in self._cache_types:
            self._decode_static(m, msg_type, records)
        else:
            self._decode_with_pyais(m, msg_type, records)
        return records

    def _decode_static(self, m: AisMessage, msg_type: int, out: list[Record]) -> None:
        """Decode a time-less static message once per distinct payload, then reuse it."""
        key = m.payload + bytes((0x30 + m.fill,))
        cached = self._static_cache.get(key)
        if cached is None:
            records: list[Record] = []
            rejected: Counter[str] = Counter()
            if not self._decode_with_pyais(m, msg_type, records, rejected):
                return
            self.stats.rejected_values.update(rejected)
            templates = [r for r in records if isinstance(r, VesselStatic)]
            if len(self._static_cache) >= STATIC_CACHE_SIZE:
                del self._static_cache[next(iter(self._static_cache))]
            self._static_cache[key] = (templates, tuple(rejected.elements()))
            out.extend(records)
            return
        templates, rejected_names = cached
        if rejected_names:
            self.stats.rejected_values.update(rejected_names)
        for t in templates:
            out.append(
                VesselStatic(
                    m.time, t.mmsi, t.msg_type, t.shipname, t.callsign, t.imo, t.ship_type,
                    t.to_bow, t.to_stern, t.to_port, t.to_starboard, t.draught, t.destination,
                    t.eta, t.epfd, m.source, t.part, m.receivers,
                )
            )  # fmt: skip

    def _decode_with_pyais(
        self,
        m: AisMessage,
        msg_type: int,
        out: list[Record],
        rejected: Counter[str] | None = None,
    ) -> bool:
        bv = bit_vector(m.payload, m.fill)
        try:
            decoded = MSG_CLASS[msg_type].from_vector(bv)
            records = records_from_pyais(
                decoded, bv, m, self.stats.rejected_values if rejected is None else rejected
            )
        except (AISBaseException, ValueError, KeyError, TypeError):
            # counted; the message itself stays in the raw stream
            self.stats.decode_errors += 1
            return False
        out.extend(records)
        return True


# Rate of turn in degrees per minute for every signed 8-bit code, indexed by the raw byte.
_ROT: Final = tuple(n.rate_of_turn(code - 256 if code > 127 else code) for code in range(256))
_LAT_NA: Final = n.LAT_NOT_AVAILABLE
_LON_NA: Final = n.LON_NOT_AVAILABLE
_LAT_MAX: Final = n.LAT_LIMIT
_LON_MAX: Final = n.LON_LIMIT


def _class_a(v: int, msg_type: int, m: AisMessage, rejected: Counter[str]) -> Position:
    # Offsets from the 168-bit end: field at bit o of width w is (v >> (168 - o - w)) & mask.
    lon = (v >> 79) & 0xFFFFFFF
    if lon & 0x8000000:
        lon -= 0x10000000
    lat = (v >> 52) & 0x7FFFFFF
    if lat & 0x4000000:
        lat -= 0x8000000
    if -_LAT_MAX <= lat <= _LAT_MAX and -_LON_MAX <= lon <= _LON_MAX:
        # degrees rounded to 6 decimals exactly as pyais does: round(raw * 5 / 3) / 1e6
        lat_deg: float | None = ((10 * lat + 3) // 6) / 1e6
        lon_deg: float | None = ((10 * lon + 3) // 6) / 1e6
    else:
        lat_deg, lon_deg = n.latlon(lat, lon, rejected)
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


def _class_b(v: int, m: AisMessage, rejected: Counter[str]) -> Position:
    lon = (v >> 83) & 0xFFFFFFF
    if lon & 0x8000000:
        lon -= 0x10000000
    lat = (v >> 56) & 0x7FFFFFF
    if lat & 0x4000000:
        lat -= 0x8000000
    if -_LAT_MAX <= lat <= _LAT_MAX and -_LON_MAX <= lon <= _LON_MAX:
        lat_deg: float | None = ((10 * lat + 3) // 6) / 1e6
        lon_deg: float | None = ((10 * lon + 3) // 6) / 1e6
    else:
        lat_deg, lon_deg = n.latlon(lat, lon, rejected)
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


def _base_station(v: int, m: AisMessage, rejected: Counter[str]) -> Position:
    lon = (v >> 61) & 0xFFFFFFF
    if lon & 0x8000000:
        lon -= 0x10000000
    lat = (v >> 34) & 0x7FFFFFF
    if lat & 0x4000000:
        lat -= 0x8000000
    lat_deg, lon_deg = n.latlon(lat, lon, rejected)
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


def _long_range(v: int, m: AisMessage, rejected: Counter[str]) -> Position:
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
        _course_degrees(cog, rejected),
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


def _course_degrees(raw: int, rejected: Counter[str]) -> float | None:
    """Type 27's course in whole degrees; 511 is not available."""
    if raw < 360:
        return float(raw)
    if raw != 511:
        rejected["cog"] += 1
    return None


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
                _course_degrees(int(msg.course), rejected),
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
                to_bow=n.positive_or_none(int(msg.to_bow)),
                to_stern=n.positive_or_none(int(msg.to_stern)),
                to_port=n.positive_or_none(int(msg.to_port)),
                to_starboard=n.positive_or_none(int(msg.to_starboard)),
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
            to_bow=n.positive_or_none(int(msg.to_bow)),
            to_stern=n.positive_or_none(int(msg.to_stern)),
            to_port=n.positive_or_none(int(msg.to_port)),
            to_starboard=n.positive_or_none(int(msg.to_starboard)),
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
            to_bow=n.positive_or_none(int(msg.to_bow)),
            to_stern=n.positive_or_none(int(msg.to_stern)),
            to_port=n.positive_or_none(int(msg.to_port)),
            to_starboard=n.positive_or_none(int(msg.to_starboard)),
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
            static = static._replace(
                to_bow=n.positive_or_none(int(msg.to_bow)),
                to_stern=n.positive_or_none(int(msg.to_stern)),
                to_port=n.positive_or_none(int(msg.to_port)),
                to_starboard=n.positive_or_none(int(msg.to_starboard)),
            )
        return [static]
    return []


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
