"""Where an alert is, in words: "38 nm SE of Port Sudan".

The gazetteer is the ports of the zone catalogue, read once when the zones load; at alert time
the nearest one is found by great-circle distance (spherical Earth, good to a fraction of a
mile at these ranges) with no I/O. The bearing is from the place to the vessel, as a position
is spoken at sea ("38 nm SE of Port Sudan": the vessel is south-east of the port), named by the
16 points of the compass.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

import numpy as np
from shapely.geometry import Point

from mda.geo import NM, bearing, haversine_m
from mda.zones.model import Zone

COMPASS_POINTS: Final = (
    "N", "NNE", "NE", "ENE", "E", "ESE", "SE", "SSE",
    "S", "SSW", "SW", "WSW", "W", "WNW", "NW", "NNW",
)  # fmt: skip
AT_PLACE_NM: Final = 1.0  # closer than this, a vessel is "at" the place


def compass_point(bearing_deg: float) -> str:
    """The nearest of the 16 compass points to a bearing (degrees from true north)."""
    return COMPASS_POINTS[int((bearing_deg % 360.0 + 11.25) // 22.5) % 16]


class Gazetteer:
    """Named places (the catalogue's ports) and the nearest one to a position."""

    def __init__(self, zones: Iterable[Zone]) -> None:
        ports = [(z, z.point) for z in zones if z.kind == "port" and isinstance(z.point, Point)]
        self.ids = [z.id for z, _ in ports]
        self.names = [z.name for z, _ in ports]
        self.lat = np.array([p.y for _, p in ports], dtype=np.float64)
        self.lon = np.array([p.x for _, p in ports], dtype=np.float64)

    def __len__(self) -> int:
        return len(self.ids)

    def nearest(self, lat: float, lon: float) -> dict[str, object] | None:
        """The nearest place to (lat, lon): its id and name, the distance (nm, one decimal),
        the bearing from it (whole degrees) and its compass point, and the words
        ("38 nm SE of Port Sudan"); None without places. Ties go to the place loaded first."""
        if not self.ids:
            return None
        here_lat = np.full(len(self.ids), lat)
        here_lon = np.full(len(self.ids), lon)
        metres = haversine_m(self.lat, self.lon, here_lat, here_lon)
        i = int(np.argmin(metres))  # the first of equal distances
        distance_nm = float(metres[i]) / NM
        name = self.names[i]
        if distance_nm < AT_PLACE_NM:
            return {"zone_id": self.ids[i], "name": name, "distance_nm": round(distance_nm, 1),
                    "bearing_deg": None, "compass": None, "text": f"at {name}"}  # fmt: skip
        from_place = bearing(float(self.lat[i]), float(self.lon[i]), lat, lon)
        point = compass_point(from_place)
        return {
            "zone_id": self.ids[i], "name": name, "distance_nm": round(distance_nm, 1),
            "bearing_deg": round(from_place) % 360, "compass": point,
            "text": f"{distance_nm:.0f} nm {point} of {name}",
        }  # fmt: skip
