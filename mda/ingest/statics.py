"""Static and voyage reports (types 5 and 24) decoded from the ITU-R M.1371 field layouts.

They are the other messages every vessel repeats, and pyais's general decoder spends longer on a
type 5 than on ten position reports. Like the position layouts, each field is a shift and a mask
of the payload as one integer, text goes through base64 (see ``sixbit.raw_text``), and pyais is
the oracle: the differential test holds these records equal to pyais's on every recording.
"""

from __future__ import annotations

from collections import Counter

from mda.ingest import normalise as n
from mda.ingest.message import AisMessage
from mda.ingest.sixbit import raw_text
from mda.model import VesselStatic


class UnknownPartError(ValueError):
    """A type 24 with part number 2 or 3, which ITU-R M.1371 does not define."""


def _field(v: int, nbits: int, offset: int, width: int) -> int:
    return (v >> (nbits - offset - width)) & ((1 << width) - 1)


def _text(v: int, nbits: int, offset: int, width: int) -> str | None:
    return n.clean_text(raw_text(v, nbits, offset, width))


def static_voyage(v: int, nbits: int, m: AisMessage, rejected: Counter[str]) -> VesselStatic:
    """Type 5 from its value of ``nbits`` bits (at least 422: through the destination)."""
    return VesselStatic(
        m.time,
        _field(v, nbits, 8, 30),
        5,
        _text(v, nbits, 112, 120),  # name
        _text(v, nbits, 70, 42),  # call sign
        n.imo_number(_field(v, nbits, 40, 30), rejected),
        n.positive_or_none(_field(v, nbits, 232, 8)),
        n.positive_or_none(_field(v, nbits, 240, 9)),
        n.positive_or_none(_field(v, nbits, 249, 9)),
        n.positive_or_none(_field(v, nbits, 258, 6)),
        n.positive_or_none(_field(v, nbits, 264, 6)),
        n.draught_tenths(_field(v, nbits, 294, 8)),
        _text(v, nbits, 302, 120),  # destination
        n.eta(
            _field(v, nbits, 274, 4),
            _field(v, nbits, 278, 5),
            _field(v, nbits, 283, 5),
            _field(v, nbits, 288, 6),
            rejected,
        ),
        n.positive_or_none(_field(v, nbits, 270, 4)),
        m.source,
        None,
        m.receivers,
    )


def static_data_report(v: int, nbits: int, m: AisMessage) -> VesselStatic:
    """Type 24: part A carries the name, part B the type, call sign and dimensions.

    Auxiliary craft (MMSI 98MIDxxxx) carry their mothership's MMSI where others carry
    dimensions, so theirs stay None.
    """
    mmsi = _field(v, nbits, 8, 30)
    part = _field(v, nbits, 38, 2)
    if part == 0:
        return VesselStatic(
            m.time, mmsi, 24, shipname=_text(v, nbits, 40, 120), source=m.source, part="A",
            receivers=m.receivers,
        )  # fmt: skip
    if part != 1:
        raise UnknownPartError(f"type 24 part number {part}")
    auxiliary = 980_000_000 <= mmsi <= 989_999_999
    return VesselStatic(
        m.time,
        mmsi,
        24,
        None,
        _text(v, nbits, 90, 42),
        None,
        n.positive_or_none(_field(v, nbits, 40, 8)),
        None if auxiliary else n.positive_or_none(_field(v, nbits, 132, 9)),
        None if auxiliary else n.positive_or_none(_field(v, nbits, 141, 9)),
        None if auxiliary else n.positive_or_none(_field(v, nbits, 150, 6)),
        None if auxiliary else n.positive_or_none(_field(v, nbits, 156, 6)),
        None,
        None,
        None,
        None,
        m.source,
        "B",
        m.receivers,
    )
