"""Decoded records as flat rows: the field names and order of the DESIGN contract.

Every row has every field, with None for what a message does not carry, so JSON lines and CSV
columns are the same whatever the message type.
"""

from __future__ import annotations

from typing import Final

from mda.ingest.flags import flag_of
from mda.model import Position, Record
from mda.timefmt import iso

CONTRACT_FIELDS: Final = (
    "time", "mmsi", "msg_type", "lat", "lon", "sog", "cog", "heading", "nav_status", "rot",
    "accuracy", "shipname", "callsign", "imo", "ship_type", "to_bow", "to_stern", "to_port",
    "to_starboard", "draught", "destination", "source",
)  # fmt: skip
EXTRA_FIELDS: Final = (
    "record", "kind", "flag", "second", "rot_raw", "altitude_m", "aid_type", "eta", "epfd",
    "part", "receivers", "clock", "time_quality",
)  # fmt: skip
FIELDS: Final = CONTRACT_FIELDS + EXTRA_FIELDS

_POSITION_ONLY: Final = (
    "lat", "lon", "sog", "cog", "heading", "nav_status", "rot", "accuracy", "kind", "second",
    "rot_raw", "altitude_m", "aid_type",
)  # fmt: skip
_STATIC_ONLY: Final = (
    "shipname", "callsign", "imo", "ship_type", "to_bow", "to_stern", "to_port",
    "to_starboard", "draught", "destination", "eta", "epfd", "part",
)  # fmt: skip


def record_row(record: Record) -> dict[str, object]:
    """One record as a dict with every field of ``FIELDS``, in that order."""
    row: dict[str, object] = dict.fromkeys(FIELDS)
    row["time"] = iso(record.time)
    row["mmsi"] = record.mmsi
    row["msg_type"] = record.msg_type
    row["source"] = record.source
    row["flag"] = flag_of(record.mmsi)
    row["receivers"] = list(record.receivers)
    row["clock"] = record.clock
    row["time_quality"] = record.time_quality
    if isinstance(record, Position):
        row["record"] = "position"
        for name in _POSITION_ONLY:
            row[name] = getattr(record, name)
    else:
        row["record"] = "static"
        for name in _STATIC_ONLY:
            row[name] = getattr(record, name)
    return row
