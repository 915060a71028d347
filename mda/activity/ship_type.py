"""Who can be fishing: the AIS ship type (ITU-R M.1371, message 5 / 24B "type of ship and
cargo") of vessels that are never labelled fishing, whatever their movement.

A pilot boat criss-crossing a harbour, a tug at towing speed, a yacht under sail tacking, a
cargo ship drifting while it waits for a berth: each moves like a fishing boat at times, and a
classifier of movement alone calls it fishing. Their broadcast type says otherwise. Unknown
types (0, none, the reserved and "other" codes) are judged by movement: many small fishing
boats never set a type. Fishing under a non-fishing type is a matter for the rules
(``fishing_type_mismatch``), which weigh stronger evidence, not for the per-position label.
"""

from __future__ import annotations

from typing import Final

FISHING_TYPE: Final = 30

# Each group of non-fishing types and the codes it spans (inclusive ranges).
NON_FISHING_GROUPS: Final[dict[str, tuple[tuple[int, int], ...]]] = {
    "wing in ground": ((20, 29),),
    "towing": ((31, 32),),
    "dredging, diving, military": ((33, 35),),
    "sailing": ((36, 36),),
    "pleasure": ((37, 37),),
    "high-speed craft": ((40, 49),),
    # 50 pilot, 51 search and rescue, 52 tug, 53 port tender, 54 anti-pollution,
    # 55 law enforcement, 58 medical transport, 59 noncombatant; 56-57 local vessels.
    "pilot, SAR, tug, port tender, law enforcement": ((50, 59),),
    "passenger": ((60, 69),),
    "cargo": ((70, 79),),
    "tanker": ((80, 89),),
}


def non_fishing_group(ship_type: int | None) -> str | None:
    """The group of a non-fishing ship type; None for fishing (30) and unknown types."""
    if ship_type is None:
        return None
    for group, spans in NON_FISHING_GROUPS.items():
        if any(low <= ship_type <= high for low, high in spans):
            return group
    return None


def may_fish(ship_type: int | None) -> bool:
    """False for a vessel whose broadcast type says it is not a fishing vessel."""
    return non_fishing_group(ship_type) is None
