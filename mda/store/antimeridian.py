"""Tracks and boxes that cross the antimeridian, as GeoJSON (RFC 7946, 3.1.9 and 5.2) asks.

Two consecutive fixes more than 180 degrees of longitude apart are taken to cross 180 the
short way (a ship does not sail 359 degrees between two reports). Their line is cut there into
parts that end and start at +/-180, so that a planar reader (geopandas, GDAL, a plot) measures
and draws the few kilometres sailed, not a line around the world. A box that crosses it has
its west edge east of its east edge.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

Coordinates = list[list[float]]


def crosses(lon1: float, lon2: float) -> bool:
    """True when the short way from ``lon1`` to ``lon2`` crosses the antimeridian."""
    return abs(lon2 - lon1) > 180.0


def line_parts(coords: Sequence[Sequence[float]]) -> list[Coordinates]:
    """The fixes' path as parts that never cross the antimeridian, each of two coordinates or
    more. A path that never moves off one place (a single fix) is one degenerate part of that
    place twice: a line of length zero, which every GIS reads, rather than a point in a layer
    of lines."""
    first = [float(coords[0][0]), float(coords[0][1])]
    parts: list[Coordinates] = [[first]]
    for (x1, y1), (x2, y2) in itertools.pairwise(coords):
        if crosses(x1, x2):
            edge = 180.0 if x1 > x2 else -180.0  # eastward across 180, or westward
            unwrapped = x2 + 360.0 if edge > 0 else x2 - 360.0
            # (A fix at +180 followed by one at -180 is one place: no distance to share.)
            share = (edge - x1) / (unwrapped - x1) if unwrapped != x1 else 0.0
            lat = y1 + share * (y2 - y1)
            _extend(parts[-1], [edge, lat])
            parts.append([[-edge, lat]])
        _extend(parts[-1], [float(x2), float(y2)])
    kept = [p for p in parts if len(p) > 1]
    return kept or [[first, list(first)]]


def _extend(part: Coordinates, coordinate: list[float]) -> None:
    # The cut's own vertex is left out where a fix lies on the antimeridian already; repeated
    # fixes are kept (a vessel reporting twice from one place).
    if coordinate[0] in (180.0, -180.0) and part[-1] == coordinate:
        return
    part.append(coordinate)


def bbox(
    west: npt.ArrayLike, south: npt.ArrayLike, east: npt.ArrayLike, north: npt.ArrayLike
) -> list[float]:
    """The smallest [west, south, east, north] box holding every given box (each one not
    crossing the antimeridian: a point, or a part of ``line_parts``). When the widest empty
    stretch of longitude is not the one across 180, the box crosses it: west > east."""
    starts = np.asarray(west, dtype=np.float64)
    ends = np.asarray(east, dtype=np.float64)
    order = np.argsort(starts, kind="stable")
    starts, ends = starts[order], np.maximum.accumulate(ends[order])
    # Empty stretches between the boxes (negative where they overlap), and the one across 180.
    gaps = starts[1:] - ends[:-1]
    across = starts[0] + 360.0 - ends[-1]
    low, high = float(np.min(south)), float(np.max(north))
    if len(gaps) and gaps.max() > across:
        widest = int(gaps.argmax())
        return [float(starts[widest + 1]), low, float(ends[widest]), high]
    return [float(starts[0]), low, float(ends[-1]), high]


def parts_bbox(parts: Sequence[Coordinates]) -> list[float]:
    """The box of lines given as ``line_parts``."""
    boxes = np.array(
        [[*np.min(p, axis=0), *np.max(p, axis=0)] for p in (np.asarray(q) for q in parts)]
    )
    return bbox(boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3])


def points_bbox(
    lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64]
) -> list[float]:
    """The box of points."""
    return bbox(lon, lat, lon, lat)
