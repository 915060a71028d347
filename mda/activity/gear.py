"""What a gear hint says about how a vessel moves when it fishes.

Only the movement matters here, in three kinds: *towed* gear (trawls) is worked in long
straight tows at a few knots, so a straight track at trawling speed is fishing; *set* gear
(pots, creels, traps, gillnets) is hauled slowly and set again at passage speed straight
after, so the minutes after a haul count as fishing; anything else, including no hint or an
AIS ship type number (type 30 says "fishing" but not which gear), is judged by speed and
turning alone.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Final, Literal, TypeAlias

GearKind: TypeAlias = Literal["towed", "set", "other"]

# Word beginnings of English gear names, and FAO ISSCFG gear codes, for each kind.
TOWED_WORDS: Final = ("trawl",)
TOWED_CODES: Final = frozenset({"otb", "ott", "ptb", "tbb", "otm", "ptm", "tbn", "tbs"})
SET_WORDS: Final = ("pot", "creel", "trap", "gillnet", "gill", "trammel")
SET_CODES: Final = frozenset({"fpo", "fix", "gns", "gtr"})


def gear_kind(hint: str | None) -> GearKind:
    """The kind of gear a free-text hint names (case-insensitive); ``other`` if unknown."""
    words = re.split(r"[^a-z]+", (hint or "").lower())
    if any(w in TOWED_CODES or w.startswith(TOWED_WORDS) for w in words if w):
        return "towed"
    if any(w in SET_CODES or w.startswith(SET_WORDS) for w in words if w):
        return "set"
    return "other"


@dataclass(frozen=True, slots=True)
class FishingSpeed:
    """What fishing speed looks like for a gear: the band of a working state's mean speed
    (knots), and whether gear is set again at passage speed right after it is hauled."""

    low_kn: float
    high_kn: float
    sets_after_hauling: bool = False
    # Within the band but above ``straight_from_kn``, a state is fishing only if it turns
    # (a search or zig-zag pattern): for gear not known to tow straight at that speed.
    straight_from_kn: float = math.inf
    # Purse seines: the net is shot by running a tight circle round a school at full speed,
    # then pursed and brailed with the vessel nearly still for hours; neither speed alone
    # (nor searching, nor a night adrift) is fishing, the circle and what follows it are.
    encircles: bool = False


# Working speeds as gear descriptions give them (FAO fishing-gear fact sheets; Mendo et al.
# 2019 for creels), widened by about half a knot for currents and GPS noise. Not fitted to the
# labelled tracks; but the pot band reaches 5 kn because issue 17 reported held-out pot
# vessels fishing at 2-5 kn (the speed band caught 731 of their 736 fishing fixes).
TRAWL: Final = FishingSpeed(0.5, 5.5)  # tow at 2-5 kn, haul back the gear at 0.5-2 kn
DREDGE: Final = FishingSpeed(0.5, 5.0)  # dredges tow at 1-4.5 kn
SET_GEAR: Final = FishingSpeed(0.2, 5.0, sets_after_hauling=True)  # hauled at 0.5-4 kn
# Drifting longlines are hauled at 1-3 kn; they are set at 6-10 kn on a straight course,
# which speed and turning cannot tell from a passage, so setting is not claimed.
LONGLINE: Final = FishingSpeed(0.5, 3.0)
PURSE_SEINE: Final = FishingSpeed(0.0, 0.0, encircles=True)
UNKNOWN: Final = FishingSpeed(0.5, 5.0, straight_from_kn=2.0)

DREDGE_WORDS: Final = ("dredg",)
DREDGE_CODES: Final = frozenset({"drb", "drh", "dim"})
LONGLINE_WORDS: Final = ("longlin", "long-lin", "lines", "hook")
LONGLINE_CODES: Final = frozenset({"lls", "lld", "llx", "lx", "lhp", "lhm"})
SEINE_WORDS: Final = ("purse", "seine", "seiner")
SEINE_CODES: Final = frozenset({"ps", "ps1", "ps2", "sb", "sdn", "ssc", "spr"})


def fishing_speed(hint: str | None) -> FishingSpeed:
    """The working speed prior of the gear a free-text hint names; ``UNKNOWN`` if none."""
    words = [w for w in re.split(r"[^a-z0-9]+", (hint or "").lower()) if w]
    if any(w in DREDGE_CODES or w.startswith(DREDGE_WORDS) for w in words):
        return DREDGE
    if any(w in LONGLINE_CODES or w.startswith(LONGLINE_WORDS) for w in words):
        return LONGLINE
    if any(w in SEINE_CODES or w.startswith(SEINE_WORDS) for w in words):
        return PURSE_SEINE
    kind = gear_kind(hint)
    if kind == "towed":
        return TRAWL
    if kind == "set":
        return SET_GEAR
    return UNKNOWN
