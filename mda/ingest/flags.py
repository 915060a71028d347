"""Flag state of a vessel from the Maritime Identification Digits (MID) of its MMSI.

The MID table is ITU data kept in ``mid_table.csv`` next to this module. Where the MID sits in
the MMSI depends on the kind of station (ITU-R M.585): ships ``MIDxxxxxx``, group calls
``0MIDxxxxx``, coast stations ``00MIDxxxx``, SAR aircraft ``111MIDxxx``, handhelds ``8MIDxxxxx``,
craft of a parent ship ``98MIDxxxx`` and aids to navigation ``99MIDxxxx``. AIS-SART, MOB and
EPIRB-AIS devices (``970``, ``972``, ``974``) carry no flag.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources


@cache
def mid_table() -> dict[int, tuple[str, str]]:
    """MID -> (ISO 3166-1 alpha-2 code, country name)."""
    text = resources.files("mda.ingest").joinpath("mid_table.csv").read_text("utf-8")
    return {
        int(row["mid"]): (row["iso2"], row["country"]) for row in csv.DictReader(text.splitlines())
    }


def mid_of(mmsi: int) -> int | None:
    """The MID inside an MMSI, or None when the MMSI has no flag or is not 9 digits."""
    if not 0 < mmsi < 1_000_000_000:
        return None
    digits = f"{mmsi:09d}"
    head = digits[0]
    if head in "234567":
        return int(digits[0:3])
    if digits.startswith("00"):
        return int(digits[2:5])
    if head == "0":
        return int(digits[1:4])
    if digits.startswith("111"):
        return int(digits[3:6])
    if head == "8":
        return int(digits[1:4])
    if digits.startswith(("98", "99")):
        return int(digits[2:5])
    return None


def flag_of(mmsi: int) -> str | None:
    """ISO 3166-1 alpha-2 code of the flag state, or None when the MID is not allocated."""
    mid = mid_of(mmsi)
    if mid is None:
        return None
    entry = mid_table().get(mid)
    return entry[0] if entry is not None else None
