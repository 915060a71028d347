"""Port visits after Global Fishing Watch's port-visit events (DETECTIONS.md, "Port visit").

GFW's events, with the numbers of its anchorage pipeline:

- ``PORT_ENTRY`` when a vessel comes within 3 km of an anchorage, ``PORT_EXIT`` when it is
  beyond 4 km (hysteresis: a vessel on the edge does not enter and leave every fix);
- ``PORT_STOP`` begins below 0.2 kn and ends above 0.5 kn;
- ``PORT_GAP``: more than 4 h without a message while in port. A gap does not end a visit:
  the visit goes on until the vessel is seen beyond the exit distance, so a vessel that turns
  its transponder off at the berth overnight makes one visit, not two;
- a visit's confidence: 1 = entry and/or exit only; 2 = stop/gap only; 3 = entry or exit and
  a stop/gap; 4 = entry and exit and a stop/gap. GFW's products keep confidence >= 2.

mda's ports and anchorages are circles of their own radius (``Zone.radius_m``), so entry is
within that radius and exit beyond it plus ``exit_margin_m`` (GFW's 3 km / 4 km: 1 km more).
Where circles overlap (a port inside its bay's anchorage), a vessel is visiting the nearest
one it entered, and stays on that visit until it leaves that zone.

A visit starts at its first fix within the entry radius and ends at its first fix beyond the
exit distance (GFW's entry and exit events), or at its last fix when none follows. One with no
fix before it outside the zone has no entry seen; one whose vessel is never seen outside again
has no exit seen (the edges of the window, usually).

Pure: fixes and zones in, events out; the same fixes give the same visits however they came.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

import numpy as np
import polars as pl

from mda.geo import EARTH_RADIUS_M, KNOT_MS, distance_m, haversine_m
from mda.zones.model import DEFAULT_PORT_RADIUS_M, Zone

PORT_KINDS: Final = ("port", "anchorage")
_SUSPECT: Final = "suspect"
EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)

VISIT_SCHEMA: Final = pl.Schema({
    "mmsi": pl.Int64(),
    "port_id": pl.String(),
    "port_name": pl.String(),
    "port_kind": pl.String(),
    "start": pl.Datetime("us", "UTC"),
    "end": pl.Datetime("us", "UTC"),
    "duration_h": pl.Float64(),
    "entry": pl.Boolean(),
    "exit": pl.Boolean(),
    "stop": pl.Boolean(),
    "stop_h": pl.Float64(),
    "gap": pl.Boolean(),
    "confidence": pl.Int8(),
    "positions": pl.Int64(),
    "lat": pl.Float64(),
    "lon": pl.Float64(),
})


@dataclass(frozen=True, slots=True)
class PortVisitRules:
    """GFW's thresholds (DETECTIONS.md); entry is each zone's own radius."""

    exit_margin_m: float = 1000.0
    stop_below_kn: float = 0.2
    stop_above_kn: float = 0.5
    gap_s: float = 4 * 3600.0
    min_confidence: int = 2


@dataclass(frozen=True, slots=True)
class _Port:
    zone: Zone
    lat: float
    lon: float
    entry_m: float
    exit_m: float


def ports_of(zones: Sequence[Zone], rules: PortVisitRules) -> list[_Port]:
    """The ports and anchorages among ``zones``, with their entry and exit distances."""
    ports = []
    for zone in zones:
        if zone.kind not in PORT_KINDS or zone.point is None:
            continue
        radius = zone.radius_m or DEFAULT_PORT_RADIUS_M
        lon, lat = zone.point.coords[0][:2]
        ports.append(_Port(zone, lat, lon, radius, radius + rules.exit_margin_m))
    return ports


def search_boxes(
    zones: Sequence[Zone], rules: PortVisitRules, *, factor: float = 2.0
) -> list[tuple[float, float, float, float]]:
    """(south, north, west, east) around every port, ``factor`` times its exit distance: the
    fixes a store must read so that each visit's exit fix is among them (a vessel leaving
    is seen in the band between exit distance and box edge unless it is silent there)."""
    boxes = []
    for port in ports_of(zones, rules):
        half_lat = math.degrees(factor * port.exit_m / EARTH_RADIUS_M)
        half_lon = half_lat / max(math.cos(math.radians(port.lat)), 0.01)
        boxes.append((port.lat - half_lat, port.lat + half_lat,
                      port.lon - half_lon, port.lon + half_lon))  # fmt: skip
    return boxes


def port_visits(
    fixes: pl.DataFrame, zones: Sequence[Zone], rules: PortVisitRules | None = None
) -> pl.DataFrame:
    """The port visits in ``fixes`` (columns ``mmsi``, ``time``, ``lat``, ``lon``, ``sog``;
    ``time_quality`` is used when present: suspect times are left out) to the ports and
    anchorages of ``zones``, in order of vessel and start, with confidence at least
    ``rules.min_confidence`` (see the module's description).

    Columns: the port's id, name, kind and centre (``lat``, ``lon``); ``start``, ``end`` and
    ``duration_h``; whether the ``entry`` and ``exit`` were seen, whether a ``stop`` was and
    how long it lasted (``stop_h``, from the fix that began it to the one that ended it, a
    silence while stopped included); whether a ``gap`` (a silence over ``rules.gap_s``) began
    in port; GFW's ``confidence``; the ``positions`` in port."""
    rules = rules or PortVisitRules()
    ports = ports_of(zones, rules)
    frame = fixes.filter(pl.col("lat").is_not_null() & pl.col("lon").is_not_null())
    if "time_quality" in frame.columns:
        frame = frame.filter(pl.col("time_quality").ne_missing(_SUSPECT))
    frame = frame.sort("mmsi", "time", maintain_order=True)
    if not len(frame) or not ports:
        return pl.DataFrame(schema=VISIT_SCHEMA)
    lat = frame["lat"].cast(pl.Float64).to_numpy()
    lon = frame["lon"].cast(pl.Float64).to_numpy()
    near = _near_ports(lat, lon, ports)
    times = (frame["time"].dt.epoch("us").to_numpy() // 1).astype(np.int64)
    sog = frame["sog"].cast(pl.Float64).fill_null(float("nan")).to_numpy()
    mmsi = frame["mmsi"].cast(pl.Int64).to_numpy()
    rows: list[dict[str, object]] = []
    start = 0
    for end in [*np.flatnonzero(mmsi[1:] != mmsi[:-1]) + 1, len(frame)]:
        tracker = _VesselVisits(int(mmsi[start]), ports, rules)
        for i in range(start, int(end)):
            tracker.fix(int(times[i]), float(lat[i]), float(lon[i]), float(sog[i]), near[i])
        rows += tracker.finish()
        start = int(end)
    visits = pl.DataFrame(rows, schema=VISIT_SCHEMA, orient="row") if rows else pl.DataFrame(
        schema=VISIT_SCHEMA
    )
    return visits.filter(pl.col("confidence") >= rules.min_confidence)


def _near_ports(
    lat: np.ndarray, lon: np.ndarray, ports: list[_Port]
) -> list[dict[int, float]]:
    """For each fix, {port index: distance in metres} of the ports it is within exit
    distance of (bounding boxes first, so only fixes near a port are measured)."""
    near: list[dict[int, float]] = [{} for _ in range(len(lat))]
    for k, port in enumerate(ports):
        half_lat = math.degrees(port.exit_m / EARTH_RADIUS_M) * 1.01
        half_lon = half_lat / max(math.cos(math.radians(port.lat)), 0.01)
        dlon = (lon - port.lon + 180.0) % 360.0 - 180.0
        boxed = np.flatnonzero((np.abs(lat - port.lat) <= half_lat) & (np.abs(dlon) <= half_lon))
        if not len(boxed):
            continue
        dist = haversine_m(lat[boxed], lon[boxed], np.full(len(boxed), port.lat),
                           np.full(len(boxed), port.lon))  # fmt: skip
        for i, d in zip(boxed.tolist(), np.asarray(dist).tolist(), strict=True):
            if d <= port.exit_m:
                near[i][k] = d
    return near


@dataclass(slots=True)
class _Visit:
    """The visit under way: where, since when, and what was seen of it so far."""

    port: int
    start_us: int
    last_us: int
    entry: bool
    stopped: bool
    stop: bool
    stop_us: int = 0
    gap: bool = False
    positions: int = 1


class _VesselVisits:
    """GFW's state machine over one vessel's fixes in time order."""

    def __init__(self, mmsi: int, ports: list[_Port], rules: PortVisitRules) -> None:
        self.mmsi, self.ports, self.rules = mmsi, ports, rules
        self.visits: list[dict[str, object]] = []
        self.visit: _Visit | None = None
        self.previous: tuple[int, float, float] | None = None  # time, lat, lon of the last fix
        self.outside_before = False  # a fix outside every entry radius came before

    def fix(self, time_us: int, lat: float, lon: float, sog: float, near: dict[int, float]) -> None:
        if self.visit is not None:
            if self.visit.port in near:
                self._in_port(self.visit, time_us, lat, lon, sog)
            else:
                self._close(self.visit, time_us, exit_seen=True)
        if self.visit is None:
            entered = {k: d for k, d in near.items() if d <= self.ports[k].entry_m}
            if entered:
                port = min(entered, key=lambda k: (entered[k], k))
                slow = _slow(sog, self.rules.stop_below_kn)
                entry = self.previous is not None and self.outside_before
                self.visit = _Visit(port, time_us, time_us, entry, slow, slow)
            else:
                self.outside_before = True
        self.previous = (time_us, lat, lon)

    def _in_port(self, visit: _Visit, time_us: int, lat: float, lon: float, sog: float) -> None:
        if time_us - visit.last_us > self.rules.gap_s * 1e6:
            visit.gap = True
        if visit.stopped:
            visit.stop_us += time_us - visit.last_us
        speed = sog if not math.isnan(sog) else self._implied_kn(time_us, lat, lon)
        if not math.isnan(speed):
            if visit.stopped and speed > self.rules.stop_above_kn:
                visit.stopped = False
            elif not visit.stopped and speed < self.rules.stop_below_kn:
                visit.stopped = visit.stop = True
        visit.last_us = time_us
        visit.positions += 1

    def _implied_kn(self, time_us: int, lat: float, lon: float) -> float:
        if self.previous is None or time_us <= self.previous[0]:
            return float("nan")
        t0, lat0, lon0 = self.previous
        return distance_m(lat0, lon0, lat, lon) / ((time_us - t0) / 1e6) / KNOT_MS

    def _close(self, visit: _Visit, end_us: int, *, exit_seen: bool) -> None:
        port = self.ports[visit.port]
        # A silence that began in port and ended outside it is a gap of this visit too.
        gap = visit.gap or (exit_seen and end_us - visit.last_us > self.rules.gap_s * 1e6)
        stop_or_gap = visit.stop or gap
        sides = int(visit.entry) + int(exit_seen)
        confidence = 2 + sides if stop_or_gap else int(sides > 0)
        self.visits.append({
            "mmsi": self.mmsi, "port_id": port.zone.id, "port_name": port.zone.name,
            "port_kind": port.zone.kind, "start": _utc(visit.start_us), "end": _utc(end_us),
            "duration_h": (end_us - visit.start_us) / 3.6e9, "entry": visit.entry,
            "exit": exit_seen, "stop": visit.stop, "stop_h": visit.stop_us / 3.6e9,
            "gap": gap, "confidence": confidence, "positions": visit.positions,
            "lat": port.lat, "lon": port.lon,
        })  # fmt: skip
        self.visit = None
        self.outside_before = True

    def finish(self) -> list[dict[str, object]]:
        if self.visit is not None:
            self._close(self.visit, self.visit.last_us, exit_seen=False)
        return self.visits


def _slow(sog: float, below: float) -> bool:
    return not math.isnan(sog) and sog < below


def _utc(time_us: int) -> datetime:
    return EPOCH + timedelta(microseconds=time_us)
