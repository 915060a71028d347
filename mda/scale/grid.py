"""Grid points for cross-partition encounters: what a worker publishes, where, and how.

Workers own vessels by MMSI, but two vessels meeting may belong to different workers. So each
worker resamples its slow vessels onto the encounter rule's 10-minute grid (the rule's own
:class:`~mda.rules.resample.Resampler`, with the rule's scope and speed filter) and publishes
the points by geographic cell; pair workers run the encounter rule on them
(:mod:`mda.scale.pairs`).

A point goes to its home cell and to every neighbour within ``margin_deg`` of it, so a pair of
vessels near a border is seen whole by both sides; only the side whose cell holds the
encounter's first grid point raises the alert. Vessels under way (at or above the rule's
``resample_below_kn``) are not resampled, as in the rule, but still send an ``under_way`` mark
once per grid slot: a paired vessel that sails off is "seen, and close to no one", which ends
the encounter (the rule's ``under_way`` set).

Pure: no clock, no I/O; ``GridPublisherCore.add`` is a function of the records fed so far.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final, NamedTuple

import numpy as np

from mda.errors import ConfigError
from mda.model import VESSEL, Position, VesselStatic
from mda.rules.base import BatchView, zone_indices
from mda.rules.encounter import EncounterParams
from mda.rules.proximity import fixes_in_scope
from mda.rules.resample import Resampler
from mda.rules.settings import RuleSpec, detector_params, load_rule_files
from mda.tracks import Tracks
from mda.zones.index import ZoneIndex

Cell = tuple[int, int]

GRID_SUBJECT_PREFIX: Final = "mda.grid"
GRID_STREAM: Final = "MDA_GRID"
GRID_STREAM_SUBJECT: Final = f"{GRID_SUBJECT_PREFIX}.>"
# One degree (~111 km) per cell: an encounter drifting at its median speed under 2 kn stays in
# one cell for a day or more, and ~65 000 cells cover the Earth (subjects are cheap in NATS).
DEFAULT_CELL_DEG: Final = 1.0
# How far past its cell a point is also published (degrees of latitude; widened by
# 1/cos(lat) in longitude). It must exceed the encounter distance (500 m: both vessels of a
# pair whose first grid point lies in a cell then reach that cell's worker) plus what a
# resampled vessel can cover in one 10-minute grid step (under resample_below_kn = 6 kn: 1 nm,
# 1852 m), so that a pair drifting into a neighbour's view first appears there in the margin
# band, which is not the neighbour's home, and the neighbour never claims it. 500 + 1852 m is
# 2.4 km; 0.05 degrees (5.6 km) doubles that for slack, and copies ~10 % of points at 1-degree
# cells.
DEFAULT_MARGIN_DEG: Final = 0.05
# The longitude margin stops growing here (near the poles a cell is narrower than the margin).
_MIN_COS_LAT: Final = 0.05
# Watermark: as the pipeline, the 99th percentile of a batch's times, so one wild clock does
# not move time on; vessels unseen this long are forgotten (the pipeline's eviction age).
_WATERMARK_QUANTILE: Final = 99.0
_STALE_AFTER_S: Final = 48 * 3600.0
_EVICT_EVERY_S: Final = 3600.0
_FORMAT_VERSION: Final = 1
_IN_SCOPE: Final = 1
_UNDER_WAY: Final = 2


class GridPoint(NamedTuple):
    """A vessel at a grid time, or (``under_way``) a fix too fast to be resampled.

    ``time`` is the grid slot's epoch seconds (the fix's for an under-way mark); ``in_scope``
    is false in the rule's excluded zones (ports, anchorages), where a point still shows the
    vessel is there but pairs nobody. Ship type, IMO and name let the pair side judge the
    rule's scope and carriers and name the vessel without a feed of static reports.
    """

    mmsi: int
    time: float
    lat: float
    lon: float
    speed_kn: float | None
    in_scope: bool = True
    under_way: bool = False
    ship_type: int | None = None
    imo: int | None = None
    shipname: str | None = None


# -- cells and subjects --------------------------------------------------------------------------


def _check_cell_deg(cell_deg: float) -> int:
    """Columns round the Earth; cells must tile it so columns wrap at the antimeridian."""
    columns = 360.0 / cell_deg if cell_deg > 0 else 0.0
    if not cell_deg > 0 or abs(columns - round(columns)) > 1e-9 or round(columns) % 2:
        raise ValueError(f"cell size {cell_deg} degrees must divide 180 degrees")
    return round(columns)


def cell_of(lat: float, lon: float, cell_deg: float) -> Cell:
    """The (row, col) of the cell holding a position; row 0 starts at the equator, col 0 at
    the prime meridian (negative south and west)."""
    columns = _check_cell_deg(cell_deg)
    half_rows = columns // 4
    row = min(max(math.floor(lat / cell_deg), -half_rows), half_rows - 1)  # 90 N is in the top row
    col = math.floor(((lon + 180.0) % 360.0 - 180.0) / cell_deg)
    return row, min(col, columns // 2 - 1)


def cells_covering(lat: float, lon: float, cell_deg: float, margin_deg: float) -> list[Cell]:
    """The home cell first, then every neighbour within ``margin_deg`` (degrees of latitude,
    as many metres in longitude) of the position, in (row, col) order."""
    if margin_deg < 0 or margin_deg >= cell_deg:
        raise ValueError(f"margin {margin_deg} must be at least 0 and under the cell size")
    columns = _check_cell_deg(cell_deg)
    half_rows, half_cols = columns // 4, columns // 2
    home = cell_of(lat, lon, cell_deg)
    lon_margin = margin_deg / max(math.cos(math.radians(lat)), _MIN_COS_LAT)
    lo_row = max(math.floor((lat - margin_deg) / cell_deg), -half_rows)
    hi_row = min(math.floor((lat + margin_deg) / cell_deg), half_rows - 1)
    lo_col = math.floor((lon - lon_margin) / cell_deg)
    hi_col = math.floor((lon + lon_margin) / cell_deg)
    found: set[Cell] = set()
    for row in range(lo_row, hi_row + 1):
        for col in range(lo_col, min(hi_col, lo_col + columns - 1) + 1):
            wrapped = (col + half_cols) % columns - half_cols  # across the antimeridian
            found.add((row, wrapped))
    found.discard(home)
    return [home, *sorted(found)]


def _token(n: int) -> str:
    # NATS tokens may not hold "." or wildcards; "-" would do, but a letter keeps the sign
    # readable and the token a valid identifier everywhere (n3 = -3, p12 = +12).
    return f"n{-n}" if n < 0 else f"p{n}"


def grid_subject(cell: Cell) -> str:
    """``mda.grid.<row>.<col>``, e.g. ``mda.grid.p2.n5`` for row 2, col -5."""
    return f"{GRID_SUBJECT_PREFIX}.{_token(cell[0])}.{_token(cell[1])}"


# -- wire format -----------------------------------------------------------------------------------


def encode_points(points: Sequence[GridPoint]) -> bytes:
    """Compact JSON: one array per point (floats as Python writes them, so exact)."""
    rows = [
        [p.mmsi, p.time, p.lat, p.lon, p.speed_kn,
         (_IN_SCOPE if p.in_scope else 0) | (_UNDER_WAY if p.under_way else 0),
         p.ship_type, p.imo, p.shipname]
        for p in points
    ]  # fmt: skip
    return json.dumps({"v": _FORMAT_VERSION, "p": rows}, separators=(",", ":")).encode()


def decode_points(data: bytes) -> list[GridPoint]:
    """Points from :func:`encode_points`; ``ValueError`` naming what is wrong otherwise."""
    try:
        doc = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"grid points: not JSON ({exc})") from None
    if not isinstance(doc, dict) or doc.get("v") != _FORMAT_VERSION:
        raise ValueError(f"grid points: expected an object with v = {_FORMAT_VERSION}")
    rows = doc.get("p")
    if not isinstance(rows, list):
        raise ValueError("grid points: 'p' must be a list of points")
    return [_point(row, i) for i, row in enumerate(rows)]


def _point(row: Any, i: int) -> GridPoint:
    if not isinstance(row, list) or len(row) != 9:
        raise ValueError(f"grid points: point {i} must be a list of 9 values")
    mmsi, time, lat, lon, speed, flags, ship_type, imo, name = row
    if not _is_int(mmsi) or not _is_int(flags):
        raise ValueError(f"grid points: point {i}: mmsi and flags must be integers")
    if not all(_is_number(v) for v in (time, lat, lon)) or not -90 <= lat <= 90:
        raise ValueError(f"grid points: point {i}: time, lat, lon must be numbers (lat +-90)")
    if speed is not None and not _is_number(speed):
        raise ValueError(f"grid points: point {i}: speed_kn must be a number or null")
    if any(v is not None and not _is_int(v) for v in (ship_type, imo)):
        raise ValueError(f"grid points: point {i}: ship_type and imo must be integers or null")
    if name is not None and not isinstance(name, str):
        raise ValueError(f"grid points: point {i}: shipname must be text or null")
    return GridPoint(mmsi, float(time), float(lat), float(lon),
                     None if speed is None else float(speed), bool(flags & _IN_SCOPE),
                     bool(flags & _UNDER_WAY), ship_type, imo, name)  # fmt: skip


def _is_int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


# -- the publisher's core ------------------------------------------------------------------------


def grid_specs(specs: Sequence[RuleSpec]) -> list[RuleSpec]:
    """The encounter-detector rules of a rule set (what pair workers run)."""
    return [s for s in specs if s.scope.detector == "encounter"]


class GridPublisherCore:
    """A worker's vessels in, the grid points they complete out.

    Uses the grid, scope (``zones``, ``exclude_zones``) and speed filter of the rule set's
    encounter rules, which must agree on them: one grid feeds them all.
    """

    def __init__(self, specs: Sequence[RuleSpec], index: ZoneIndex) -> None:
        chosen = grid_specs(specs)
        if not chosen:
            raise ConfigError("grid publishing needs an encounter rule in the rule set")
        first = chosen[0]
        p = detector_params(EncounterParams, first)
        for other in chosen[1:]:
            q = detector_params(EncounterParams, other)
            same = (q.grid_minutes, q.max_gap_minutes, q.resample_below_kn) == (
                p.grid_minutes, p.max_gap_minutes, p.resample_below_kn
            ) and (other.scope.zones, other.scope.exclude_zones) == (
                first.scope.zones, first.scope.exclude_zones)  # fmt: skip
            if not same:
                raise ConfigError(f"{other.where}: scale-out needs every encounter rule on the "
                                  f"grid, zones and speed filter of {first.where}")  # fmt: skip
        self.params = p
        self.index = index
        self.everywhere = "*" in first.scope.zones
        self.zones = zone_indices(index, first.scope.zones, first.where)
        self.exclude = zone_indices(index, first.scope.exclude_zones, first.where)
        self.step_s = p.grid_minutes * 60.0
        self.resampler = Resampler(self.step_s, p.max_gap_minutes * 60.0)
        self.tracks = Tracks(stale_after_s=_STALE_AFTER_S)
        self.marked: dict[int, int] = {}  # vessel -> grid slot of its last under-way mark
        self.watermark = -math.inf
        self._next_evict = -math.inf

    @classmethod
    def build(cls, zone_paths: Sequence[Path], rule_paths: Sequence[Path]) -> GridPublisherCore:
        """From zone folders and rule files, as :func:`mda.pipeline.build_pipeline` loads them."""
        return cls(load_rule_files(rule_paths), load_index(zone_paths))

    def add(
        self, positions: Sequence[Position], statics: Sequence[VesselStatic] = ()
    ) -> list[GridPoint]:
        """A batch of the worker's records (each vessel's in event-time order) in; the grid
        points and under-way marks they complete out, per vessel in time order."""
        self.tracks.apply_statics(statics)
        fx = self.tracks.update([p for p in positions if p.kind == VESSEL])
        if not len(fx):
            return []
        on_time = fx.time[~fx.late]
        if len(on_time):
            candidate = float(np.percentile(on_time, _WATERMARK_QUANTILE, method="lower"))
            self.watermark = max(self.watermark, candidate)
        view = BatchView(fx, self.index.locate(fx.lon, fx.lat), self.index, self.tracks,
                         self.watermark)  # fmt: skip
        in_scope = fixes_in_scope(view, self.everywhere, self.zones, self.exclude)
        # The rule's own filter: a vessel this fast is in no encounter.
        speed = np.where(np.isfinite(fx.sog), fx.sog, fx.implied_kn)
        slow = ~(speed >= self.params.resample_below_kn)
        grid = self.resampler.add(fx, in_scope, slow)
        out = [self._point(m, s * self.step_s, y, x, v, sc, False)
               for m, s, y, x, v, sc in zip(grid.mmsi.tolist(), grid.slot.tolist(),
                                             grid.lat.tolist(), grid.lon.tolist(),
                                             grid.speed_kn.tolist(), grid.in_scope.tolist(),
                                             strict=True)]  # fmt: skip
        out += self._marks(fx.mmsi, fx.time, fx.lat, fx.lon, speed, in_scope, ~slow & ~fx.late)
        out.sort(key=lambda g: (g.mmsi, g.time))
        self._housekeeping()
        return out

    def _marks(self, mmsi: Any, time: Any, lat: Any, lon: Any, speed: Any, scope: Any,
               fast: Any) -> list[GridPoint]:  # fmt: skip
        """One under-way mark per vessel and grid slot while it is fast."""
        out = []
        rows = np.flatnonzero(fast).tolist()
        for r in rows:
            m, t = int(mmsi[r]), float(time[r])
            slot = math.floor(t / self.step_s)
            if self.marked.get(m) == slot:
                continue
            self.marked[m] = slot
            out.append(self._point(m, t, float(lat[r]), float(lon[r]), float(speed[r]),
                                   bool(scope[r]), True))  # fmt: skip
        return out

    def _point(self, m: int, t: float, lat: float, lon: float, speed: float, in_scope: bool,
               under_way: bool) -> GridPoint:  # fmt: skip
        state = self.tracks.vessels.get(m)
        return GridPoint(
            m, t, lat, lon, None if math.isnan(speed) else speed, in_scope, under_way,
            None if state is None else state.ship_type, None if state is None else state.imo,
            None if state is None else state.shipname,
        )  # fmt: skip

    def _housekeeping(self) -> None:
        w = self.watermark
        p = self.params
        # As the rule: a fix this old cannot be interpolated with any later one.
        self.resampler.forget_older(w - (p.max_gap_minutes + p.lateness_minutes) * 60.0)
        if w >= self._next_evict:
            self._next_evict = w + _EVICT_EVERY_S
            gone = self.tracks.evict(w)
            self.resampler.forget(gone)
            for m in gone:
                self.marked.pop(m, None)


def load_index(zone_paths: Sequence[Path]) -> ZoneIndex:
    """The zone index of zone folders, with land zones as coastline (as build_pipeline)."""
    return ZoneIndex.from_folders(zone_paths)


def route(points: Sequence[GridPoint], cell_deg: float = DEFAULT_CELL_DEG,
          margin_deg: float = DEFAULT_MARGIN_DEG) -> dict[Cell, list[GridPoint]]:  # fmt: skip
    """Points grouped by every cell they are published to (home and margin), in order."""
    out: dict[Cell, list[GridPoint]] = {}
    for p in points:
        for cell in cells_covering(p.lat, p.lon, cell_deg, margin_deg):
            out.setdefault(cell, []).append(p)
    return out
