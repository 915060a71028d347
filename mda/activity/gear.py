"""What a gear hint says about how a vessel moves when it fishes.

Only the movement matters here, in three kinds: *towed* gear (trawls) is worked in long
straight tows at a few knots, so a straight track at trawling speed is fishing; *set* gear
(pots, creels, traps, gillnets) is hauled slowly and set again at passage speed straight
after, so the minutes after a haul count as fishing; anything else, including no hint or an
AIS ship type number (type 30 says "fishing" but not which gear), is judged by speed and
turning alone.
"""

from __future__ import annotations

import re
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
