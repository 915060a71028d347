"""The sea areas scenarios play in: shipping lanes, receivers, flags, and the ports and
anchorages where ships lie.

Lanes are drawn by hand mid-sea along the usual routes, checked against Natural Earth land at
1:10m (every lane, either direction, stays several kilometres off the coast and off islands).
Each lane is two-way: ships keep to starboard, each direction centred ``separation`` nautical
miles from the lane's line (per vertex: narrow in Bab el-Mandeb, the IRTC's 3.3 nm in the Gulf
of Aden). Lanes cross cable corridors, as real traffic does; at passage speed that is ordinary.
"""

from __future__ import annotations

import bisect
import itertools
import math
from dataclasses import dataclass
from functools import lru_cache

import shapely

from mda.geo import NM, bearing, destination, distance_m
from mda.resources import default_folder
from mda.simulate.recording import Station
from mda.zones.index import ZoneIndex
from mda.zones.model import LINEAR_KINDS, Zone

LatLon = tuple[float, float]


class Route:
    """A polyline of great-circle legs, and where a vessel is after sailing along it."""

    def __init__(self, points: list[LatLon]) -> None:
        self.points = points
        self._bearings = [bearing(*a, *b) for a, b in itertools.pairwise(points)]
        self._cumulative = [0.0]
        for a, b in itertools.pairwise(points):
            self._cumulative.append(self._cumulative[-1] + distance_m(*a, *b))

    @property
    def length_m(self) -> float:
        """Length of the route in metres."""
        return self._cumulative[-1]

    def at(self, s: float) -> tuple[float, float, float]:
        """(lat, lon, course) ``s`` metres along the route (clamped to its ends)."""
        s = min(max(s, 0.0), self.length_m)
        leg = min(bisect.bisect_right(self._cumulative, s) - 1, len(self._bearings) - 1)
        start, end = self.points[leg], self.points[leg + 1]
        lat, lon = destination(*start, self._bearings[leg], s - self._cumulative[leg])
        # The course of a great circle changes along it: take it toward the leg's end.
        ahead = self._cumulative[leg + 1] - s
        course = bearing(lat, lon, *end) if ahead > 1.0 else self._bearings[leg]
        return lat, lon, course


@dataclass(frozen=True, slots=True)
class Lane:
    """A two-way shipping lane: vertices (lat, lon, separation of each direction from the
    line in nm), the spread of ships across their side (nm), and the lane's share of traffic."""

    name: str
    points: tuple[tuple[float, float, float], ...]
    spread_nm: float = 0.4
    weight: float = 1.0

    def route(self, forward: bool, extra_nm: float = 0.0) -> Route:
        """The route of one direction: every vertex moved to starboard of the direction of
        travel by its separation plus ``extra_nm``."""
        points = self.points if forward else self.points[::-1]
        plain = [(lat, lon) for lat, lon, _ in points]
        moved = []
        for i, (lat, lon, sep) in enumerate(points):
            before = bearing(*plain[i - 1], lat, lon) if i > 0 else None
            after = bearing(lat, lon, *plain[i + 1]) if i + 1 < len(plain) else None
            # The ends have one leg; a lane has at least two vertices.
            incoming = before if before is not None else after
            outgoing = after if after is not None else before
            assert incoming is not None
            assert outgoing is not None
            turn = (outgoing - incoming + 540.0) % 360.0 - 180.0
            # Along the bisector, and further at a bend, so the offset line keeps its distance.
            across = (incoming + turn / 2.0 + 90.0) % 360.0
            stretch = 1.0 / max(math.cos(math.radians(turn / 2.0)), 0.5)
            moved.append(destination(lat, lon, across, (sep + extra_nm) * NM * stretch))
        return Route(moved)


@dataclass(frozen=True, slots=True)
class Region:
    """Lanes, receivers, flags (MIDs), destinations and the sea zones whose ports and
    anchorages ships of the region lie in."""

    name: str
    lanes: tuple[Lane, ...]
    stations: tuple[Station, ...]
    mids: tuple[int, ...]
    destinations: tuple[str, ...]
    seas: tuple[str, ...]


# fmt: off
# Suez approaches to Bab el-Mandeb, mid-sea, west of the Hanish Islands.
RED_SEA_LANE = Lane("red-sea", (
    (27.20, 34.15, 1.0), (25.80, 35.20, 1.0), (24.00, 36.50, 1.0), (22.00, 37.80, 1.0),
    (20.00, 38.80, 1.0), (18.00, 40.00, 1.0), (16.50, 40.95, 1.0), (15.40, 41.65, 1.0),
    (14.30, 42.30, 1.0), (13.70, 42.48, 1.0), (13.25, 43.00, 1.0), (12.88, 43.30, 0.8),
    (12.62, 43.32, 0.8),
))
# Bab el-Mandeb east of the Seven Brothers, then the IRTC: the two directions in its lanes.
GULF_OF_ADEN_LANE = Lane("gulf-of-aden", (
    (12.62, 43.32, 0.8), (12.45, 43.60, 0.8), (12.15, 44.20, 1.5), (11.90, 45.00, 3.3),
    (12.90, 48.20, 3.3), (13.90, 51.40, 3.3), (14.40, 53.00, 3.3),
))
SUEZ_ADEN_LANE = Lane("suez-gulf-of-aden", RED_SEA_LANE.points + GULF_OF_ADEN_LANE.points[1:])
# Gibraltar to Port Said, north of Malta, south of Crete.
MEDITERRANEAN_LANE = Lane("gibraltar-port-said", (
    (35.95, -4.80, 1.0), (36.15, -3.00, 1.0), (36.75, -1.00, 1.0), (37.35, 1.00, 1.0),
    (37.65, 4.00, 1.0), (37.75, 7.50, 1.0), (37.70, 9.50, 1.0), (37.45, 11.20, 1.0),
    (37.10, 12.20, 1.0), (36.45, 13.60, 1.0), (36.35, 14.60, 1.0), (35.60, 16.00, 1.0),
    (34.60, 19.00, 1.0), (34.00, 22.50, 1.0), (33.70, 25.50, 1.0), (32.60, 28.50, 1.0),
    (31.70, 31.50, 1.0), (31.55, 32.30, 0.8),
), weight=3.0)
# Gibraltar to Genoa, south of the Balearic Islands and west of Sardinia and Corsica.
LIGURIAN_LANE = Lane("gibraltar-genoa", (
    (36.05, -4.20, 1.0), (36.60, -1.80, 1.0), (37.40, 0.50, 1.0), (38.60, 4.50, 1.0),
    (40.20, 7.40, 1.0), (42.00, 8.00, 1.0), (43.60, 8.80, 1.0),
))
# Lagos, Cotonou, Lome, Tema, Takoradi, Abidjan, San Pedro: some 20-30 nm offshore.
GUINEA_COAST_LANE = Lane("lagos-san-pedro", (
    (6.05, 3.40, 1.0), (5.85, 2.40, 1.0), (5.70, 1.25, 1.0), (5.25, 0.00, 1.0),
    (4.35, -2.00, 1.0), (4.85, -4.00, 1.0), (4.35, -6.60, 1.0), (4.05, -7.60, 1.0),
), weight=2.0)
# Out of the Bight of Benin and the Niger Delta toward the south-west (the Cape route).
LAGOS_SOUTHWEST_LANE = Lane("lagos-southwest", (
    (5.95, 3.30, 1.0), (3.50, 1.50, 1.0), (1.00, -1.00, 1.0), (-1.50, -4.00, 1.0),
))
BONNY_SOUTHWEST_LANE = Lane("bonny-southwest", (
    (3.90, 7.00, 1.0), (2.00, 4.50, 1.0), (0.00, 1.50, 1.0), (-1.50, -1.00, 1.0),
))

_RED_SEA_STATIONS = (Station("rx-jeddah", 21.55, 39.15), Station("rx-port-sudan", 19.60, 37.22),
                     Station("rx-hodeidah", 14.80, 42.95))
_ADEN_STATIONS = (Station("rx-djibouti", 11.60, 43.15), Station("rx-aden", 12.80, 44.95),
                  Station("rx-mukalla", 14.53, 49.13))
_RED_SEA_MIDS = (636, 538, 355, 357, 215, 256, 403, 470, 622, 477, 563)
_RED_SEA_PORTS = ("JEDDAH", "SUEZ", "DJIBOUTI", "PORT SUDAN", "AQABA", "SINGAPORE", "ADEN")

RED_SEA = Region("red-sea", (RED_SEA_LANE,), _RED_SEA_STATIONS, _RED_SEA_MIDS,
                 _RED_SEA_PORTS, ("red-sea",))
GULF_OF_ADEN = Region("gulf-of-aden", (GULF_OF_ADEN_LANE,), _ADEN_STATIONS, _RED_SEA_MIDS,
                      _RED_SEA_PORTS, ("gulf-of-aden",))
RED_SEA_AND_ADEN = Region(
    "red-sea-and-gulf-of-aden", (SUEZ_ADEN_LANE,),
    _RED_SEA_STATIONS + _ADEN_STATIONS, _RED_SEA_MIDS, _RED_SEA_PORTS,
    ("red-sea", "bab-el-mandeb", "gulf-of-aden"),
)
MEDITERRANEAN = Region(
    "mediterranean", (MEDITERRANEAN_LANE, LIGURIAN_LANE),
    (Station("rx-cartagena", 37.58, -0.98), Station("rx-algiers", 36.78, 3.06),
     Station("rx-cagliari", 39.21, 9.11), Station("rx-malta", 35.90, 14.51),
     Station("rx-crete", 35.33, 25.13), Station("rx-port-said", 31.26, 32.30)),
    (247, 256, 215, 229, 248, 636, 538, 271, 224, 226, 237),
    ("GENOA", "PORT SAID", "VALENCIA", "PIRAEUS", "ALGECIRAS", "MARSAXLOKK", "FOS"),
    ("mediterranean-sea",),
)
GULF_OF_GUINEA = Region(
    "gulf-of-guinea", (GUINEA_COAST_LANE, LAGOS_SOUTHWEST_LANE, BONNY_SOUTHWEST_LANE),
    (Station("rx-lagos", 6.42, 3.40), Station("rx-tema", 5.63, 0.01),
     Station("rx-abidjan", 5.25, -4.01), Station("rx-bonny", 4.43, 7.15)),
    (657, 627, 613, 636, 538, 355, 256, 619),
    ("LAGOS", "TEMA", "LOME", "ABIDJAN", "COTONOU", "BONNY", "CAPE TOWN"),
    ("gulf-of-guinea",),
)
# fmt: on


@lru_cache(maxsize=1)
def default_zones() -> ZoneIndex:
    """The default zone catalogue, indexed: what truth is stated against (the rules' zones)."""
    return ZoneIndex.from_folders([default_folder("zones")])


def zone(zone_id: str) -> Zone:
    """A zone of the default catalogue by id."""
    for z in default_zones().zones:
        if z.id == zone_id:
            return z
    raise KeyError(zone_id)


@lru_cache(maxsize=32)
def berths(region: Region, kind: str) -> tuple[Zone, ...]:
    """Ports (``kind`` "port") or anchorages of the region: centred in one of its seas, and
    clear of every cable and pipeline corridor (a ship at anchor in a corridor is exactly what
    the cable rule must flag, so ordinary traffic never lies there)."""
    zones = default_zones().zones
    corridors = shapely.STRtree([z.area for z in zones if z.kind in LINEAR_KINDS])
    seas = [z.area for z in zones if z.id in region.seas]
    out = [
        z
        for z in zones
        if z.kind == kind
        and z.point is not None
        and any(sea.contains(z.point) for sea in seas)
        and not len(corridors.query(z.area, predicate="intersects"))
    ]
    return tuple(sorted(out, key=lambda z: z.id))
