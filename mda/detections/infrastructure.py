"""Fixed objects among the unexplained detections: platforms, wind turbines, buoys.

A vessel moves between images hours apart; a platform is seen at the same place in scene after
scene. An unmatched detection near a known fixed object, or with detections in enough other
scenes at the same place, is infrastructure, not a dark vessel. (A vessel at anchor for days
repeats too; that is the price of this rule, as it is for Global Fishing Watch's.)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from mda.detections.model import Detection, Match, MatchStatus
from mda.detections.predict import M_PER_DEG


@dataclass(frozen=True, slots=True)
class FixedObject:
    """A known fixed object at sea."""

    name: str
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class InfrastructureSettings:
    """How close counts as the same place, and how many scenes make a repeat."""

    radius_m: float = 500.0
    min_scenes: int = 3  # this scene and at least two others

    @classmethod
    def for_position_error(cls, sigma_m: float, min_scenes: int = 3) -> InfrastructureSettings:
        """A radius fitting a detector's position error: two detections of one object lie
        about sigma times root 2 apart; three of those deviations, at least 150 m."""
        return cls(radius_m=max(3.0 * math.sqrt(2.0) * sigma_m, 150.0), min_scenes=min_scenes)


def _cell(lat: float, lon: float, size_deg: float) -> tuple[int, int]:
    return math.floor(lat / size_deg), math.floor(lon / size_deg)


def _apart_m(a_lat: float, a_lon: float, b_lat: float, b_lon: float) -> float:
    east = ((b_lon - a_lon + 540.0) % 360.0 - 180.0) * math.cos(math.radians(a_lat))
    return M_PER_DEG * math.hypot(b_lat - a_lat, east)


def repeated(
    detections: Sequence[Detection], settings: InfrastructureSettings
) -> set[tuple[str, str]]:
    """(scene_id, detect_id) of the detections seen at the same place in ``min_scenes``
    scenes or more (their own included)."""
    size = settings.radius_m / M_PER_DEG * 2.0  # cells wider than the radius (poles aside)
    grid: dict[tuple[int, int], list[Detection]] = {}
    for d in detections:
        grid.setdefault(_cell(d.lat, d.lon, size), []).append(d)
    found: set[tuple[str, str]] = set()
    for d in detections:
        row, col = _cell(d.lat, d.lon, size)
        scenes = {d.scene_id}
        for dr in (-1, 0, 1):
            for dc in (-1, 0, 1):
                for other in grid.get((row + dr, col + dc), ()):
                    if (
                        other.scene_id not in scenes
                        and _apart_m(d.lat, d.lon, other.lat, other.lon) <= settings.radius_m
                    ):
                        scenes.add(other.scene_id)  # fmt: skip
        if len(scenes) >= settings.min_scenes:
            found.add((d.scene_id, d.detect_id))
    return found


def mark_infrastructure(
    matches: Sequence[Match], known: Iterable[FixedObject] = (),
    settings: InfrastructureSettings | None = None,
    history: Sequence[Detection] = (),
) -> list[Match]:  # fmt: skip
    """``matches`` with each unmatched detection near a known object or repeating across
    scenes marked as infrastructure. ``history``: detections of other scenes (already stored)
    counted for repeats beside those of ``matches``."""
    settings = settings or InfrastructureSettings()
    objects = sorted(known, key=lambda o: (o.name, o.lat, o.lon))
    ids = {(m.detection.scene_id, m.detection.detect_id) for m in matches}
    pool = [m.detection for m in matches] + [
        d for d in history if (d.scene_id, d.detect_id) not in ids
    ]
    repeats = repeated(pool, settings)
    result = []
    for m in matches:
        if m.status is not MatchStatus.UNMATCHED:
            result.append(m)
            continue
        d = m.detection
        named = next(
            (o.name for o in objects
             if _apart_m(d.lat, d.lon, o.lat, o.lon) <= settings.radius_m),
            None,
        )  # fmt: skip
        if named is None and (d.scene_id, d.detect_id) in repeats:
            named = "repeat"
        result.append(
            m if named is None
            else replace(m, status=MatchStatus.INFRASTRUCTURE, infrastructure=named)
        )  # fmt: skip
    return result
