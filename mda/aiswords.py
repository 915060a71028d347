"""AIS codes in the words a watch officer reads: ship type (ITU-R M.1371 table 53) and
navigational status (message 1-3 field "navigational status").

Alerts carry the codes for machines and these words beside them for people; a code the
standard reserves or leaves undefined is said so ("reserved"), never guessed at.
"""

from __future__ import annotations

from typing import Final

NAV_STATUS_WORDS: Final = (
    "under way using engine",  # 0
    "at anchor",  # 1
    "not under command",  # 2
    "restricted manoeuvrability",  # 3
    "constrained by her draught",  # 4
    "moored",  # 5
    "aground",  # 6
    "engaged in fishing",  # 7
    "under way sailing",  # 8
    "reserved (high-speed craft)",  # 9
    "reserved (wing in ground)",  # 10
    "power-driven vessel towing astern",  # 11
    "power-driven vessel pushing ahead or towing alongside",  # 12
    "reserved",  # 13
    "AIS-SART, MOB or EPIRB active",  # 14
    "not defined",  # 15, the default
)

# Types of a decade whose last digit is a hazard category (X1-X4: categories A-D, X9: no
# additional information); the decade's first code is "all ships of this type".
_DECADES: Final = {
    2: "wing in ground craft", 4: "high-speed craft", 6: "passenger ship", 7: "cargo ship",
    8: "tanker", 9: "other type",
}  # fmt: skip
_SINGLE: Final = {
    30: "fishing", 31: "towing", 32: "towing, length over 200 m or breadth over 25 m",
    33: "dredging or underwater operations", 34: "diving operations",
    35: "military operations", 36: "sailing", 37: "pleasure craft",
    50: "pilot vessel", 51: "search and rescue vessel", 52: "tug", 53: "port tender",
    54: "anti-pollution vessel", 55: "law enforcement", 56: "local vessel", 57: "local vessel",
    58: "medical transport", 59: "non-combatant ship (RR Resolution No. 18)",
}  # fmt: skip


def nav_status_words(code: int | None) -> str | None:
    """The navigational status in words (None when no status is known)."""
    if code is None or not 0 <= code < len(NAV_STATUS_WORDS):
        return None
    return NAV_STATUS_WORDS[code]


def ship_type_words(code: int | None) -> str | None:
    """The ship type in words: "tanker, hazardous category A" for 81 (None when not
    available: no code, or 0)."""
    if code is None or code <= 0 or code > 99:
        return None
    single = _SINGLE.get(code)
    if single is not None:
        return single
    decade, digit = divmod(code, 10)
    name = _DECADES.get(decade)
    if name is None:
        return "reserved"  # 1-19, 38, 39
    if digit == 0:
        return name
    if 1 <= digit <= 4:
        return f"{name}, hazardous category {'ABCD'[digit - 1]}"
    if digit == 9:
        return f"{name}, no additional information"
    return f"{name}, reserved"
