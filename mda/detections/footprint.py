"""Where a satellite looked: the AIS vessels inside a scene's footprint that it did not see.

A vessel AIS places inside the image and no detection explains was missed (small boats often
are), or was not there: a position worth a second look (AIS positions can be spoofed). Only
vessels the detector would likely see are listed: those of known length at least
``min_length_m``.
"""

from __future__ import annotations

from collections.abc import Sequence

import shapely
from shapely.geometry.base import BaseGeometry

from mda.detections.model import Match, MatchStatus
from mda.detections.predict import Prediction


def unseen_vessels(
    footprint: BaseGeometry, preds: Sequence[Prediction], matches: Sequence[Match],
    min_length_m: float = 50.0,
) -> tuple[int, list[Prediction]]:  # fmt: skip
    """How many AIS vessels the scene's footprint holds at its time, and those of them, long
    enough to be seen, that no detection was matched to (in MMSI order)."""
    if not preds:
        return 0, []
    inside = shapely.contains_xy(footprint, [p.lon for p in preds], [p.lat for p in preds])
    seen = {m.mmsi for m in matches if m.status is MatchStatus.MATCHED}
    held = [p for p, within in zip(preds, inside.tolist(), strict=True) if within]
    unseen = [
        p for p in held
        if p.mmsi not in seen and p.length_m is not None and p.length_m >= min_length_m
    ]  # fmt: skip
    return len(held), sorted(unseen, key=lambda p: p.mmsi)
