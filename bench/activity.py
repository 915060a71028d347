"""Apparent-fishing classification scored against expert labels, with a speed-band baseline.

    python -m bench.activity

Point-level precision, recall and F1 of "fishing", per labelled data set and pooled, for mda's
classifier (``mda.activity``, default parameters, through the same reader as ``mda activity``)
and for a plain speed band: fishing iff 0.5 <= speed <= 5.0 kn, speed being the reported
speed where the data has one, else the speed implied by the fixes either side.

Data (../shared/data/labels, see SOURCES.md there):
- ``ices_wkssfgeo_pt_smallscale_gps_shared.csv``: two Portuguese small-scale vessels (dredge,
  pots), GPS every 20-30 s with reported speed and course. ``fish.val``: ``fish`` = fishing,
  ``travel`` = not; empty = not validated, classified (as context) but not scored.
- ``creel_scotland_mendo2019_shared.csv``: two creel trips, a fix a minute, no speed (implied
  speed). ``behaviour``: hauling and shooting = fishing, steaming = not. The file has no gear
  column; the trips are creel fishing (SOURCES.md), so mda is told ``creel``. The row "no gear
  hint" shows what mda does without being told.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from mda.activity.classify import FISHING
from mda.activity.csv_tracks import CsvColumns, read_csv_tracks
from mda.activity.fleet import classify_fleet
from mda.activity.motion import implied_speed_kn, pieces
from mda.activity.rows import TrackRows
from tests.data import shared

BASELINE_BAND_KN = (0.5, 5.0)
NOT_LABELLED = -1

Truth = npt.NDArray[np.int8]  # 1 fishing, 0 not fishing, -1 not labelled
Fishing = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class LabelledSet:
    """Tracks with an expert's fishing / not-fishing label per position."""

    name: str
    rows: TrackRows
    truth: Truth


@dataclass(frozen=True, slots=True)
class Score:
    """Point-level agreement on "fishing"."""

    true_positives: int
    false_positives: int
    false_negatives: int
    labelled: int

    @property
    def precision(self) -> float:
        called = self.true_positives + self.false_positives
        return self.true_positives / called if called else 0.0

    @property
    def recall(self) -> float:
        actual = self.true_positives + self.false_negatives
        return self.true_positives / actual if actual else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(frozen=True, slots=True)
class ScoreRow:
    data_set: str
    method: str
    score: Score


def portuguese_small_scale() -> LabelledSet:
    """ICES WKSSFGEO Portuguese GPS tracks; ``fish.val`` labels."""
    path = shared("labels/ices_wkssfgeo_pt_smallscale_gps_shared.csv")
    rows = read_csv_tracks(path, CsvColumns(speed="speed", course="bearing"))
    label = rows.table["fish.val"]
    truth = np.where(label == "fish", 1, np.where(label == "travel", 0, NOT_LABELLED))
    return LabelledSet("pt_smallscale", rows, truth.astype(np.int8))


def scottish_creel(gear: str | None = "creel") -> LabelledSet:
    """Mendo et al. 2019 creel trips; observers' ``behaviour`` labels."""
    path = shared("labels/creel_scotland_mendo2019_shared.csv")
    rows = read_csv_tracks(path, CsvColumns(time="time_stamp"), default_gear=gear)
    fishing = rows.table["behaviour"].is_in(["hauling", "shooting"])
    labelled = rows.table["behaviour"].is_not_null()
    truth = np.where(labelled, np.where(fishing, 1, 0), NOT_LABELLED)
    return LabelledSet("creel_scotland", rows, truth.astype(np.int8))


def mda_fishing(rows: TrackRows) -> Fishing:
    """mda's classifier, as ``mda activity`` runs it."""
    fleet = classify_fleet(
        rows.vessel, rows.time, rows.lat, rows.lon, rows.speed_kn, rows.course, rows.gear
    )
    return fleet.activity == FISHING


def speed_band_fishing(rows: TrackRows) -> Fishing:
    """Fishing iff the speed is within ``BASELINE_BAND_KN`` (inclusive)."""
    speed = np.full(len(rows.time), np.nan)
    vessels = pl.Series(rows.vessel)
    for name in vessels.unique(maintain_order=True).to_list():
        track = np.flatnonzero((vessels == name).to_numpy())
        track = track[np.argsort(rows.time[track], kind="stable")]
        t = rows.time[track]
        # Neighbours only (span 0): the plain fix-to-fix speed a simple filter would use.
        speed[track] = implied_speed_kn(t, rows.lat[track], rows.lon[track], 0.0, pieces(t, 1e12))
    if rows.speed_kn is not None:
        speed = np.where(np.isfinite(rows.speed_kn), rows.speed_kn, speed)
    low, high = BASELINE_BAND_KN
    return (speed >= low) & (speed <= high)


def score(fishing: Fishing, truth: Truth) -> Score:
    """Agreement on the labelled positions only."""
    labelled = truth != NOT_LABELLED
    called, actual = fishing[labelled], truth[labelled] == 1
    return Score(
        true_positives=int(np.count_nonzero(called & actual)),
        false_positives=int(np.count_nonzero(called & ~actual)),
        false_negatives=int(np.count_nonzero(~called & actual)),
        labelled=int(np.count_nonzero(labelled)),
    )


def _pooled(scores: list[Score]) -> Score:
    return Score(
        sum(s.true_positives for s in scores),
        sum(s.false_positives for s in scores),
        sum(s.false_negatives for s in scores),
        sum(s.labelled for s in scores),
    )


def score_table() -> list[ScoreRow]:
    """Every method on every data set, then pooled over the data sets."""
    sets = [portuguese_small_scale(), scottish_creel()]
    no_hint = [LabelledSet(s.name, _without_gear(s.rows), s.truth) for s in sets]
    low, high = BASELINE_BAND_KN
    methods: list[tuple[str, list[LabelledSet], Callable[[TrackRows], Fishing]]] = [
        ("mda", sets, mda_fishing),
        ("mda, no gear hint", no_hint, mda_fishing),
        (f"speed band {low:g}-{high:g} kn", sets, speed_band_fishing),
    ]
    table = []
    for method, data, classify in methods:
        scores = [score(classify(s.rows), s.truth) for s in data]
        table += [ScoreRow(s.name, method, sc) for s, sc in zip(data, scores, strict=True)]
        table.append(ScoreRow("pooled", method, _pooled(scores)))
    return sorted(
        table, key=lambda r: ["pt_smallscale", "creel_scotland", "pooled"].index(r.data_set)
    )


def _without_gear(rows: TrackRows) -> TrackRows:
    return TrackRows(
        rows.table, rows.vessel, rows.time, rows.lat, rows.lon, rows.speed_kn, rows.course,
        None, rows.vessel_column,
    )  # fmt: skip


def format_table(rows: list[ScoreRow]) -> str:
    """A fixed-width table, one line per data set and method."""
    lines = [
        f"{'data set':<16}{'method':<26}{'labelled':>9}{'precision':>11}{'recall':>8}{'F1':>7}"
    ]
    for r in rows:
        s = r.score
        lines.append(
            f"{r.data_set:<16}{r.method:<26}{s.labelled:>9}{s.precision:>11.3f}{s.recall:>8.3f}"
            f"{s.f1:>7.3f}"
        )
    return "\n".join(lines)


def main() -> None:
    print(format_table(score_table()))


if __name__ == "__main__":
    main()
