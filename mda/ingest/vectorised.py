"""Position reports decoded a whole batch at a time with numpy.

Nearly every message of a feed is a 168-bit position report (types 1-3, 4 and 18) in one
sentence of 28 armour characters. Stacked into a matrix, their characters become six-bit values
in one table look-up, three 64-bit words per report hold the 168 bits, and every field of every
report is one vectorised shift and mask. Only building the ``Position`` objects is left to
Python. The results are identical to the scalar decoders (and to pyais), which tests hold.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from itertools import repeat
from operator import itemgetter
from typing import Final

import numpy as np
import numpy.typing as npt

from mda.ingest.message import AisMessage
from mda.ingest.sixbit import ARMOUR
from mda.model import BASE_STATION, Position

REPORT_CHARS: Final = 28  # 168 bits
VECTOR_TYPES: Final = frozenset((1, 2, 3, 4, 18))

_SIXBIT: Final = np.full(256, 255, dtype=np.uint8)
for _value, _char in enumerate(ARMOUR):
    _SIXBIT[_char] = _value
# Bit weights of the characters inside each word: 10 characters (60 bits) per word.
_WEIGHTS: Final = (np.uint64(6) * np.arange(9, -1, -1, dtype=np.uint64)).astype(np.uint64)
_WORD_BITS: Final = (60, 60, 48)

U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]


class _Words:
    """The 168 bits of N reports as three words: bits 0-59, 60-119 and 120-167."""

    def __init__(self, values: npt.NDArray[np.uint8]) -> None:
        v = values.astype(np.uint64)
        self.words: tuple[U64, U64, U64] = (
            np.bitwise_or.reduce(v[:, 0:10] << _WEIGHTS, axis=1),
            np.bitwise_or.reduce(v[:, 10:20] << _WEIGHTS, axis=1),
            np.bitwise_or.reduce(v[:, 20:28] << _WEIGHTS[2:], axis=1),
        )

    def field(self, offset: int, width: int, signed: bool = False) -> I64:
        """Field of ``width`` bits at bit ``offset`` of every report."""
        first, last = offset // 60, (offset + width - 1) // 60
        if first == last:
            word = self.words[first]
            shift = _WORD_BITS[first] - (offset - 60 * first) - width
            raw = (word >> np.uint64(shift)) & np.uint64((1 << width) - 1)
        else:
            high_bits = 60 * last - offset
            low_bits = width - high_bits
            high = self.words[first] & np.uint64((1 << high_bits) - 1)
            low = self.words[last] >> np.uint64(_WORD_BITS[last] - low_bits)
            raw = (high << np.uint64(low_bits)) | low
        out = raw.astype(np.int64)
        if signed:
            out = np.where(out >= 1 << (width - 1), out - (1 << width), out)
        return out


def sixbit_values(chars: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    """Six-bit values of armour characters; 255 marks a character outside the armour."""
    values: npt.NDArray[np.uint8] = _SIXBIT[chars]
    return values


class ReportColumns:
    """Every field of N 168-bit reports as Python lists, ready to become records.

    ``valid`` is False for a report with a character outside the armour; its fields are
    meaningless and nothing was counted for it. ``rejected`` names, per report, the values
    rejected as out of range (empty for nearly all), to be counted when the record is kept.
    """

    def __init__(self, values: npt.NDArray[np.uint8], msg_types: Sequence[int]) -> None:
        n = len(msg_types)
        valid_mask = (values != 255).all(axis=1)
        bits = _Words(np.where(values == 255, 0, values))
        kinds = np.asarray(msg_types, dtype=np.int64)
        class_a = kinds <= 3
        class_b = kinds == 18

        def pick(a: tuple[int, int], b: tuple[int, int], base: tuple[int, int]) -> I64:
            """A field whose offset and width differ between class A, B and base station."""
            fa = bits.field(*a)
            fb = bits.field(*b)
            fs = bits.field(*base)
            return np.where(class_a, fa, np.where(class_b, fb, fs))

        mmsi = bits.field(8, 30)
        lon = np.where(
            class_a,
            bits.field(61, 28, True),
            np.where(class_b, bits.field(57, 28, True), bits.field(79, 28, True)),
        )
        lat = np.where(
            class_a,
            bits.field(89, 27, True),
            np.where(class_b, bits.field(85, 27, True), bits.field(107, 27, True)),
        )
        accuracy = pick((60, 1), (56, 1), (78, 1)).astype(bool)
        second = pick((137, 6), (133, 6), (72, 6))
        sog = np.where(class_a, bits.field(50, 10), bits.field(46, 10))
        cog = np.where(class_a, bits.field(116, 12), bits.field(112, 12))
        heading = np.where(class_a, bits.field(128, 9), bits.field(124, 9))
        status = bits.field(38, 4)
        rot = bits.field(42, 8, True)

        # Positions: ITU "not available" (91, 181 degrees) becomes None silently; anything
        # else outside the globe is rejected and counted.
        lat_na = lat == 91 * 600_000
        lon_na = lon == 181 * 600_000
        in_range = (np.abs(lat) <= 90 * 600_000) & (np.abs(lon) <= 180 * 600_000)
        has_position = in_range & ~lat_na & ~lon_na
        moving = class_a | class_b
        bad_position = ~in_range & ~lat_na & ~lon_na
        bad_cog = moving & (cog > 3600)
        bad_heading = moving & (heading >= 360) & (heading != 511)
        rot_ok = class_a & (rot != -128) & (np.abs(rot) != 127)
        rot_dpm = np.where(
            rot == 0, 0.0, np.copysign(np.round((rot / 4.733) ** 2), rot.astype(np.float64))
        )

        self.valid: list[bool] = valid_mask.tolist()
        self.any_invalid = not bool(valid_mask.all())
        self.mmsi: list[int] = mmsi.tolist()
        # degrees rounded to 6 decimals exactly as pyais does: round(raw * 5 / 3) / 1e6
        self.lat = _none_where(~has_position, ((10 * lat + 3) // 6) / 1e6)
        self.lon = _none_where(~has_position, ((10 * lon + 3) // 6) / 1e6)
        self.sog = _none_where(~moving | (sog == 1023), sog / 10.0)
        self.cog = _none_where(~moving | (cog >= 3600), cog / 10.0)
        self.heading = _none_where(~moving | (heading >= 360), heading)
        self.nav_status = _none_where(~class_a | (status == 15), status)
        self.rot = _none_where(~rot_ok, rot_dpm)
        self.rot_raw = _none_where(~class_a | (rot == -128), rot)
        self.second = _none_where(second >= 60, second)
        self.accuracy: list[bool] = accuracy.tolist()
        self.kind: list[str] = np.where(kinds == 4, BASE_STATION, "vessel").tolist()
        self.rejected: list[tuple[str, ...]] = [()] * n
        self.any_rejected = bool((bad_position | bad_cog | bad_heading).any())
        if self.any_rejected:
            for i in np.flatnonzero(bad_position | bad_cog | bad_heading).tolist():
                self.rejected[i] = tuple(
                    name
                    for name, mask in (
                        ("position", bad_position),
                        ("cog", bad_cog),
                        ("heading", bad_heading),
                    )
                    if mask[i]
                )


def decode_reports(
    messages: Sequence[AisMessage], msg_types: Sequence[int], rejected: Counter[str]
) -> list[Position | None]:
    """Positions for 168-bit reports of types 1-3, 4 and 18; None where a payload is invalid."""
    n = len(messages)
    chars = np.frombuffer(b"".join(map(_payload, messages)), dtype=np.uint8)
    c = ReportColumns(sixbit_values(chars).reshape(n, REPORT_CHARS), msg_types)
    none = repeat(None)
    # tuple.__new__ builds each record in C from a row of the columns.
    positions: list[Position | None] = list(
        map(
            tuple.__new__,
            repeat(Position),
            zip(
                map(_time, messages), c.mmsi, msg_types, c.lat, c.lon, c.sog, c.cog,
                c.heading, c.nav_status, c.rot, c.accuracy, map(_source, messages),
                c.kind, c.second, c.rot_raw, none, none, map(_receivers, messages),
                none, none, none,  # clock and its judgement (the clock judge's), segment
                strict=False,  # ``none`` is endless; the columns have one entry per message
            ),
        )
    )  # fmt: skip
    if c.any_invalid or c.any_rejected:
        for i, (ok, names) in enumerate(zip(c.valid, c.rejected, strict=True)):
            if not ok:
                positions[i] = None
            elif names:
                rejected.update(names)
    return positions


# AisMessage is a named tuple: its fields by index, for C-level maps.
_time = itemgetter(0)
_source = itemgetter(1)
_payload = itemgetter(2)
_receivers = itemgetter(5)


def _none_where(mask: npt.NDArray[np.bool_], values: npt.NDArray[np.generic]) -> list[object]:
    """``values`` as Python objects, with None where ``mask`` is set (all in C)."""
    if not mask.any():
        plain: list[object] = values.tolist()
        return plain
    objects = values.astype(object)
    objects[mask] = None
    out: list[object] = objects.tolist()
    return out
