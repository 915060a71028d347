"""The pair worker's core: encounters judged on grid points from every partition.

The encounter rule itself (:class:`~mda.rules.encounter.EncounterRule`) runs here, fed grid
points instead of fixes; its alerts go through the same :class:`~mda.alerts.lifecycle.AlertBook`
as in a single process (the Pipeline, built with these rules only), so alert ids and dedup keys
match what ``mda run`` gives for the same event.

Points reach a pair worker once per cell they are published to; a point seen twice (the
overlap of two of its cells) is dropped. Every worker whose cells see an encounter tracks it,
but only the one whose home cells hold the encounter's first grid point raises it: a pair
drifting in from a neighbour first appears in the margin band, which is the neighbour's home,
so the two workers agree on the owner (see ``DEFAULT_MARGIN_DEG`` in :mod:`mda.scale.grid`).
"""

from __future__ import annotations

import math
from collections.abc import Container, Iterable, Sequence
from pathlib import Path

import numpy as np

from mda.model import Alert, Position, VesselStatic
from mda.pipeline import Pipeline
from mda.rules.base import Detection, Rule
from mda.rules.encounter import EncounterRule, _Pair
from mda.rules.engine import RuleEngine
from mda.rules.resample import GridPoints
from mda.rules.settings import RuleSpec, load_rule_files
from mda.scale.grid import DEFAULT_CELL_DEG, Cell, GridPoint, cell_of, grid_specs, load_index
from mda.tracks import Tracks
from mda.zones.index import ZoneIndex

# Records built from grid points carry this as their source (the vessel's track in an alert).
GRID_SOURCE = "grid"


def pair_detector_names() -> frozenset[str]:
    """The two-vessel detectors pair workers run. Some detectors compare vessels of different
    partitions, and a worker, which sees only its own vessels, would miss pairs across them.

    ``encounter`` runs on pair workers (grid points carry all it needs); drop it from the
    workers' engines (:func:`split_specs`). ``dark_rendezvous`` needs raw reports (silence
    timers, report counts, late reports that retract): it has no grid form yet, so workers keep
    it and it sees only pairs within one partition. Other rules compare vessels too and stay per
    partition, a known limit: ``spoofing`` (clusters of vessels at one spot), ``shared_mmsi``
    (one MMSI, so one partition: complete) and ``identity_change`` (flag hopping followed by
    IMO number across MMSIs).
    """
    return frozenset(("encounter",))


def split_specs(specs: Sequence[RuleSpec]) -> tuple[list[RuleSpec], list[RuleSpec]]:
    """(the rules a partition worker runs, the rules pair workers run)."""
    pair = pair_detector_names()
    return ([s for s in specs if s.scope.detector not in pair],
            [s for s in specs if s.scope.detector in pair])  # fmt: skip


class _GridEncounter(EncounterRule):
    """The encounter rule fed grid points, remembering where each event began."""

    def __init__(self, spec: RuleSpec, index: ZoneIndex, cell_deg: float,
                 cells: Container[Cell] | None) -> None:  # fmt: skip
        super().__init__(spec, index)
        self.cells = cells
        self.cell_deg = cell_deg
        self.run_origin: dict[tuple[int, int], tuple[float, float, float]] = {}
        self.event_origin: dict[tuple[int, int], tuple[float, float, float]] = {}
        self.not_ours = 0  # detections left to the worker whose cell holds the event

    def take(self, points: GridPoints, marks: Sequence[GridPoint]) -> None:
        """Grid points and under-way marks, as the rule's ``observe`` takes fixes."""
        if self.pairs:
            paired = {m for key in self.pairs for m in key}
            # A point after the vessel went fast: slow again (the rule: a slow fix).
            for m, slot in zip(points.mmsi.tolist(), points.slot.tolist(), strict=True):
                since = self.under_way.get(m)
                if since is not None and slot * self.step_s > since:
                    del self.under_way[m]
            for g in marks:
                if g.mmsi in paired:
                    self.under_way.setdefault(g.mmsi, g.time)
        self._hold(points)

    def _close(self, pair: _Pair, t: float, d: float, speed: float, lat: float, lon: float,
               tracks: Tracks) -> Detection | None:  # fmt: skip
        key = (pair.a, pair.b)
        if pair.run_start is None:
            self.run_origin[key] = (t, lat, lon)
        found = super()._close(pair, t, d, speed, lat, lon, tracks)
        run = self.run_origin.get(key)
        if pair.event_start is not None and run is not None and run[0] == pair.event_start:
            self.event_origin[key] = run  # this run began the (merged) event
        return found

    def tick(self, watermark: float, tracks: Tracks) -> list[Detection]:
        out = [d for d in super().tick(watermark, tracks) if self._ours(d)]
        for table in (self.run_origin, self.event_origin):
            for key in [k for k in table if k not in self.pairs]:
                del table[key]
        return out

    def _ours(self, d: Detection) -> bool:
        if self.cells is None:
            return True
        other = d.other_mmsi if d.other_mmsi is not None else d.mmsi
        origin = self.event_origin.get((min(d.mmsi, other), max(d.mmsi, other)))
        if origin is not None and cell_of(origin[1], origin[2], self.cell_deg) in self.cells:
            return True
        self.not_ours += 1
        return False


class PairDetector:
    """Encounters among the grid points of some cells (a set, or any container of cells;
    ``None``: all), raised only for events whose first grid point lies in one of them.

    Time moves on with the points (their latest time, less ``lag_s`` so a partition a little
    behind the others is not late) and with :meth:`tick`, which a shell feeds the workers'
    watermark or the clock.
    """

    def __init__(self, cells: Container[Cell] | None, cell_deg: float, specs: Sequence[RuleSpec],
                 index: ZoneIndex, *, lag_s: float = 0.0) -> None:  # fmt: skip
        self.cells = cells
        self.cell_deg = cell_deg
        self.lag_s = lag_s
        self.rules = [_GridEncounter(s, index, cell_deg, self.cells) for s in grid_specs(specs)]
        engine = RuleEngine([], index)
        run: list[Rule] = [*self.rules]
        engine.rules = run
        # The pipeline gives vessel state (fed grid points), the alert book and its timers.
        self.pipeline = Pipeline(index, engine, duplicate_window_s=None)
        self.step_s = self.rules[0].step_s if self.rules else 600.0
        self.seen: dict[int, set[tuple[int, bool, float]]] = {}  # slot -> points had
        self.duplicates = 0
        self.late = 0
        self.latest = -math.inf

    @classmethod
    def build(cls, zone_paths: Sequence[Path], rule_paths: Sequence[Path],
              cells: Container[Cell] | None, cell_deg: float = DEFAULT_CELL_DEG, *,
              lag_s: float = 0.0) -> PairDetector:  # fmt: skip
        """From zone folders and rule files (only the encounter rules are run)."""
        return cls(cells, cell_deg, load_rule_files(rule_paths), load_index(zone_paths),
                   lag_s=lag_s)  # fmt: skip

    @property
    def watermark(self) -> float:
        return self.pipeline.watermark

    def add(self, points: Iterable[GridPoint]) -> list[Alert]:
        """Points from the cells' subjects (any order, duplicates allowed) in; alerts out."""
        fresh = self._fresh(points)
        if not fresh:
            return []
        fresh.sort(key=lambda g: (g.mmsi, g.time))
        self._vessels(fresh)
        grid = [g for g in fresh if not g.under_way]
        marks = [g for g in fresh if g.under_way]
        arrays = GridPoints(
            np.array([g.mmsi for g in grid], dtype=np.int64),
            np.array([round(g.time / self.step_s) for g in grid], dtype=np.int64),
            np.array([g.lat for g in grid], dtype=np.float64),
            np.array([g.lon for g in grid], dtype=np.float64),
            np.array([math.nan if g.speed_kn is None else g.speed_kn for g in grid],
                     dtype=np.float64),
            np.array([g.in_scope for g in grid], dtype=bool),
        )  # fmt: skip
        for rule in self.rules:
            rule.take(arrays, marks)
        newest = max(g.time for g in fresh)
        self.latest = max(self.latest, newest)
        return self.tick(self.latest - self.lag_s)

    def tick(self, watermark: float) -> list[Alert]:
        """Event time has reached ``watermark``: judge grid times, open and clear alerts."""
        alerts = self.pipeline.advance_to(watermark).alerts
        closed = min((r.closed_through for r in self.rules if r.closed_through is not None),
                     default=None)  # fmt: skip
        if closed is not None:
            for slot in [s for s in self.seen if s <= closed]:
                del self.seen[slot]
        return alerts

    def _fresh(self, points: Iterable[GridPoint]) -> list[GridPoint]:
        closed = min((r.closed_through for r in self.rules if r.closed_through is not None),
                     default=None)  # fmt: skip
        out = []
        for g in points:
            slot = math.floor(g.time / self.step_s)
            if closed is not None and slot <= closed:
                self.late += 1  # judged already (or a copy of a point that was)
                continue
            key = (g.mmsi, g.under_way, g.time)
            had = self.seen.setdefault(slot, set())
            if key in had:
                self.duplicates += 1
                continue
            had.add(key)
            out.append(g)
        return out

    def _vessels(self, points: list[GridPoint]) -> None:
        """Vessel state for scope, carriers, names and the alert's track."""
        tracks = self.pipeline.tracks
        statics = []
        for g in points:
            state = tracks.vessels.get(g.mmsi)
            have = (None, None, None) if state is None else (state.ship_type, state.imo,
                                                             state.shipname)  # fmt: skip
            told = (g.ship_type, g.imo, g.shipname)
            if any(v is not None for v in told) and told != have:
                statics.append(VesselStatic(g.time, g.mmsi, 5, shipname=g.shipname, imo=g.imo,
                                            ship_type=g.ship_type, source=GRID_SOURCE))  # fmt: skip
        tracks.apply_statics(statics)
        tracks.update([Position(g.time, g.mmsi, 1, g.lat, g.lon, g.speed_kn, None, None, None,
                                None, None, GRID_SOURCE) for g in points])  # fmt: skip
