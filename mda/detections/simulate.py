"""Satellite scenes over simulated traffic, with the truth of every detection.

Vessels sail, fish or lie at anchor in a box of sea (some crowded on fishing grounds and at an
anchorage, where matching is hard); most report AIS at their own rate, a share switch it off
around the image times (the dark vessels). Each scene detects vessels by their size, with
position noise, a time offset, a noisy length, a presence score, misses, false detections
(uniform clutter and radar ghosts beside large ships) and fixed platforms. Deterministic by
seed.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from enum import StrEnum

from mda.detections.model import AisFix, Detection
from mda.detections.predict import M_PER_DEG

STEP_S = 60  # the truth is kept minute by minute and interpolated between


class TruthKind(StrEnum):
    """What a simulated detection really is."""

    VESSEL = "vessel"  # a vessel reporting AIS: the matcher should name it
    DARK = "dark"  # a vessel with AIS off around the image time
    FALSE = "false"  # clutter or a radar ghost: nothing there
    INFRASTRUCTURE = "infrastructure"  # a fixed platform


@dataclass(frozen=True, slots=True)
class Truth:
    """The truth of one detection."""

    kind: TruthKind
    mmsi: int | None = None


@dataclass(frozen=True, slots=True)
class SceneNoise:
    """How a satellite sees: errors of position, time and length, misses and clutter."""

    position_sigma_m: float = 200.0
    time_offset_s: float = 10.0  # the detection's time is off by up to this, either way
    length_sigma: float = 0.3  # of ln(detected / true length)
    false_per_vessel: float = 0.02  # false detections per vessel in the scene
    platform_detect: float = 0.95


@dataclass(frozen=True, slots=True)
class TrafficShape:
    """The simulated sea: how many vessels, how many dark, how many scenes."""

    vessels: int = 400
    dark_share: float = 0.07
    scenes: int = 4
    platforms: int = 8
    hours: int = 24
    south: float = 25.0
    west: float = 52.0
    size_deg: float = 1.5
    no_dimensions_share: float = 0.1  # vessels whose AIS gives no length


@dataclass(slots=True)
class SimulatedScenes:
    """Simulated AIS, the scenes' detections and the truth of each."""

    fixes: list[AisFix] = field(default_factory=list)
    lengths: dict[int, float] = field(default_factory=dict)  # from AIS dimensions, when given
    detections: list[Detection] = field(default_factory=list)
    truth: dict[tuple[str, str], Truth] = field(default_factory=dict)
    dark: set[int] = field(default_factory=set)
    platforms: list[tuple[float, float]] = field(default_factory=list)


@dataclass(slots=True)
class _Vessel:
    mmsi: int
    length_m: float
    kind: str
    report_s: float  # mean interval between received AIS reports
    lat: list[float] = field(default_factory=list)
    lon: list[float] = field(default_factory=list)
    sog: list[float] = field(default_factory=list)
    cog: list[float] = field(default_factory=list)

    def at(self, t: float) -> tuple[float, float, float, float]:
        k = min(max(int(t // STEP_S), 0), len(self.lat) - 2)
        f = min(max((t - k * STEP_S) / STEP_S, 0.0), 1.0)
        return (
            self.lat[k] + f * (self.lat[k + 1] - self.lat[k]),
            self.lon[k] + f * (self.lon[k + 1] - self.lon[k]),
            self.sog[k],
            self.cog[k],
        )


# Kinds of vessel: share, length range (m), speed range (kn), minutes between course changes,
# largest course change (degrees), mean minutes between received AIS reports.
_KINDS = {
    "merchant": (0.45, (80.0, 330.0), (10.0, 18.0), (60, 240), 25.0, (1.0, 8.0)),
    "fishing": (0.35, (12.0, 45.0), (2.0, 6.0), (10, 40), 90.0, (2.0, 15.0)),
    "anchored": (0.20, (40.0, 250.0), (0.0, 0.3), (60, 180), 180.0, (3.0, 15.0)),
}


def _kind(rng: random.Random) -> str:
    x = rng.random()
    for name, spec in _KINDS.items():
        if x < spec[0]:
            return name
        x -= spec[0]
    return "merchant"


def _sail(rng: random.Random, v: _Vessel, shape: TrafficShape, start: tuple[float, float]) -> None:
    _, _, speeds, legs, turn, _ = _KINDS[v.kind]
    lat, lon = start
    course = rng.uniform(0.0, 360.0)
    speed = rng.uniform(*speeds)
    next_turn = 0.0
    for k in range(shape.hours * 3600 // STEP_S + 2):
        t = k * STEP_S
        if t >= next_turn:
            course = (course + rng.uniform(-turn, turn)) % 360.0
            speed = rng.uniform(*speeds)
            next_turn = t + 60.0 * rng.uniform(*legs)
        # Keep to the box: turn back toward its middle when leaving it.
        mid_lat, mid_lon = shape.south + shape.size_deg / 2, shape.west + shape.size_deg / 2
        if abs(lat - mid_lat) > shape.size_deg / 2 or abs(lon - mid_lon) > shape.size_deg / 2:
            course = math.degrees(math.atan2(mid_lon - lon, mid_lat - lat)) % 360.0
        v.lat.append(lat)
        v.lon.append(lon)
        v.sog.append(speed)
        v.cog.append(course)
        step = speed * 1852.0 / 3600.0 * STEP_S
        lat += step * math.cos(math.radians(course)) / M_PER_DEG
        lon += step * math.sin(math.radians(course)) / (M_PER_DEG * math.cos(math.radians(lat)))


def _fleet(rng: random.Random, shape: TrafficShape) -> list[_Vessel]:
    # Crowded places: two fishing grounds and an anchorage, a few kilometres across.
    grounds = [(rng.uniform(0.2, 0.8), rng.uniform(0.2, 0.8)) for _ in range(3)]
    fleet = []
    for n in range(shape.vessels):
        kind = _kind(rng)
        lengths, reports = _KINDS[kind][1], _KINDS[kind][5]
        v = _Vessel(mmsi=412_000_000 + n, length_m=round(rng.uniform(*lengths)), kind=kind,
                    report_s=60.0 * rng.uniform(*reports))  # fmt: skip
        if kind != "merchant" and rng.random() < 0.5:
            g_lat, g_lon = grounds[0 if kind == "anchored" else 1 + n % 2]
            start = (shape.south + g_lat * shape.size_deg + rng.gauss(0, 0.03),
                     shape.west + g_lon * shape.size_deg + rng.gauss(0, 0.03))  # fmt: skip
        else:
            start = (shape.south + rng.random() * shape.size_deg,
                     shape.west + rng.random() * shape.size_deg)  # fmt: skip
        _sail(rng, v, shape, start)
        fleet.append(v)
    return fleet


def _detected(rng: random.Random, length_m: float) -> bool:
    # SAR sees large hulls nearly always and small boats often not.
    return rng.random() < 0.98 / (1.0 + math.exp(-(length_m - 15.0) / 4.0))


def _noisy(rng: random.Random, lat: float, lon: float, sigma_m: float) -> tuple[float, float]:
    return (lat + rng.gauss(0, sigma_m) / M_PER_DEG,
            lon + rng.gauss(0, sigma_m) / (M_PER_DEG * math.cos(math.radians(lat))))  # fmt: skip


def simulate_scenes(
    seed: int, noise: SceneNoise | None = None, shape: TrafficShape | None = None
) -> SimulatedScenes:
    """AIS and scenes over ``shape.vessels`` vessels, ``shape.dark_share`` of them dark."""
    noise, shape = noise or SceneNoise(), shape or TrafficShape()
    rng = random.Random(seed)
    fleet = _fleet(rng, shape)
    out = SimulatedScenes()
    dark = rng.sample(range(len(fleet)), round(shape.dark_share * len(fleet)))
    out.dark = {fleet[i].mmsi for i in dark}
    scene_times = [(k + 0.5) * shape.hours * 3600 / shape.scenes for k in range(shape.scenes)]
    # Each dark vessel is silent from a while before each image to a while after it.
    silent = {
        fleet[i].mmsi: [(t - rng.uniform(5400, 6 * 3600), t + rng.uniform(5400, 6 * 3600))
                        for t in scene_times]
        for i in dark
    }  # fmt: skip
    for v in fleet:
        if rng.random() >= shape.no_dimensions_share:
            out.lengths[v.mmsi] = v.length_m
        t = rng.uniform(0, v.report_s)
        while t < shape.hours * 3600:
            if not any(a <= t <= b for a, b in silent.get(v.mmsi, ())):
                lat, lon, sog, cog = v.at(t)
                lat, lon = _noisy(rng, lat, lon, 10.0)  # GNSS error
                out.fixes.append(AisFix(v.mmsi, round(t, 1), lat, lon, round(sog, 1),
                                        round(cog, 1)))  # fmt: skip
            t += rng.expovariate(1.0 / v.report_s)
    out.platforms = [(shape.south + rng.random() * shape.size_deg,
                      shape.west + rng.random() * shape.size_deg)
                     for _ in range(shape.platforms)]  # fmt: skip
    for s, t in enumerate(scene_times):
        _scene(rng, out, fleet, f"S{s + 1}", t, noise, shape)
    return out


def _scene(
    rng: random.Random, out: SimulatedScenes, fleet: list[_Vessel], scene_id: str, t: float,
    noise: SceneNoise, shape: TrafficShape,
) -> None:  # fmt: skip
    seen: list[tuple[float, float, float, float, Truth]] = []  # lat, lon, length, score, truth
    big: list[tuple[float, float]] = []
    for v in fleet:
        offset = rng.uniform(-noise.time_offset_s, noise.time_offset_s)
        lat, lon, _, _ = v.at(t + offset)
        if v.length_m > 150:
            big.append((lat, lon))
        if not _detected(rng, v.length_m):
            continue
        lat, lon = _noisy(rng, lat, lon, noise.position_sigma_m)
        kind = TruthKind.DARK if v.mmsi in out.dark else TruthKind.VESSEL
        seen.append((lat, lon, v.length_m, rng.betavariate(5, 1.5), Truth(kind, v.mmsi)))
    for p_lat, p_lon in out.platforms:
        if rng.random() < noise.platform_detect:
            lat, lon = _noisy(rng, p_lat, p_lon, noise.position_sigma_m)
            seen.append((lat, lon, 60.0, rng.betavariate(5, 1.5), Truth(TruthKind.INFRASTRUCTURE)))
    false_count = round(noise.false_per_vessel * len(fleet))
    for k in range(false_count):
        if k % 2 and big:  # a ghost: a bright ship repeated a kilometre or two along track
            g_lat, g_lon = big[rng.randrange(len(big))]
            lat, lon = _noisy(rng, g_lat, g_lon, rng.uniform(800, 2500))
        else:
            lat = shape.south + rng.random() * shape.size_deg
            lon = shape.west + rng.random() * shape.size_deg
        clutter = Truth(TruthKind.FALSE)
        seen.append((lat, lon, rng.uniform(10, 40), rng.betavariate(1.5, 4), clutter))
    rng.shuffle(seen)  # a detector lists objects in no particular order
    for n, (lat, lon, length, score, truth) in enumerate(seen):
        detect_id = f"{scene_id}-{n:05d}"
        out.detections.append(Detection(
            scene_id, detect_id, t, round(lat, 6), round(lon, 6),
            round(length * math.exp(rng.gauss(0, noise.length_sigma)), 1), round(score, 3),
        ))  # fmt: skip
        out.truth[(scene_id, detect_id)] = truth
