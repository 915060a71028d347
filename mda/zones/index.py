"""Which zones a batch of positions is in, and how far each is from cables or the shore.

Long thin features defeat a spatial index over whole geometries: a cable corridor's bounding box
covers half a sea, so nearly every position is a candidate. Instead every zone is cut into the
cells of a one-degree grid. A cell the zone covers entirely needs no test; in a cell it only
touches, the zone's piece there is small and prepared. A batch is grouped by cell (one sort),
and each piece tests all the positions of its cell with one vectorised call.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache, partial
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

from mda.zones.catalog import ZoneCatalog
from mda.zones.geodesic import densify, point_to_line_m
from mda.zones.model import Zone

CELL_DEG: Final = 1.0
_NX: Final = int(360 / CELL_DEG)
_NY: Final = int(180 / CELL_DEG)

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]


@dataclass(slots=True)
class _Cell:
    full: list[int] = field(default_factory=list)  # zones covering the whole cell
    pieces: list[tuple[int, BaseGeometry]] = field(default_factory=list)  # zone, its piece
    lines: list[tuple[int, BaseGeometry]] = field(default_factory=list)  # zone, line near cell


@dataclass(frozen=True, slots=True)
class Membership:
    """Positions and the zones they are in, as parallel arrays sorted by position."""

    point: Ints
    zone: Ints
    zone_ids: Sequence[str]

    def per_point(self, count: int) -> list[list[str]]:
        """For each of ``count`` positions, the ids of its zones."""
        out: list[list[str]] = [[] for _ in range(count)]
        ids = self.zone_ids
        for p, z in zip(self.point.tolist(), self.zone.tolist(), strict=True):
            out[p].append(ids[z])
        return out


def _cell_ids(lon: Floats, lat: Floats) -> Ints:
    ix = np.clip(np.floor((lon + 180.0) / CELL_DEG), 0, _NX - 1).astype(np.int64)
    iy = np.clip(np.floor((lat + 90.0) / CELL_DEG), 0, _NY - 1).astype(np.int64)
    return ix + _NX * iy


def _cell_box(cell: int) -> tuple[float, float, float, float]:
    ix, iy = cell % _NX, cell // _NX
    x0, y0 = ix * CELL_DEG - 180.0, iy * CELL_DEG - 90.0
    return x0, y0, x0 + CELL_DEG, y0 + CELL_DEG


def _cells_of(bounds: tuple[float, float, float, float], margin: float = 0.0) -> Ints:
    """Ids of the cells a bounding box (widened by ``margin`` degrees) touches."""
    minx, miny, maxx, maxy = bounds
    x0 = max(0, math.floor((minx - margin + 180.0) / CELL_DEG))
    x1 = min(_NX - 1, math.floor((maxx + margin + 180.0) / CELL_DEG))
    y0 = max(0, math.floor((miny - margin + 90.0) / CELL_DEG))
    y1 = min(_NY - 1, math.floor((maxy + margin + 90.0) / CELL_DEG))
    ix, iy = np.meshgrid(np.arange(x0, x1 + 1), np.arange(y0, y1 + 1))
    cells: Ints = (ix + _NX * iy).ravel().astype(np.int64)
    return cells


@lru_cache(maxsize=4)
def _grid_boxes(margin: float) -> npt.NDArray[np.object_]:
    """Every cell of the grid as a box geometry (widened by ``margin``), indexed by cell id."""
    cell = np.arange(_NX * _NY)
    x0 = (cell % _NX) * CELL_DEG - 180.0
    y0 = (cell // _NX) * CELL_DEG - 90.0
    boxes: npt.NDArray[np.object_] = shapely.box(
        x0 - margin, y0 - margin, x0 + CELL_DEG + margin, y0 + CELL_DEG + margin
    )
    return boxes


class ZoneIndex:
    """Batch membership and distance queries over a set of zones."""

    # Lines (cable routes, coastlines) are indexed in every cell within this margin, so that
    # a distance query looks only at the position's own cell.
    LINE_MARGIN_DEG: Final = 0.5

    def __init__(self, zones: Sequence[Zone], coastline: Sequence[BaseGeometry] = ()) -> None:
        """Index ``zones`` (their areas, and the lines of cables and pipelines) and an optional
        coastline (land polygons or shore lines) for distance to shore."""
        self.zones = list(zones)
        self.zone_ids = [z.id for z in self.zones]
        self._cells: dict[int, _Cell] = defaultdict(_Cell)
        for i, zone in enumerate(self.zones):
            self._add_area(i, zone.area)
            if zone.line is not None:
                self._add_line(i, densify(zone.line))
        self.shore = -1  # pseudo-zone index of the coastline
        self.coastline = [g.boundary if g.area else g for g in coastline]
        self._shore_tree: shapely.STRtree | None = None
        if coastline:
            self.shore = len(self.zones)
            for geometry in coastline:
                self._add_line(self.shore, geometry.boundary if geometry.area else geometry)
        self._cells = dict(self._cells)

    @classmethod
    def from_folders(
        cls, paths: Sequence[Path], coastline: Sequence[BaseGeometry] = ()
    ) -> ZoneIndex:
        """The index of the zones in ``paths`` (files and folders, later ones overriding),
        measuring distance to shore from ``coastline``, else from the land zones (imported
        from Natural Earth, say)."""
        catalog = ZoneCatalog.load(paths)
        shore = list(coastline) or [z.area for z in catalog.of_kind("land")]
        return cls(list(catalog), shore)

    def _add_area(self, zone: int, area: BaseGeometry) -> None:
        cells = _cells_of(area.bounds)
        boxes = _grid_boxes(0.0)[cells]
        shapely.prepare(area)
        touching = shapely.intersects(area, boxes)
        inside = shapely.contains_properly(area, boxes) & touching
        for cell, covered in zip(cells[touching].tolist(), inside[touching].tolist(), strict=True):
            if covered:
                self._cells[cell].full.append(zone)
                continue
            piece = shapely.clip_by_rect(area, *_cell_box(cell))
            if not piece.is_empty and piece.area > 0:
                shapely.prepare(piece)
                self._cells[cell].pieces.append((zone, piece))

    def _add_line(self, zone: int, line: BaseGeometry) -> None:
        m = self.LINE_MARGIN_DEG
        cells = _cells_of(line.bounds, m)
        # A long route's bounding box spans thousands of cells it never comes near: find the
        # ones it does in one vectorised call before clipping it to each.
        shapely.prepare(line)
        for cell in cells[shapely.intersects(line, _grid_boxes(m)[cells])].tolist():
            x0, y0, x1, y1 = _cell_box(cell)
            near = shapely.clip_by_rect(line, x0 - m, y0 - m, x1 + m, y1 + m)
            if not near.is_empty:
                self._cells[cell].lines.append((zone, near))

    def zone_sets(
        self, lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64]
    ) -> list[frozenset[str]]:
        """The ids of the zones each point is in."""
        return [frozenset(z) for z in self.locate(lon, lat).per_point(len(lon))]

    def locate(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> Membership:
        """The zones each position is in (boundaries included)."""
        x = np.asarray(lon, dtype=np.float64)
        y = np.asarray(lat, dtype=np.float64)
        points: list[Ints] = []
        zones: list[Ints] = []
        for cell, idx in _by_cell(x, y):
            entry = self._cells.get(cell)
            if entry is None:
                continue
            for z in entry.full:
                points.append(idx)
                zones.append(np.full(len(idx), z, dtype=np.int64))
            for z, piece in entry.pieces:
                hit = idx[shapely.intersects_xy(piece, x[idx], y[idx])]
                if len(hit):
                    points.append(hit)
                    zones.append(np.full(len(hit), z, dtype=np.int64))
        if not points:
            empty = np.zeros(0, dtype=np.int64)
            return Membership(empty, empty, self.zone_ids)
        point_arr = np.concatenate(points)
        zone_arr = np.concatenate(zones)
        order = np.lexsort((zone_arr, point_arr))
        return Membership(point_arr[order], zone_arr[order], self.zone_ids)

    def near_lines(
        self, lon: npt.ArrayLike, lat: npt.ArrayLike, within_m: float, *, shore: bool = False
    ) -> list[tuple[int, int, float]]:
        """(position, zone, metres) for each cable or pipeline route within ``within_m`` of a
        position (the coastline instead with ``shore``); distances are geodesic.

        ``within_m`` must stay under the line margin of the index (about 50 km).
        """
        x = np.asarray(lon, dtype=np.float64)
        y = np.asarray(lat, dtype=np.float64)
        out: list[tuple[int, int, float]] = []
        for cell, idx in _by_cell(x, y):
            entry = self._cells.get(cell)
            if entry is None or not entry.lines:
                continue
            # Screen in a local equirectangular frame (metres, scaled at the cell's latitude),
            # then measure the survivors on the ellipsoid.
            lat0 = math.radians(_cell_box(cell)[1] + CELL_DEG / 2)
            scale = np.array([111_320.0 * math.cos(lat0), 110_574.0])
            px = shapely.points(x[idx] * scale[0], y[idx] * scale[1])
            for z, line in entry.lines:
                if (z == self.shore) != shore:
                    continue
                local = shapely.transform(line, partial(np.multiply, scale))
                rough = shapely.distance(px, local)
                for i in idx[rough <= within_m * 1.05 + 100.0].tolist():
                    d = point_to_line_m(float(x[i]), float(y[i]), line)
                    if d <= within_m:
                        out.append((i, z, d))
        best: dict[tuple[int, int], float] = {}
        for i, z, d in out:
            if d < best.get((i, z), math.inf):
                best[(i, z)] = d
        return sorted((i, z, d) for (i, z), d in best.items())

    def distance_to_shore_m(
        self, lon: npt.ArrayLike, lat: npt.ArrayLike, within_m: float = 50_000.0
    ) -> Floats:
        """Metres to the nearest coastline, ``inf`` beyond ``within_m`` or with no coastline."""
        x = np.asarray(lon, dtype=np.float64)
        out = np.full(len(x), np.inf)
        if self.shore < 0:
            return out
        for i, _, d in self.near_lines(lon, lat, within_m, shore=True):
            out[i] = min(out[i], d)
        return out

    def shore_distance_m(self, lon: float, lat: float) -> float | None:
        """Metres from one position to the nearest coastline at any range (None without a
        coastline). Slower than ``distance_to_shore_m``: for single positions, such as where
        a vessel went silent."""
        if not self.coastline:
            return None
        if self._shore_tree is None:
            self._shore_tree = shapely.STRtree(self.coastline)
        tree = self._shore_tree
        point = shapely.Point(lon, lat)
        nearest = tree.nearest(point)
        # Nearest in degrees is not nearest on the ellipsoid: measure every line within the
        # degree distance of the nearest, widened for the shrinking of longitude degrees.
        reach = float(shapely.distance(point, self.coastline[int(nearest)]))
        reach /= max(math.cos(math.radians(min(abs(lat) + reach, 89.0))), 0.05)
        candidates = tree.query(point.buffer(reach + 1e-6)).tolist()
        return min(point_to_line_m(lon, lat, self.coastline[i]) for i in candidates)


def _by_cell(x: Floats, y: Floats) -> list[tuple[int, Ints]]:
    """Positions grouped by grid cell: (cell id, indices). Positions without a fix are skipped."""
    if not len(x):
        return []
    valid = np.isfinite(x) & np.isfinite(y)
    cells = np.where(valid, _cell_ids(np.nan_to_num(x), np.nan_to_num(y)), -1)
    order = np.argsort(cells, kind="stable")
    sorted_cells = cells[order]
    starts = np.flatnonzero(np.r_[True, sorted_cells[1:] != sorted_cells[:-1]])
    ends = np.r_[starts[1:], len(order)]
    return [
        (int(sorted_cells[s]), order[s:e])
        for s, e in zip(starts.tolist(), ends.tolist(), strict=True)
        if sorted_cells[s] >= 0
    ]


__all__ = ["Membership", "ZoneIndex", "box"]
