"""ITU codes from the words archives write instead of them (aisdk writes "At anchor", "Tanker").

Texts are compared lower case with single spaces. A text that is not here gives None (not
available) and is counted, never guessed. A number in the same column is taken as the code.
"""

from __future__ import annotations

from typing import Final

# ITU-R M.1371 navigational status (15, "not defined", is not available).
NAV_STATUS: Final = {
    "under way using engine": 0, "underway using engine": 0,
    "at anchor": 1, "not under command": 2,
    "restricted maneuverability": 3, "restricted manoeuvrability": 3,
    "restricted manoeuverability": 3, "restricted maneuvrability": 3,
    "constrained by her draught": 4, "moored": 5, "aground": 6, "engaged in fishing": 7,
    "under way sailing": 8, "underway sailing": 8,
    "reserved for future amendment [hsc]": 9, "reserved for future amendment [wig]": 10,
    "power-driven vessel towing astern": 11,
    "power-driven vessel pushing ahead or towing alongside": 12,
    "ais-sart is active": 14, "ais-sart": 14,
}  # fmt: skip
NAV_STATUS_NOT_AVAILABLE: Final = frozenset(
    {"unknown value", "unknown", "undefined", "not defined", "reserved for future use"}
)

# Ship types by the generic names of ITU-R M.1371 table 53 (aisdk's "Ship type"): the code of
# "all ships of this type" where a name covers a decade (cargo 70, tanker 80 ...).
SHIP_TYPE: Final = {
    "wig": 20, "fishing": 30, "towing": 31, "towing long/wide": 32, "dredging": 33,
    "diving": 34, "military": 35, "sailing": 36, "pleasure": 37, "hsc": 40,
    "passenger": 60, "cargo": 70, "tanker": 80, "other": 90,
    "pilot": 50, "sar": 51, "tug": 52, "port tender": 53, "anti-pollution": 54,
    "law enforcement": 55, "medical": 58, "not party to conflict": 59,
}  # fmt: skip
SHIP_TYPE_NOT_AVAILABLE: Final = frozenset(
    {"undefined", "unknown", "reserved", "spare 1", "spare 2", "spare", "not available"}
)

# Electronic position fixing device (0 is not available).
EPFD: Final = {
    "gps": 1, "glonass": 2, "combined gps/glonass": 3, "loran-c": 4, "chayka": 5,
    "integrated navigation system": 6, "surveyed": 7, "galileo": 8,
}  # fmt: skip
EPFD_NOT_AVAILABLE: Final = frozenset({"undefined", "unknown", "not available"})

# What transmitted a row (MarineCadastre's TransceiverClass, aisdk's Type of mobile): the
# message type its position and its static data would have come in. mda's convention, since an
# archive keeps no message type: class A positions are type 1 and statics type 5; class B
# positions 18 and statics 24; base stations 4 (no static); aids to navigation 21 (position
# and static); SAR aircraft 9 (no static). A row of unknown class is taken as class A, the
# class of most rows of every archive.
CLASS_A: Final = (1, 5)
STATION_CLASS: Final = {
    "a": CLASS_A, "class a": CLASS_A, "b": (18, 24), "class b": (18, 24),
    "base station": (4, None), "aton": (21, 21), "aids to navigation": (21, 21),
    "sar airborne": (9, None), "search and rescue transponder": CLASS_A,
    "man overboard device": CLASS_A, "undefined": CLASS_A, "unknown": CLASS_A,
}  # fmt: skip


def text_key(text: str) -> str:
    """A text as the tables compare it."""
    return " ".join(text.lower().split())
