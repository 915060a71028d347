"""Which zones a batch of positions is in, and how far each is from cables or the shore.

The zones are cut into the cells of a one-degree grid (``mda.zones.grid``). A position in a
cell a zone covers whole is in it without a test; a position and each zone's piece in its cell
(small, prepared) are a candidate pair, and a whole batch's pairs are tested in one vectorised
call. The grid is the spatial index: looking pairs up by cell costs less than building point
geometries for a tree query.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

from mda.zones import cache
from mda.zones.catalog import ZoneCatalog
from mda.zones.geodesic import point_to_line_m
from mda.zones.grid import (
    CELL_COUNT,
    CELL_DEG,
    CellGrid,
    Floats,
    Ints,
    cell_box,
    cell_ids,
    cut,
)
from mda.zones.model import Zone


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


class ZoneIndex:
    """Batch membership and distance queries over a set of zones."""

    def __init__(
        self, zones: Sequence[Zone], coastline: Sequence[BaseGeometry] = (), *,
        grid: CellGrid | None = None,
    ) -> None:  # fmt: skip
        """Index ``zones`` (their areas, and the lines of cables and pipelines) and an optional
        coastline (land polygons or shore lines) for distance to shore. ``grid`` is their cut
        as made before (kept on disk); without it they are cut here."""
        self.zones = list(zones)
        self.zone_ids = [z.id for z in self.zones]
        self.coastline = [g.boundary if g.area else g for g in coastline]
        # pseudo-zone index of the coastline
        self.shore = len(self.zones) if self.coastline else -1
        self.grid = grid if grid is not None else cut(self.zones, self.coastline)
        self._shore_tree: shapely.STRtree | None = None
        g = self.grid
        self._full = _ByCell(g.full_cell)
        self._pieces = _ByCell(g.piece_cell)
        shapely.prepare(g.pieces)
        lines: dict[int, list[tuple[int, BaseGeometry]]] = defaultdict(list)
        for cell, zone, line in zip(g.line_cell.tolist(), g.line_zone.tolist(), g.lines.tolist(),
                                    strict=True):  # fmt: skip
            lines[cell].append((zone, line))
        self._lines = dict(lines)  # zone and line near each cell

    @classmethod
    def from_folders(
        cls, paths: Sequence[Path], coastline: Sequence[BaseGeometry] = ()
    ) -> ZoneIndex:
        """The index of the zones in ``paths`` (files and folders, later ones overriding),
        measuring distance to shore from ``coastline``, else from the land zones (imported
        from Natural Earth, say). Kept on disk and read back while the zone files (and the
        code) are unchanged."""
        key = cache.entry_key(paths, coastline)
        kept = cache.read(key) if key is not None else None
        if kept is not None:
            return cls(kept.zones, kept.coastline, grid=kept.grid)
        catalog = ZoneCatalog.load(paths)
        shore = list(coastline) or [z.area for z in catalog.of_kind("land")]
        index = cls(list(catalog), shore)
        if key is not None:
            cache.write(key, cache.BuiltIndex(index.zones, index.coastline, index.grid))
        return index

    def zone_sets(
        self, lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64]
    ) -> list[frozenset[str]]:
        """The ids of the zones each point is in."""
        return [frozenset(z) for z in self.locate(lon, lat).per_point(len(lon))]

    def locate(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> Membership:
        """The zones each position is in (boundaries included)."""
        x = np.asarray(lon, dtype=np.float64)
        y = np.asarray(lat, dtype=np.float64)
        fixed = np.flatnonzero(np.isfinite(x) & np.isfinite(y))  # positions without a fix: none
        x, y = x[fixed], y[fixed]
        cells = cell_ids(x, y)
        # Every zone covering a position's cell whole holds it; every piece in its cell is
        # tested, all in one vectorised call.
        full_at, full = self._full.pairs(cells)
        at, piece = self._pieces.pairs(cells)
        hit = shapely.intersects_xy(self.grid.pieces[piece], x[at], y[at])
        point_arr = np.concatenate([fixed[full_at], fixed[at[hit]]])
        zone_arr = np.concatenate([self.grid.full_zone[full], self.grid.piece_zone[piece[hit]]])
        order = np.lexsort((zone_arr, point_arr))
        return Membership(point_arr[order], zone_arr[order], self.zone_ids)

    def near_lines(
        self, lon: npt.ArrayLike, lat: npt.ArrayLike, within_m: float, *, shore: bool = False
    ) -> list[tuple[int, int, float]]:
        """(position, zone, metres) for each cable or pipeline route within ``within_m`` of a
        position (the coastline instead with ``shore``); distances are geodesic.

        ``within_m`` must stay under the grid's line margin (``grid.LINE_MARGIN_DEG``, ~50 km).
        """
        x = np.asarray(lon, dtype=np.float64)
        y = np.asarray(lat, dtype=np.float64)
        out: list[tuple[int, int, float]] = []
        for cell, idx in _by_cell(x, y):
            lines = self._lines.get(cell)
            if lines is None:
                continue
            # Screen in a local equirectangular frame (metres, scaled at the cell's latitude),
            # then measure the survivors on the ellipsoid.
            lat0 = math.radians(cell_box(cell)[1] + CELL_DEG / 2)
            scale = np.array([111_320.0 * math.cos(lat0), 110_574.0])
            px = shapely.points(x[idx] * scale[0], y[idx] * scale[1])
            for z, line in lines:
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


class _ByCell:
    """Entries of the grid (zones covering a cell, pieces) looked up by cell for a whole
    batch: a stable sort by cell, and where each cell's run starts."""

    def __init__(self, cell: Ints) -> None:
        self._order = np.argsort(cell, kind="stable")
        self._bounds = np.searchsorted(cell[self._order], np.arange(CELL_COUNT + 1))

    def pairs(self, cells: Ints) -> tuple[Ints, Ints]:
        """(position, entry) for every entry in the cell of every position in ``cells``."""
        starts = self._bounds[cells]
        counts = self._bounds[cells + 1] - starts
        nth = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        position = np.repeat(np.arange(len(cells), dtype=np.int64), counts)
        entry: Ints = self._order[np.repeat(starts, counts) + nth]
        return position, entry


def _by_cell(x: Floats, y: Floats) -> list[tuple[int, Ints]]:
    """Positions grouped by grid cell: (cell id, indices). Positions without a fix are skipped."""
    if not len(x):
        return []
    valid = np.isfinite(x) & np.isfinite(y)
    cells = np.where(valid, cell_ids(np.nan_to_num(x), np.nan_to_num(y)), -1)
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
