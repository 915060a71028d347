"""NMEA 0183 details around AIS sentences: checksums, tag blocks and the clocks a feed carries.

Every function is pure. Times are UTC epoch seconds; a time outside ``PLAUSIBLE_TIME`` is
treated as absent (and counted by the caller), never used.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from functools import reduce
from operator import xor
from typing import Final

# AIS began in 2002; anything before 1995 or after 2100 is a broken clock, not a time.
EARLIEST_TIME: Final = 788918400.0  # 1995-01-01
LATEST_TIME: Final = 4102444800.0  # 2100-01-01

_HEX: Final = frozenset(b"0123456789ABCDEFabcdef")


def plausible(t: float) -> bool:
    """Whether ``t`` (epoch seconds) can be a real reception time."""
    return EARLIEST_TIME <= t < LATEST_TIME


def checksum(data: bytes) -> int:
    """XOR of all bytes: the NMEA checksum of the text between the delimiter and ``*``."""
    return reduce(xor, data, 0)


def parse_hex2(text: bytes) -> int | None:
    """The value of a two-digit hex checksum field, or None if it is not exactly that."""
    if len(text) != 2 or text[0] not in _HEX or text[1] not in _HEX:
        return None
    return int(text, 16)


def epoch_from_digits(text: bytes) -> float | None:
    """Unix time from a field of 9-10 digits (seconds) or 12-13 digits (milliseconds)."""
    if not text.isdigit():
        return None
    n = len(text)
    if 9 <= n <= 10:
        t = float(int(text))
    elif 12 <= n <= 13:
        t = int(text) / 1000.0
    else:
        return None
    return t if plausible(t) else None


@dataclass(frozen=True, slots=True)
class TagBlock:
    """The parts of an NMEA 4.0 tag block mda uses. Frozen: one parsed tag block is shared by
    every line that carries the same text (``TagBlockCache``)."""

    time: float | None = None
    station: str | None = None
    group: str | None = None  # message group id shared by the sentences of one message
    checksum_ok: bool = True
    bad_time: bool = False


def tag_block(parameters: Iterable[bytes]) -> bytes:
    """``\\parameters*hh\\``: a tag block of ``key:value`` parameters, with its checksum."""
    body = b",".join(parameters)
    return b"\\" + body + b"*%02X\\" % checksum(body)


def parse_tag_block(content: bytes) -> TagBlock:
    """Parse the text between the two backslashes of a tag block.

    Unknown or malformed parameters are ignored; the caller decides what a bad checksum means.
    """
    time: float | None = None
    station: str | None = None
    group: str | None = None
    bad_time = False
    star = content.rfind(b"*")
    if star >= 0:
        body = content[:star]
        expected = parse_hex2(content[star + 1 :])
        checksum_ok = expected is not None and expected == checksum(body)
    else:
        body = content
        checksum_ok = False
    for item in body.split(b","):
        key, sep, value = item.partition(b":")
        if not sep:
            continue
        if key == b"c":
            t = epoch_from_digits(value)
            if t is None:
                bad_time = True
            else:
                time = t
        elif key == b"s":
            if value and value.isascii():
                station = value.decode("ascii")
        elif key == b"g":
            # g:<sentence number>-<total>-<group id>
            parts = value.split(b"-")
            if len(parts) == 3 and parts[2].isalnum():
                group = parts[2].decode("ascii")
        elif len(key) >= 3 and key[1:2] == b"G" and key[:1].isdigit() and value.isalnum():
            # NMEA 4.0 alternative grouping form "<n>G<total>:<group id>"
            group = value.decode("ascii")
    return TagBlock(time, station, group, checksum_ok, bad_time)


class TagBlockCache:
    """``parse_tag_block`` remembering the tag blocks it parsed last.

    A receiver stamps every sentence of the same second with the same tag block text, so in
    dense traffic most tag blocks were parsed a moment before (85 % of the lines of
    ``bench.dense``). The parse is a pure function of the text, so a remembered result is the
    same result; the memory is emptied when full, which bounds it and keeps it deterministic.
    """

    MAX_REMEMBERED: Final = 1024  # several seconds of a dense feed's receivers

    def __init__(self) -> None:
        self._parsed: dict[bytes, TagBlock] = {}

    def parse(self, content: bytes) -> TagBlock:
        """The tag block between the two backslashes, as ``parse_tag_block`` gives it."""
        tag = self._parsed.get(content)
        if tag is None:
            if len(self._parsed) >= self.MAX_REMEMBERED:
                self._parsed.clear()
            tag = self._parsed[content] = parse_tag_block(content)
        return tag


def _hhmmss(text: bytes) -> float | None:
    """Seconds of day from an NMEA hhmmss[.ss] field."""
    if len(text) < 6 or not text[:6].isdigit():
        return None
    h, m = int(text[0:2]), int(text[2:4])
    try:
        s = float(text[4:])
    except ValueError:
        return None
    if h > 23 or m > 59 or not 0.0 <= s < 61.0:
        return None
    return h * 3600 + m * 60 + s


def _day_epoch(year: int, month: int, day: int) -> float | None:
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    try:
        return float(calendar.timegm((year, month, day, 0, 0, 0, 0, 0, 0)))
    except (ValueError, OverflowError):
        return None


def _latlon_valid(value: bytes, hemisphere: bytes, max_degrees: int) -> bool:
    """An NMEA ddmm.mmmm / dddmm.mmmm field within range (rejects corrupted recorder fixes)."""
    if not value or hemisphere not in (b"N", b"S", b"E", b"W"):
        return False
    try:
        raw = float(value)
    except ValueError:
        return False
    degrees, minutes = divmod(raw, 100.0)
    return 0.0 <= degrees <= max_degrees and minutes < 60.0


def rmc_time(fields: list[bytes]) -> float | None:
    """Time of a valid ``$--RMC`` fix (status A, sane position, time and date present)."""
    if len(fields) < 10 or fields[2] != b"A":
        return None
    # A recorder that emits a fix with an impossible position has a broken clock as well
    # (seen in real logs: a 2013 date on lines whose latitude is 400042 degrees).
    if not (_latlon_valid(fields[3], fields[4], 90) and _latlon_valid(fields[5], fields[6], 180)):
        return None
    sod = _hhmmss(fields[1])
    date = fields[9]
    if sod is None or len(date) != 6 or not date.isdigit():
        return None
    yy = int(date[4:6])
    day = _day_epoch(2000 + yy if yy < 80 else 1900 + yy, int(date[2:4]), int(date[0:2]))
    if day is None:
        return None
    t = day + sod
    return t if plausible(t) else None


def zda_time(fields: list[bytes]) -> float | None:
    """Time of a ``$--ZDA`` sentence (hhmmss.ss, day, month, four-digit year)."""
    if len(fields) < 5:
        return None
    sod = _hhmmss(fields[1])
    if sod is None or not (fields[2].isdigit() and fields[3].isdigit() and fields[4].isdigit()):
        return None
    day = _day_epoch(int(fields[4]), int(fields[3]), int(fields[2]))
    if day is None:
        return None
    t = day + sod
    return t if plausible(t) else None


def pghp_time(fields: list[bytes]) -> float | None:
    """Time of a Gatehouse ``$PGHP,1,yyyy,mm,dd,hh,mm,ss,ms,...`` wrapper line."""
    if len(fields) < 9 or fields[1] != b"1":
        return None
    parts = fields[2:9]
    if not all(p.isdigit() for p in parts):
        return None
    year, month, day, hour, minute, second, millis = (int(p) for p in parts)
    if hour > 23 or minute > 59 or second > 60 or millis > 999:
        return None
    base = _day_epoch(year, month, day)
    if base is None:
        return None
    t = base + hour * 3600 + minute * 60 + second + millis / 1000.0
    return t if plausible(t) else None


@dataclass(slots=True)
class TrailingFields:
    """USCG-style fields after the checksum: receiving station and reception time."""

    time: float | None = None
    station: str | None = None
    bad_time: bool = False


def parse_trailing(text: bytes) -> TrailingFields:
    """Parse ``,<field>,<field>...`` after a sentence's checksum.

    The reception time is the last field of 10 or 13 digits; a station is a field of the form
    ``r<id>`` or ``b<id>`` (USCG N-AIS). Other metadata (signal strength, slot) is ignored.
    """
    out = TrailingFields()
    for item in text.split(b","):
        if not item:
            continue
        if item.isdigit():
            t = epoch_from_digits(item)
            if t is None:
                out.bad_time = True
            else:
                out.time = t
                out.bad_time = False
        elif item[:1] in (b"r", b"b") and len(item) > 1 and item[1:].isalnum():
            out.station = item.decode("ascii")
        elif item[:1].isdigit():
            # a number spoiled by letters ("1daasd4218"): a corrupted time, not a station
            out.bad_time = True
    return out
