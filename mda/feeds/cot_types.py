"""AIS ship types as Cursor-on-Target surface track types, and AIS navigational status names.

CoT atom types are ``a-<affiliation>-<battle dimension>-<function>``; surface tracks are
battle dimension ``S`` and their functions follow the MIL-STD-2525 sea surface tree:
``C`` combatant, ``X`` non-military, ``X-M`` merchant with ``C`` cargo, ``O`` oiler/tanker,
``P`` passenger, ``T-U`` tug; ``X-F`` fishing, ``X-R`` leisure craft, ``X-L`` law enforcement.
The affiliation is the feed's (unknown by default): an AIS type is what a vessel says of itself,
and says nothing of whose side it is on.

Mapping (AIS type -> function), chosen to claim no more than the AIS type does:

==============================  ===============  ==========================================
AIS ship type                   CoT type         note
==============================  ===============  ==========================================
30 fishing                      S-X-F            fishing vessel
31, 32 towing; 52 tug           S-X-M-T-U        tug
35 military operations          S-C              combatant (self-declared)
36 sailing, 37 pleasure craft   S-X-R            leisure craft
55 law enforcement              S-X-L            law enforcement vessel
60-69 passenger                 S-X-M-P          passenger ship (hazard categories too)
70-79 cargo                     S-X-M-C          cargo ship (hazard categories too)
80-89 tanker                    S-X-M-O          oiler/tanker
33, 34, 40-51, 53, 54, 56-59    S-X              non-military vessel, no closer function
0-29, 38, 39, 90-99, unknown    S                surface track, nothing more known
==============================  ===============  ==========================================
"""

from __future__ import annotations

from typing import Final

_FUNCTIONS: Final[dict[int, str]] = {
    30: "X-F", 31: "X-M-T-U", 32: "X-M-T-U", 52: "X-M-T-U", 35: "C", 36: "X-R", 37: "X-R",
    55: "X-L",
    **dict.fromkeys(range(60, 70), "X-M-P"),
    **dict.fromkeys(range(70, 80), "X-M-C"),
    **dict.fromkeys(range(80, 90), "X-M-O"),
    **dict.fromkeys((33, 34, *range(40, 52), 53, 54, *range(56, 60)), "X"),
}  # fmt: skip

NAV_STATUS: Final = (
    "under way using engine", "at anchor", "not under command", "restricted manoeuvrability",
    "constrained by her draught", "moored", "aground", "engaged in fishing",
    "under way sailing", "reserved (HSC)", "reserved (WIG)", "power-driven vessel towing astern",
    "power-driven vessel pushing ahead or towing alongside", "reserved", "AIS-SART active",
    "not defined",
)  # fmt: skip


def surface_type(ship_type: int | None, affiliation: str = "u") -> str:
    """The CoT type of a vessel's track: ``a-u-S-X-M-C`` for a cargo ship of unknown
    affiliation, ``a-u-S`` when the AIS type says nothing more."""
    function = _FUNCTIONS.get(ship_type) if ship_type is not None else None
    return f"a-{affiliation}-S" + (f"-{function}" if function else "")


def ship_type_name(ship_type: int | None) -> str | None:
    """A short name of an AIS ship type for remarks (None when unknown)."""
    if ship_type is None or ship_type == 0:
        return None
    tens, names = ship_type // 10, {
        2: "wing in ground", 4: "high-speed craft", 6: "passenger ship", 7: "cargo ship",
        8: "tanker", 9: "other type",
    }  # fmt: skip
    special = {
        30: "fishing", 31: "towing", 32: "towing (large)", 33: "dredging or underwater ops",
        34: "diving ops", 35: "military ops", 36: "sailing", 37: "pleasure craft",
        50: "pilot vessel", 51: "search and rescue", 52: "tug", 53: "port tender",
        54: "anti-pollution", 55: "law enforcement", 58: "medical transport",
        59: "noncombatant (RR 18)",
    }  # fmt: skip
    return special.get(ship_type) or names.get(tens) or f"type {ship_type}"
