"""Synthetic zones and tracks with known ground truth, for rule tests.

The test sea is a square off nowhere (0-2 N, 10-12 E); a cable runs north-south along 11 E;
a port sits at its south-west corner. Tracks are dead-reckoned on the sphere.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from mda.geo import KNOT_MS, destination
from mda.model import Alert, Position, VesselStatic
from mda.pipeline import Pipeline
from mda.rules.engine import RuleEngine
from mda.rules.settings import rule_spec
from mda.zones.catalog import zones_from_geojson
from mda.zones.index import ZoneIndex

T0 = 1_767_225_600.0  # 2026-01-01T00:00:00Z
CABLE_LON = 11.0

ZONES: dict[str, Any] = {
    "type": "FeatureCollection",
    "features": [
        {"type": "Feature", "properties": {"id": "test-sea", "name": "Test Sea", "kind": "sea"},
         "geometry": {"type": "Polygon", "coordinates": [
             [[10, 0], [12, 0], [12, 2], [10, 2], [10, 0]]]}},
        {"type": "Feature", "properties": {"id": "test-cable", "name": "Test Cable",
                                           "kind": "cable"},
         "geometry": {"type": "LineString", "coordinates": [[CABLE_LON, -1], [CABLE_LON, 3]]}},
        {"type": "Feature", "properties": {"id": "test-port", "name": "Test Port",
                                           "kind": "port"},
         "geometry": {"type": "Point", "coordinates": [10.2, 0.2]}},
    ],
}  # fmt: skip

PORT = (0.2, 10.2)  # lat, lon


def index(coastline: Sequence[Any] = ()) -> ZoneIndex:
    """The test zones, indexed."""
    return ZoneIndex(zones_from_geojson(ZONES, "test", "test zones"), coastline)


def pipeline(rules: dict[str, dict[str, Any]], coastline: Sequence[Any] = ()) -> Pipeline:
    """A pipeline over the test zones with the given rule tables only."""
    idx = index(coastline)
    engine = RuleEngine([rule_spec(name, dict(table)) for name, table in rules.items()], idx)
    return Pipeline(idx, engine)


def leg(
    mmsi: int, start: float, lat: float, lon: float, course: float, speed_kn: float,
    minutes: float, every_s: float = 10.0, *, nav: int | None = 0,
    heading: float | None = None, sog: float | None = None, msg_type: int = 1,
) -> list[Position]:  # fmt: skip
    """Fixes of a vessel on a straight course at constant speed (the last point is excluded)."""
    out = []
    steps = int(minutes * 60 / every_s)
    for i in range(steps):
        t = start + i * every_s
        la, lo = destination(lat, lon, course, speed_kn * KNOT_MS * i * every_s)
        out.append(fix(mmsi, t, la, lo, sog if sog is not None else speed_kn, course,
                       heading if heading is not None else course, nav, msg_type))  # fmt: skip
    return out


def fix(
    mmsi: int, t: float, lat: float, lon: float, sog: float | None, cog: float | None,
    heading: float | None, nav: int | None = 0, msg_type: int = 1,
) -> Position:  # fmt: skip
    """One position report."""
    return Position(
        time=t, mmsi=mmsi, msg_type=msg_type, lat=lat, lon=lon, sog=sog, cog=cog,
        heading=None if heading is None else round(heading) % 360, nav_status=nav, rot=None,
        accuracy=True, source="test",
    )  # fmt: skip


def end_of(track: Sequence[Position]) -> tuple[float, float, float]:
    """(time, lat, lon) just after the last fix, to continue a track from."""
    last = track[-1]
    assert last.time is not None and last.lat is not None and last.lon is not None
    return last.time, last.lat, last.lon


def static(mmsi: int, t: float, name: str = "TEST VESSEL", ship_type: int = 70,
           imo: int | None = None) -> VesselStatic:  # fmt: skip
    """A static report."""
    return VesselStatic(time=t, mmsi=mmsi, msg_type=5, shipname=name, callsign="TEST1",
                        imo=imo, ship_type=ship_type, to_bow=100, to_stern=20)  # fmt: skip


def run(
    p: Pipeline, positions: Iterable[Position], statics: Sequence[VesselStatic] = (),
    batch_s: float = 60.0,
) -> list[Alert]:  # fmt: skip
    """Feed records in event-time batches of ``batch_s``; the alerts, in order."""
    ordered = sorted(positions, key=lambda q: (q.time or 0.0, q.mmsi))
    alerts: list[Alert] = []
    first = True
    batch: list[Any] = []
    edge = None
    for q in ordered:
        assert q.time is not None
        if edge is None:
            edge = q.time + batch_s
        if q.time >= edge:
            alerts += p.process_records([*statics, *batch] if first else batch).alerts
            first, batch = False, []
            while q.time >= edge:
                edge += batch_s
        batch.append(q)
    alerts += p.process_records([*statics, *batch] if first else batch).alerts
    return alerts + p.finish().alerts


def opened(alerts: Iterable[Alert], rule: str) -> list[Alert]:
    """The alerts of a rule that opened."""
    return [a for a in alerts if a.rule == rule and a.state == "open"]
