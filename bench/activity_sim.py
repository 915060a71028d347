"""Simulated tracks with ground truth for gears the shared labels lack: trawl, drifting
longline, purse seine. Not data: each trip follows the published account of how the gear is
worked (FAO fishing gear fact sheets; GFW's descriptions of each gear's fishing behaviour), with
speeds and durations drawn from those ranges by a seeded generator, so every run is the same.

Each vessel is one unit of the leave-one-out bench; its fixes come every 30 s (a class A
transponder at fishing speeds is heard every 10 s; receivers hear a share of them), with
reported speed and course (noise 0.2 kn, 3 degrees) and positions with 5 m of GPS scatter.

- **Trawler** (otter trawl): steam out at 9-10 kn; two or three hauls, each shooting the gear
  (10 min at 4 kn), towing 2.5-4 h at 2.8-3.8 kn on a slowly wandering course, hauling the gear
  back (20-30 min at 0.5-1.5 kn); 20-40 min repositioning at 8 kn between hauls; steam home.
  Fishing: shooting, towing, hauling.
- **Longliner** (drifting longline): steam out at 10 kn; set the line for 4-5 h at 7-9 kn on a
  straight course; soak 3-4 h drifting (0.2-1 kn); haul 6-8 h at 1-2.5 kn, the course following
  the line; steam on. Fishing: setting and hauling (the soak is not).
- **Purse seiner** (tuna): search at 10-12 kn, changing course every 20-40 min; two sets, each
  encircling a school (10-15 min at 10-12 kn, a full circle) then pursing and brailing for 2-3 h
  at 0-0.8 kn; a night adrift (0.1-0.5 kn). Fishing: encircling, pursing, brailing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from bench.activity import Unit
from mda.geo import KNOT_MS, destination

EVERY_S = 30.0
T0 = 1_600_000_000.0
SEED = 17


@dataclass(frozen=True, slots=True)
class Phase:
    """A stretch of a trip: minutes at a speed (knots), turning ``turn`` degrees a minute
    (``wander``: a random walk of that size a minute instead), fishing or not."""

    minutes: float
    knots: float
    fishing: bool
    turn: float = 0.0
    wander: float = 0.0
    new_heading: float | None = None


def sail(phases: list[Phase], rng: np.random.Generator, start: tuple[float, float]
         ) -> tuple[np.ndarray, ...]:  # fmt: skip
    """Time, lat, lon, reported speed and course, and truth of a trip."""
    lat, lon = start
    heading = float(rng.uniform(0, 360))
    t = T0
    rows = []
    for ph in phases:
        if ph.new_heading is not None:
            heading = ph.new_heading
        for _ in range(round(ph.minutes * 60 / EVERY_S)):
            step = EVERY_S / 60.0
            heading = (heading + ph.turn * step + rng.normal(0, ph.wander * math.sqrt(step))) % 360
            knots = max(0.0, ph.knots + rng.normal(0, 0.1))
            lat, lon = destination(lat, lon, heading, knots * KNOT_MS * EVERY_S)
            t += EVERY_S
            rows.append((t, lat, lon, knots, heading, ph.fishing))
    a = np.array(rows, dtype=np.float64)
    scatter = rng.normal(0, 5.0 / 111_000, size=(2, len(a)))
    sog = np.maximum(a[:, 3] + rng.normal(0, 0.2, len(a)), 0.0)
    cog = (a[:, 4] + rng.normal(0, 3.0, len(a))) % 360
    return a[:, 0], a[:, 1] + scatter[0], a[:, 2] + scatter[1], sog, cog, a[:, 5]


def trawler(rng: np.random.Generator) -> list[Phase]:
    u = rng.uniform
    out = [Phase(u(60, 120), u(9, 10), False, wander=1)]
    hauls = int(rng.integers(2, 4))
    for k in range(hauls):
        out += [
            Phase(10, 4.0, True, wander=2),
            Phase(u(150, 240), u(2.8, 3.8), True, wander=3),
            Phase(u(20, 30), u(0.5, 1.5), True, wander=8),
        ]
        if k < hauls - 1:
            out.append(Phase(u(20, 40), 8.0, False, wander=2, new_heading=u(0, 360)))
    return [*out, Phase(u(90, 150), u(9, 10), False, wander=1, new_heading=u(0, 360))]


def longliner(rng: np.random.Generator) -> list[Phase]:
    u = rng.uniform
    return [
        Phase(u(90, 150), 10.0, False, wander=1),
        Phase(u(240, 300), u(7, 9), True, wander=1),
        Phase(u(180, 240), u(0.2, 1.0), False, wander=15),
        Phase(u(360, 480), u(1.0, 2.5), True, wander=10, new_heading=u(0, 360)),
        Phase(u(60, 120), 10.0, False, wander=1),
    ]


def purse_seiner(rng: np.random.Generator) -> list[Phase]:
    u = rng.uniform
    out: list[Phase] = []
    for _ in range(2):
        for _ in range(int(rng.integers(3, 7))):
            out.append(Phase(u(20, 40), u(10, 12), False, wander=2, new_heading=u(0, 360)))
        circle = u(10, 15)
        out += [
            Phase(circle, u(10, 12), True, turn=360.0 / circle),
            Phase(u(120, 180), u(0.0, 0.8), True, wander=20),
        ]
    return [*out, Phase(u(200, 300), u(0.1, 0.5), False, wander=20)]


GEARS = (("trawl", trawler), ("drifting longline", longliner), ("purse seine", purse_seiner))
VESSELS_PER_GEAR = 3


def simulated_units() -> list[Unit]:
    """``VESSELS_PER_GEAR`` simulated vessels of each gear, each one unit."""
    rng = np.random.default_rng(SEED)
    out = []
    for gear, trip in GEARS:
        for k in range(VESSELS_PER_GEAR):
            start = (float(rng.uniform(-40, 60)), float(rng.uniform(-170, 170)))
            t, lat, lon, sog, cog, truth = sail(trip(rng), rng, start)
            out.append(
                Unit("simulated", f"{gear.split()[-1]}-{k + 1}", gear, t, lat, lon, sog, cog,
                     truth.astype(np.int8))
            )  # fmt: skip
    return out
