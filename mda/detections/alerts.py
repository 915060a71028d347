"""``dark_vessel`` alerts: detections no AIS vessel explains, inside watched zones.

Severity goes by the zone and the object's size: a dark vessel in a cable or pipeline corridor
or a marine protected area is an alarm, elsewhere a warning; an object under ``small_m`` is
one step lower (a small boat is likelier a local fisher than a threat). The evidence names the
nearest AIS vessel at the image time and the vessels that fell silent near there before it
(the gap, the distance, the speed it would have needed, how far from where its last course
and speed would have taken it), ranked as the matcher ranks vessels; one that also has a
``going_dark`` alert is the strongest lead. Pure: the zones are a built index, the silent
vessels are given.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from mda.alerts.lifecycle import ALERT_NAMESPACE
from mda.detections.model import Detection, Match, MatchStatus
from mda.detections.predict import M_PER_DEG, PredictSettings
from mda.geo import KNOT_MS
from mda.model import Alert, Severity
from mda.rules.base import zone_indices
from mda.timefmt import iso
from mda.zones import Zone, ZoneIndex

RULE = "dark_vessel"
_LOWER: dict[Severity, Severity] = {"alarm": "warning", "warning": "caution", "caution": "caution"}


@dataclass(frozen=True, slots=True)
class DarkVesselSettings:
    """Where dark vessels are alerted on, and how loudly."""

    zones: tuple[str, ...] = (
        "kind:mpa", "kind:eez", "kind:cable", "kind:pipeline", "red-sea", "bab-el-mandeb",
        "gulf-of-aden", "gulf-of-guinea", "piracy-high-risk-area",
    )  # fmt: skip
    exclude_zones: tuple[str, ...] = ("kind:port", "kind:anchorage")
    alarm_zones: tuple[str, ...] = ("kind:cable", "kind:pipeline", "kind:mpa")
    min_score: float = 0.5  # presence score below this: likelier clutter than a vessel
    small_m: float = 15.0
    # A vessel silent since within this long before the image, and near enough to have sailed
    # there at ``max_speed_kn``, is named as a possible identity.
    silent_within_hours: float = 48.0
    max_speed_kn: float = 25.0
    # Leads are ranked as the matcher ranks vessels: carried on from their last fix by course
    # and speed, the spread growing with the silence, and by length.
    position_error_m: float = 250.0
    length_sigma: float = 0.4
    predict: PredictSettings = field(default_factory=PredictSettings)


@dataclass(frozen=True, slots=True)
class SilentVessel:
    """A vessel's last AIS fix before an image it is not heard around."""

    mmsi: int
    time: float
    lat: float
    lon: float
    name: str | None = None
    going_dark_alert: bool = False  # a going_dark alert was raised on it
    sog: float | None = None  # knots, at the last fix
    cog: float | None = None
    length_m: float | None = None  # from its AIS dimensions


def _apart_m(a_lat: float, a_lon: float, b_lat: float, b_lon: float) -> float:
    east = ((b_lon - a_lon + 540.0) % 360.0 - 180.0) * math.cos(math.radians(a_lat))
    return M_PER_DEG * math.hypot(b_lat - a_lat, east)


def _lead_cost(
    v: SilentVessel, d: Detection, gap: float, s: DarkVesselSettings
) -> tuple[float, float]:
    """How well a silent vessel, carried on from its last fix, explains a detection: the
    matcher's cost (distance against the spread grown over the silence, and length), and the
    distance from where it would be."""
    if v.sog is not None and v.cog is not None:
        speed = v.sog * KNOT_MS
        north, east = speed * math.cos(math.radians(v.cog)), speed * math.sin(math.radians(v.cog))
        spread = s.predict.drift_ms + s.predict.turn_error * speed
    else:
        north = east = 0.0
        spread = s.predict.drift_ms + s.predict.unknown_speed_ms
    lat = v.lat + north * gap / M_PER_DEG
    lon = v.lon + east * gap / (M_PER_DEG * max(math.cos(math.radians(v.lat)), 1e-6))
    off = _apart_m(lat, lon, d.lat, d.lon)
    sigma = math.hypot(s.position_error_m, spread * gap)
    cost = 0.5 * (off / sigma) ** 2 + math.log(sigma / s.position_error_m)
    if d.length_m and v.length_m:
        cost += 0.5 * (math.log(d.length_m / v.length_m) / s.length_sigma) ** 2
    else:
        cost += 0.5
    return cost, off


def _leads(
    m: Match, silent: Sequence[SilentVessel], s: DarkVesselSettings
) -> list[dict[str, object]]:
    d = m.detection
    found = []
    for v in silent:
        gap = d.time - v.time
        if not 0 < gap <= s.silent_within_hours * 3600:
            continue
        distance = _apart_m(v.lat, v.lon, d.lat, d.lon)
        needed = distance / gap / KNOT_MS
        if needed <= s.max_speed_kn:
            cost, off = _lead_cost(v, d, gap, s)
            found.append((not v.going_dark_alert, cost, v.mmsi, v, gap, distance, needed, off))
    found.sort(key=lambda f: f[:3])
    return [
        {"mmsi": v.mmsi, "name": v.name, "silent_hours": round(gap / 3600, 2),
         "distance_km": round(distance / 1000, 2), "needed_speed_knots": round(needed, 1),
         "dead_reckoned_km": round(off / 1000, 2), "going_dark_alert": v.going_dark_alert}
        for _, _, _, v, gap, distance, needed, off in found[:3]
    ]  # fmt: skip


def _message(m: Match, zone: Zone, leads: list[dict[str, object]]) -> str:
    d = m.detection
    size = f"a {d.length_m:.0f} m object" if d.length_m else "an object"
    text = f"Possible dark vessel: {size} seen by satellite in {zone.name} at {iso(d.time)}"
    if m.nearest_m is not None:
        text += f", no AIS vessel within {m.nearest_m / 1000:.1f} km"
    else:
        text += ", no AIS vessel reporting near there"
    if leads:
        lead = leads[0]
        text += (f"; MMSI {lead['mmsi']} fell silent {lead['distance_km']} km away "
                 f"{lead['silent_hours']} h before")  # fmt: skip
    return text + "."


def dark_vessel_alerts(
    matches: Sequence[Match], index: ZoneIndex, settings: DarkVesselSettings | None = None,
    silent: Sequence[SilentVessel] = (),
) -> list[Alert]:  # fmt: skip
    """An open alert for each unmatched, confident detection inside a watched zone (and in
    no excluded one); ``silent``: vessels last heard before the images, near them."""
    s = settings or DarkVesselSettings()
    candidates = [
        m for m in matches
        if m.status is MatchStatus.UNMATCHED
        and (m.detection.score is None or m.detection.score >= s.min_score)
    ]  # fmt: skip
    if not candidates:
        return []
    watched = zone_indices(index, s.zones, f"[{RULE}]")
    excluded = zone_indices(index, s.exclude_zones, f"[{RULE}]")
    loud = zone_indices(index, s.alarm_zones, f"[{RULE}]")
    lon = np.array([m.detection.lon for m in candidates])
    lat = np.array([m.detection.lat for m in candidates])
    inside: list[list[int]] = [[] for _ in candidates]
    where = index.locate(lon, lat)
    for point, zone in zip(where.point.tolist(), where.zone.tolist(), strict=True):
        inside[point].append(zone)
    alerts = []
    for m, zones in zip(candidates, inside, strict=True):
        if not zones or any(z in excluded for z in zones):
            continue
        chosen = sorted((z not in loud, index.zones[z].id, z) for z in zones if z in watched)
        if not chosen:
            continue
        alarm, _, z = chosen[0]
        zone = index.zones[z]
        severity: Severity = "alarm" if not alarm else "warning"
        d = m.detection
        if d.length_m is not None and d.length_m < s.small_m:
            severity = _LOWER[severity]
        leads = _leads(m, silent, s)
        key = f"{RULE}:-:{zone.id}:{d.scene_id}/{d.detect_id}"
        alert_id = str(uuid.uuid5(ALERT_NAMESPACE, key))
        lat6, lon6 = round(d.lat, 6), round(d.lon, 6)
        position = {"lat": lat6, "lon": lon6, "time": iso(d.time)}
        evidence: dict[str, object] = {
            "scene_id": d.scene_id, "detect_id": d.detect_id, "length_m": d.length_m,
            "presence_score": d.score, "nearest_ais_mmsi": m.nearest_mmsi,
            "nearest_ais_distance_m": None if m.nearest_m is None else round(m.nearest_m),
            "silent_vessels": leads,
        }  # fmt: skip
        message = _message(m, zone, leads)
        body: dict[str, object] = {
            "alert_id": alert_id, "dedup_key": key, "rule": RULE, "severity": severity,
            "state": "open", "start": iso(d.time), "updated": iso(d.time), "mmsi": None,
            "vessel": {}, "position": position,
            "zone": {"id": zone.id, "name": zone.name, "kind": zone.kind},
            "evidence": evidence, "track": [], "message": message, "earlier_alerts": 0,
        }  # fmt: skip
        alerts.append(Alert(
            alert_id=alert_id, dedup_key=key, rule=RULE, severity=severity, state="open",
            start=d.time, updated=d.time, mmsi=None, zone_id=zone.id, message=message,
            body=body, lat=lat6, lon=lon6,
        ))  # fmt: skip
    return alerts
