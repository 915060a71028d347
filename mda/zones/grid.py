"""The one-degree grid a zone index is cut into, and cutting zones into it.

Long thin features defeat a spatial index over whole geometries: a cable corridor's bounding box
covers half a sea, so nearly every position is a candidate. Instead every zone is cut into the
cells of a one-degree grid. A cell the zone covers entirely needs no test; in a cell it only
touches, the zone's piece there is small. Lines (cable routes, coastlines) are clipped to every
cell within a margin, so that a distance query looks only at the position's own cell.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry

from mda.zones.geodesic import densify
from mda.zones.model import Zone

CELL_DEG: Final = 1.0
_NX: Final = int(360 / CELL_DEG)
_NY: Final = int(180 / CELL_DEG)
CELL_COUNT: Final = _NX * _NY
# Lines are clipped to every cell within this margin (degrees): distance queries within it
# (about 50 km) need only the position's own cell.
LINE_MARGIN_DEG: Final = 0.5

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Geometries = npt.NDArray[np.object_]


@dataclass(frozen=True, slots=True)
class CellGrid:
    """Zones cut into cells, as parallel arrays in the order they were cut: the cells a zone
    covers whole; the zones' pieces in the cells they only touch; the lines near each cell
    (cable and pipeline routes, and the coastline as the zone after the last)."""

    full_cell: Ints
    full_zone: Ints
    piece_cell: Ints
    piece_zone: Ints
    pieces: Geometries
    line_cell: Ints
    line_zone: Ints
    lines: Geometries


def geometry_array(values: Sequence[BaseGeometry | None]) -> Geometries:
    """Geometries as a numpy array of objects (never split into their parts)."""
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def cell_ids(lon: Floats, lat: Floats) -> Ints:
    """The grid cell of each position (positions off the globe clipped to its edge)."""
    ix = np.clip(np.floor((lon + 180.0) / CELL_DEG), 0, _NX - 1).astype(np.int64)
    iy = np.clip(np.floor((lat + 90.0) / CELL_DEG), 0, _NY - 1).astype(np.int64)
    return ix + _NX * iy


def cell_box(cell: int) -> tuple[float, float, float, float]:
    """The bounds (west, south, east, north) of a cell."""
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
def _grid_boxes(margin: float) -> Geometries:
    """Every cell of the grid as a box geometry (widened by ``margin``), indexed by cell id."""
    cell = np.arange(CELL_COUNT)
    x0 = (cell % _NX) * CELL_DEG - 180.0
    y0 = (cell // _NX) * CELL_DEG - 90.0
    boxes: Geometries = shapely.box(
        x0 - margin, y0 - margin, x0 + CELL_DEG + margin, y0 + CELL_DEG + margin
    )
    return boxes


class _Cutter:
    """Collects the cells of zones and lines as they are cut."""

    def __init__(self) -> None:
        self.full: list[tuple[int, int]] = []
        self.pieces: list[tuple[int, int, BaseGeometry]] = []
        self.lines: list[tuple[int, int, BaseGeometry]] = []

    def add_area(self, zone: int, area: BaseGeometry) -> None:
        cells = _cells_of(area.bounds)
        boxes = _grid_boxes(0.0)[cells]
        shapely.prepare(area)
        touching = shapely.intersects(area, boxes)
        inside = shapely.contains_properly(area, boxes) & touching
        for cell, covered in zip(cells[touching].tolist(), inside[touching].tolist(), strict=True):
            if covered:
                self.full.append((cell, zone))
                continue
            piece = shapely.clip_by_rect(area, *cell_box(cell))
            if not piece.is_empty and piece.area > 0:
                self.pieces.append((cell, zone, piece))

    def add_line(self, zone: int, line: BaseGeometry) -> None:
        m = LINE_MARGIN_DEG
        cells = _cells_of(line.bounds, m)
        # A long route's bounding box spans thousands of cells it never comes near: find the
        # ones it does in one vectorised call before clipping it to each.
        shapely.prepare(line)
        for cell in cells[shapely.intersects(line, _grid_boxes(m)[cells])].tolist():
            x0, y0, x1, y1 = cell_box(cell)
            near = shapely.clip_by_rect(line, x0 - m, y0 - m, x1 + m, y1 + m)
            if not near.is_empty:
                self.lines.append((cell, zone, near))

    def grid(self) -> CellGrid:
        def ints(values: Sequence[int]) -> Ints:
            return np.array(values, dtype=np.int64)

        return CellGrid(
            full_cell=ints([c for c, _ in self.full]),
            full_zone=ints([z for _, z in self.full]),
            piece_cell=ints([c for c, _, _ in self.pieces]),
            piece_zone=ints([z for _, z, _ in self.pieces]),
            pieces=geometry_array([g for _, _, g in self.pieces]),
            line_cell=ints([c for c, _, _ in self.lines]),
            line_zone=ints([z for _, z, _ in self.lines]),
            lines=geometry_array([g for _, _, g in self.lines]),
        )


def cut(zones: Sequence[Zone], shore_lines: Sequence[BaseGeometry]) -> CellGrid:
    """``zones`` (their areas, and the routes of cables and pipelines) and the coastline's
    ``shore_lines`` (zone index ``len(zones)``) cut into the grid."""
    cutter = _Cutter()
    for i, zone in enumerate(zones):
        cutter.add_area(i, zone.area)
        if zone.line is not None:
            cutter.add_line(i, densify(zone.line))
    for line in shore_lines:
        cutter.add_line(len(zones), line)
    return cutter.grid()
