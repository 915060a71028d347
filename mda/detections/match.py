"""Matching satellite detections to AIS vessels, one scene at a time.

Each vessel is predicted at the image time (``predict``); a detection and a vessel may pair
when the detection lies within a few standard deviations of the prediction, the deviation
combining the detector's position error with the prediction's. The cost of a pair is the
negative log-likelihood of the distance and of the length agreement (detected length against
the AIS dimensions, on a log scale); leaving a detection unexplained has a fixed cost. Within
a scene a vessel explains at most one detection: the pairs are chosen by a least-cost
assignment over each group of detections and vessels within reach of one another. Pure and
deterministic: scenes, detections and vessels are taken in sorted order.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from mda.detections.assignment import FORBIDDEN, assign
from mda.detections.model import AisFix, Detection, Match, MatchStatus
from mda.detections.predict import M_PER_DEG, Prediction, PredictSettings, predict_all, tracks_of

Floats = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class MatchSettings:
    """The matcher's error model and gates."""

    detection_sigma_m: float = 250.0  # the detector's position error, one standard deviation
    # The detection's time may be off by this much (scene timing, or a detector that gives
    # one time per scene): a moving vessel's position is that much less certain.
    time_error_s: float = 20.0
    gate_sigmas: float = 5.0  # a pair farther apart than this many deviations is not considered
    max_distance_m: float = 20_000.0  # nor one farther than this, whatever the deviation
    length_sigma: float = 0.4  # of ln(detected length / AIS length)
    # The cost of explaining a detection by nothing: a pair costing more stays apart.
    unmatched_cost: float = 12.5
    predict: PredictSettings = field(default_factory=PredictSettings)


def scenes_of(detections: Iterable[Detection]) -> dict[str, list[Detection]]:
    """Detections by scene, scenes and detections in id order."""
    scenes: dict[str, list[Detection]] = {}
    for d in detections:
        scenes.setdefault(d.scene_id, []).append(d)
    return {
        sid: sorted(ds, key=lambda d: (d.detect_id, d.time, d.lat, d.lon))
        for sid, ds in sorted(scenes.items())
    }


def scene_time(detections: Sequence[Detection]) -> float:
    """The instant the vessels are predicted at: the middle detection time of the scene."""
    times = sorted(d.time for d in detections)
    return times[len(times) // 2]


def _distances(dets: Sequence[Detection], preds: Sequence[Prediction]) -> tuple[Floats, Floats]:
    """Detection-by-vessel distances (m), each vessel moved to each detection's own time, and
    the time offsets (s) it was moved over."""
    d_lat = np.array([d.lat for d in dets])[:, None]
    d_lon = np.array([d.lon for d in dets])[:, None]
    d_t = np.array([d.time for d in dets])[:, None]
    p_lat = np.array([p.lat for p in preds])[None, :]
    p_lon = np.array([p.lon for p in preds])[None, :]
    p_t = np.array([p.time for p in preds])[None, :]
    offset = d_t - p_t
    north = (d_lat - p_lat) * M_PER_DEG - np.array([p.north_ms for p in preds])[None, :] * offset
    dlon = (d_lon - p_lon + 540.0) % 360.0 - 180.0
    east = dlon * M_PER_DEG * np.cos(np.radians(d_lat)) - (
        np.array([p.east_ms for p in preds])[None, :] * offset
    )
    distance: Floats = np.hypot(north, east)
    return distance, np.abs(offset)


def _length_cost(dets: Sequence[Detection], preds: Sequence[Prediction], sigma: float) -> Floats:
    detected = np.array([d.length_m if d.length_m else np.nan for d in dets])[:, None]
    ais = np.array([p.length_m if p.length_m else np.nan for p in preds])[None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.log(detected / ais) / sigma
    # An unknown length on either side costs what an average known one does (half a unit),
    # so a vessel without dimensions is neither favoured nor shunned.
    cost: Floats = np.where(np.isnan(z), 0.5, 0.5 * z * z)
    return cost


def _groups(pairs: Sequence[tuple[int, int]], n_dets: int) -> list[tuple[list[int], list[int]]]:
    """Connected groups of detections and vessels linked by candidate pairs (union-find)."""
    parent = list(range(n_dets))
    vessel_root: dict[int, int] = {}

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in pairs:
        if j in vessel_root:
            a, b = root(i), root(vessel_root[j])
            if a != b:
                parent[max(a, b)] = min(a, b)
        else:
            vessel_root[j] = i
    dets: dict[int, list[int]] = {}
    for i in range(n_dets):
        dets.setdefault(root(i), []).append(i)
    vessels: dict[int, list[int]] = {}
    for j, i in sorted(vessel_root.items()):
        vessels.setdefault(root(i), []).append(j)
    return [(dets[r], vessels.get(r, [])) for r in sorted(dets)]


def match_scene(
    dets: Sequence[Detection], preds: Sequence[Prediction], settings: MatchSettings
) -> list[Match]:
    """One scene's detections matched to the vessels predicted at its time."""
    if not dets:
        return []
    if not preds:
        return [Match(d, MatchStatus.UNMATCHED) for d in dets]
    distance, offset = _distances(dets, preds)
    motion = np.array([p.sigma_m for p in preds])[None, :]
    speed = np.hypot([p.north_ms for p in preds], [p.east_ms for p in preds])[None, :]
    motion = motion + offset * (settings.predict.drift_ms + settings.predict.speed_error * speed)
    motion = np.hypot(motion, settings.time_error_s * speed)
    sd = settings.detection_sigma_m
    sigma = np.sqrt(sd * sd + motion * motion)
    cost = 0.5 * (distance / sigma) ** 2 + np.log(sigma / sd)
    cost += _length_cost(dets, preds, settings.length_sigma)
    reach = (distance <= settings.gate_sigmas * sigma) & (distance <= settings.max_distance_m)
    reach &= cost < settings.unmatched_cost
    pairs = [(int(i), int(j)) for i, j in zip(*np.nonzero(reach), strict=True)]
    chosen: dict[int, int] = {}
    for rows, cols in _groups(pairs, len(dets)):
        if not cols:
            continue
        block = np.full((len(rows), len(cols) + len(rows)), FORBIDDEN)
        for r, i in enumerate(rows):
            for c, j in enumerate(cols):
                if reach[i, j]:
                    block[r, c] = cost[i, j]
            block[r, len(cols) + r] = settings.unmatched_cost
        for r, c in enumerate(assign(block)):
            if c < len(cols):
                chosen[rows[r]] = cols[c]
    nearest = np.argmin(distance, axis=1)
    result = []
    for i, d in enumerate(dets):
        k = int(nearest[i])
        near_mmsi, near_m = preds[k].mmsi, float(distance[i, k])
        if i not in chosen:
            result.append(Match(d, MatchStatus.UNMATCHED, nearest_mmsi=near_mmsi, nearest_m=near_m))
            continue
        j = chosen[i]
        p = preds[j]
        result.append(Match(
            d, MatchStatus.MATCHED, mmsi=p.mmsi, distance_m=float(distance[i, j]),
            gap_s=p.gap_s + float(offset[i, j]), ais_length_m=p.length_m,
            cost=float(cost[i, j]), nearest_mmsi=near_mmsi, nearest_m=near_m,
        ))  # fmt: skip
    return result


def match_detections(
    detections: Iterable[Detection], fixes: Iterable[AisFix],
    lengths: Mapping[int, float] | None = None, settings: MatchSettings | None = None,
) -> list[Match]:  # fmt: skip
    """Every detection matched against the AIS ``fixes``, scene by scene (in scene order)."""
    settings = settings or MatchSettings()
    tracks = tracks_of(fixes)
    result: list[Match] = []
    for dets in scenes_of(detections).values():
        preds = predict_all(tracks, scene_time(dets), settings.predict, lengths)
        result.extend(match_scene(dets, preds, settings))
    return result


def nearest_neighbour(
    detections: Iterable[Detection], fixes: Iterable[AisFix], *, radius_m: float,
    max_gap_s: float = 3600.0,
) -> list[Match]:  # fmt: skip
    """The baseline: each detection takes the vessel whose last report before the image is
    nearest, within ``radius_m`` (no motion model, no lengths, a vessel may explain several)."""
    tracks = tracks_of(fixes)
    result: list[Match] = []
    for dets in scenes_of(detections).values():
        t = scene_time(dets)
        last = []
        for mmsi, track in tracks.items():
            before = [f for f in track if t - max_gap_s <= f.time <= t]
            if before:
                last.append((mmsi, before[-1]))
        for d in dets:
            best: tuple[float, int] | None = None
            for mmsi, f in last:
                dist = math.hypot(
                    (d.lat - f.lat) * M_PER_DEG,
                    ((d.lon - f.lon + 540.0) % 360.0 - 180.0) * M_PER_DEG
                    * math.cos(math.radians(d.lat)),
                )  # fmt: skip
                if best is None or dist < best[0]:
                    best = (dist, mmsi)
            if best is not None and best[0] <= radius_m:
                result.append(Match(d, MatchStatus.MATCHED, mmsi=best[1], distance_m=best[0]))
            else:
                result.append(Match(d, MatchStatus.UNMATCHED))
    return result
