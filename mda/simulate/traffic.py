"""Ordinary traffic: vessels on passage along a shipping lane, reporting as real ones do."""

from __future__ import annotations

import random
from dataclasses import dataclass

from mda.geo import KNOT_MS, bearing, destination
from mda.simulate.encoder import SentenceWriter, position_report

# The Red Sea shipping lane, Bab el-Mandeb to the Gulf of Suez (approximate, for simulation).
RED_SEA_LANE = [(12.60, 43.30), (15.00, 41.90), (20.00, 38.80), (24.50, 36.00), (27.50, 33.90)]

SHIP_TYPES = (70, 70, 70, 71, 79, 80, 80, 81, 60, 30)  # mostly cargo and tankers
NAMES = ("SEA", "STAR", "OCEAN", "GULF", "PEARL", "CORAL", "DUNE", "FALCON", "NILE", "ZEPHYR")


@dataclass(slots=True)
class SimVessel:
    """A simulated vessel and its state."""

    mmsi: int
    name: str
    callsign: str
    imo: int
    ship_type: int
    class_b: bool
    lat: float
    lon: float
    course: float
    speed_kn: float
    destination: str
    next_position: float = 0.0
    next_static: float = 0.0

    def advance(self, seconds: float) -> None:
        """Dead-reckon along the current course."""
        self.lat, self.lon = destination(
            self.lat, self.lon, self.course, self.speed_kn * KNOT_MS * seconds
        )


def _point_on_lane(
    rng: random.Random, lane: list[tuple[float, float]]
) -> tuple[float, float, float]:
    leg = rng.randrange(len(lane) - 1)
    (lat1, lon1), (lat2, lon2) = lane[leg], lane[leg + 1]
    f = rng.random()
    lat, lon = lat1 + f * (lat2 - lat1), lon1 + f * (lon2 - lon1)
    course = bearing(lat1, lon1, lat2, lon2)
    # Two-way traffic, lanes about 2 nm apart.
    if rng.random() < 0.5:
        course = (course + 180.0) % 360.0
    offset = 1852.0 if course > 180 else -1852.0
    lat, lon = destination(lat, lon, (course + 90.0) % 360.0, offset + rng.uniform(-500, 500))
    return lat, lon, course


def fleet(rng: random.Random, count: int, lane: list[tuple[float, float]]) -> list[SimVessel]:
    """``count`` vessels spread along ``lane``."""
    vessels = []
    for i in range(count):
        lat, lon, course = _point_on_lane(rng, lane)
        class_b = rng.random() < 0.15
        vessels.append(
            SimVessel(
                mmsi=rng.choice((636, 538, 355, 357, 215, 256, 403, 470, 622)) * 1_000_000
                + rng.randrange(1_000_000),
                name=f"{rng.choice(NAMES)} {rng.choice(NAMES)} {i + 1}",
                callsign=rng.choice("ADHJLV")
                + rng.choice("ABCDEFG")
                + str(rng.randrange(1000, 9999)),
                imo=9_000_000 + rng.randrange(999_999),
                ship_type=37 if class_b else rng.choice(SHIP_TYPES),
                class_b=class_b,
                lat=lat,
                lon=lon,
                course=course,
                speed_kn=rng.uniform(6.0, 9.0) if class_b else rng.uniform(10.0, 16.0),
                destination=rng.choice(("JEDDAH", "SUEZ", "DJIBOUTI", "PORT SUDAN", "AQABA")),
                next_position=rng.uniform(0, 10),
                next_static=rng.uniform(0, 360),
            )
        )
    return vessels


def position_fields(v: SimVessel, time: float) -> dict[str, object]:
    """The position report a vessel sends."""
    fields = position_report(v.mmsi, v.class_b, v.lat, v.lon, v.speed_kn, round(v.course, 1),
                             round(v.course) % 360, int(time) % 60)  # fmt: skip
    if not v.class_b:
        fields["status"] = 0
        fields["turn"] = 0
    return fields


def static_fields(v: SimVessel) -> list[dict[str, object]]:
    """The static report(s) a vessel sends: type 5, or type 24 parts A and B."""
    if v.class_b:
        return [
            {"type": 24, "mmsi": v.mmsi, "partno": 0, "shipname": v.name},
            {"type": 24, "mmsi": v.mmsi, "partno": 1, "ship_type": v.ship_type,
             "callsign": v.callsign, "to_bow": 8, "to_stern": 6, "to_port": 2, "to_starboard": 2},
        ]  # fmt: skip
    return [
        {"type": 5, "mmsi": v.mmsi, "ais_version": 0, "imo": v.imo, "callsign": v.callsign,
         "shipname": v.name, "ship_type": v.ship_type, "to_bow": 150, "to_stern": 40,
         "to_port": 16, "to_starboard": 16, "epfd": 1, "draught": 9.5,
         "destination": v.destination},
    ]  # fmt: skip


def simulate_traffic(
    seed: int,
    vessels: int,
    start: float,
    duration_s: float,
    lane: list[tuple[float, float]] | None = None,
    damaged_every: int = 400,
) -> list[bytes]:
    """Lines of a recording: two receivers hear the fleet, a few lines arrive damaged."""
    rng = random.Random(seed)
    ships = fleet(rng, vessels, lane or RED_SEA_LANE)
    writer = SentenceWriter("rx-jeddah")
    lines: list[bytes] = []
    step = 1.0
    t = 0.0
    while t < duration_s:
        now = start + t
        for v in ships:
            v.advance(step)
            if t >= v.next_position:
                lines += writer.encode(position_fields(v, now), now, rng.choice("AB"))
                v.next_position = t + (30.0 if v.class_b else 10.0)
                if rng.random() < 0.1:  # also heard by a second station
                    lines += writer.encode(position_fields(v, now), now + 1, station="rx-yanbu")
            if t >= v.next_static:
                for fields in static_fields(v):
                    lines += writer.encode(fields, now)
                v.next_static = t + 360.0
        t += step
    for i in range(damaged_every, len(lines), damaged_every):
        lines[i] = lines[i][:-1] + (b"0" if lines[i][-1:] != b"0" else b"1")  # bad checksum
    return lines
