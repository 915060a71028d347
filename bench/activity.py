"""Apparent-fishing classification scored leave-one-vessel-out against expert labels.

    python -m bench.activity

Every labelled set in ../shared/data/labels (see SOURCES.md there) is split into its units: a
vessel, or a trip where a set holds one trip per vessel. Each method is scored on each unit
after being set up from the **other** units only (``Method.prepare`` sees the training units and
never the left-out one; a method that learns nothing across vessels ignores them). Point-level
precision, recall and F1 of "fishing" on the labelled positions, per unit, per gear and per set.

Methods:
- ``mda``: ``mda activity``'s classifier (per-track hidden Markov model, gear as a speed prior;
  ``mda.activity.adaptive``); nothing is fitted across vessels, the model is fitted to the
  left-out track itself without its labels.
- ``mda, no gear hint``: the same, not told the gear (a user without ``--gear``).
- ``mda windowed``: the classifier before issue 17 (``mda.activity.classify``); its thresholds
  were chosen on these very tracks, so its figures are in-sample.
- ``speed band``: fishing iff 0.5 <= speed <= 5.0 kn, speed being the reported speed where the
  data has one, else the speed implied by the fixes either side.

Data:
- ``ices_wkssfgeo_pt_smallscale_gps_shared.csv``: two Portuguese small-scale vessels (dredge,
  pots), GPS every 20-30 s with reported speed and course. ``fish.val``: ``fish`` = fishing,
  ``travel`` = not; empty = not validated, classified (as context) but not scored.
- ``creel_scotland_mendo2019_shared.csv``: two creel trips of two boats, a fix a minute, no
  speed. ``behaviour``: hauling and shooting = fishing, steaming = not. No gear column; the
  trips are creel fishing (SOURCES.md), so mda is told ``creel``.
- Simulated tracks (``bench.activity_sim``) of gears without labels, ground truth by
  construction; scored the same way, one simulated vessel per unit.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from mda.activity.adaptive import classify_track_adaptive
from mda.activity.classify import FISHING, classify_track
from mda.activity.csv_tracks import CsvColumns, read_csv_tracks
from mda.activity.motion import implied_speed_kn, pieces
from mda.activity.rows import TrackRows
from tests.data import shared

BASELINE_BAND_KN = (0.5, 5.0)
NOT_LABELLED = -1

Truth = npt.NDArray[np.int8]  # 1 fishing, 0 not fishing, -1 not labelled
Fishing = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class Unit:
    """One vessel's (or trip's) track with an expert's label per position; the unit left
    out. Rows are sorted by time."""

    data_set: str
    name: str
    gear: str | None
    time: npt.NDArray[np.float64]
    lat: npt.NDArray[np.float64]
    lon: npt.NDArray[np.float64]
    speed_kn: npt.NDArray[np.float64] | None
    course: npt.NDArray[np.float64] | None
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

    def __add__(self, other: Score) -> Score:
        return Score(
            self.true_positives + other.true_positives,
            self.false_positives + other.false_positives,
            self.false_negatives + other.false_negatives,
            self.labelled + other.labelled,
        )


Classifier = Callable[[Unit], Fishing]


@dataclass(frozen=True, slots=True)
class Method:
    """``prepare(training units)`` returns the classifier applied to the left-out unit."""

    name: str
    prepare: Callable[[Sequence[Unit]], Classifier]


def units_of(data_set: str, rows: TrackRows, truth: Truth) -> list[Unit]:
    """One unit per vessel id, rows sorted by time (ties in input order)."""
    vessels = np.asarray(rows.vessel, dtype=object)
    out = []
    for name in sorted(set(rows.vessel)):
        idx = np.flatnonzero(vessels == name)
        idx = idx[np.argsort(rows.time[idx], kind="stable")]
        gear = None if rows.gear is None else rows.gear[int(idx[0])]
        out.append(
            Unit(
                data_set, name, gear, rows.time[idx], rows.lat[idx], rows.lon[idx],
                None if rows.speed_kn is None else rows.speed_kn[idx],
                None if rows.course is None else rows.course[idx], truth[idx],
            )
        )  # fmt: skip
    return out


def portuguese_small_scale() -> list[Unit]:
    """ICES WKSSFGEO Portuguese GPS tracks; ``fish.val`` labels; one unit per vessel."""
    path = shared("labels/ices_wkssfgeo_pt_smallscale_gps_shared.csv")
    rows = read_csv_tracks(path, CsvColumns(speed="speed", course="bearing"))
    label = rows.table["fish.val"]
    truth = np.where(label == "fish", 1, np.where(label == "travel", 0, NOT_LABELLED))
    return units_of("pt_smallscale", rows, truth.astype(np.int8))


def scottish_creel(gear: str | None = "creel") -> list[Unit]:
    """Mendo et al. 2019 creel trips; observers' ``behaviour`` labels; one unit per trip."""
    path = shared("labels/creel_scotland_mendo2019_shared.csv")
    rows = read_csv_tracks(path, CsvColumns(time="time_stamp"), default_gear=gear)
    fishing = rows.table["behaviour"].is_in(["hauling", "shooting"])
    labelled = rows.table["behaviour"].is_not_null()
    truth = np.where(labelled, np.where(fishing, 1, 0), NOT_LABELLED)
    return units_of("creel_scotland", rows, truth.astype(np.int8))


def _fixed(classify: Classifier) -> Callable[[Sequence[Unit]], Classifier]:
    """A method that learns nothing from other vessels."""

    def prepare(training: Sequence[Unit]) -> Classifier:
        del training
        return classify

    return prepare


def mda_fishing(u: Unit) -> Fishing:
    """``mda activity``'s classifier on one track."""
    labels = classify_track_adaptive(u.time, u.lat, u.lon, u.speed_kn, u.course, u.gear)
    return labels == FISHING


def mda_no_gear_fishing(u: Unit) -> Fishing:
    """``mda activity`` not told the gear: what a new user gets without ``--gear``."""
    labels = classify_track_adaptive(u.time, u.lat, u.lon, u.speed_kn, u.course, None)
    return labels == FISHING


def windowed_fishing(u: Unit) -> Fishing:
    """The classifier before issue 17."""
    labels = classify_track(u.time, u.lat, u.lon, u.speed_kn, u.course, u.gear)
    return labels == FISHING


def speed_band_fishing(u: Unit) -> Fishing:
    """Fishing iff the speed is within ``BASELINE_BAND_KN`` (inclusive)."""
    # Neighbours only (span 0): the plain fix-to-fix speed a simple filter would use.
    speed = implied_speed_kn(u.time, u.lat, u.lon, 0.0, pieces(u.time, 1e12))
    if u.speed_kn is not None:
        speed = np.where(np.isfinite(u.speed_kn), u.speed_kn, speed)
    low, high = BASELINE_BAND_KN
    return (speed >= low) & (speed <= high)


def methods() -> list[Method]:
    low, high = BASELINE_BAND_KN
    return [
        Method("mda", _fixed(mda_fishing)),
        Method("mda, no gear hint", _fixed(mda_no_gear_fishing)),
        Method("mda windowed (old)", _fixed(windowed_fishing)),
        Method(f"speed band {low:g}-{high:g}", _fixed(speed_band_fishing)),
    ]


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


@dataclass(frozen=True, slots=True)
class UnitScore:
    unit: Unit
    method: str
    score: Score


def leave_one_out(data_sets: Sequence[list[Unit]], ms: Sequence[Method]) -> list[UnitScore]:
    """Each method on each unit, prepared from the other units of every set (never from
    the unit scored)."""
    everything = [u for units in data_sets for u in units]
    out = []
    for left_out in everything:
        training = [u for u in everything if u is not left_out]
        for m in ms:
            classify = m.prepare(training)
            out.append(UnitScore(left_out, m.name, score(classify(left_out), left_out.truth)))
    return out


def _total(scores: Sequence[UnitScore]) -> Score:
    total = Score(0, 0, 0, 0)
    for s in scores:
        total = total + s.score
    return total


def format_tables(scores: Sequence[UnitScore], ms: Sequence[Method]) -> str:
    """Per unit, then per gear and per set (positions pooled over their units)."""
    names = [m.name for m in ms]
    head = f"{'':<34}{'labelled':>9}" + "".join(f"{n:>24}" for n in names)
    lines = ["F1 (precision / recall) of fishing, each unit left out", head]

    def line(label: str, group: Sequence[UnitScore]) -> str:
        by_method = {n: _total([s for s in group if s.method == n]) for n in names}
        labelled = by_method[names[0]].labelled
        cells = "".join(
            f"{f'{b.f1:.3f} ({b.precision:.2f}/{b.recall:.2f})':>24}" for b in by_method.values()
        )
        return f"{label:<34}{labelled:>9}{cells}"

    lines.append("per vessel / trip")
    units = list(dict.fromkeys((s.unit.data_set, s.unit.name) for s in scores))
    for ds, name in units:
        group = [s for s in scores if (s.unit.data_set, s.unit.name) == (ds, name)]
        gear = group[0].unit.gear or "-"
        lines.append(line(f"  {ds} {name} ({gear})", group))
    lines.append("per gear")
    for gear in sorted({s.unit.gear or "-" for s in scores}):
        lines.append(line(f"  {gear}", [s for s in scores if (s.unit.gear or "-") == gear]))
    lines.append("per set")
    for ds in dict.fromkeys(s.unit.data_set for s in scores):
        lines.append(line(f"  {ds}", [s for s in scores if s.unit.data_set == ds]))
    return "\n".join(lines)


def main() -> None:
    from bench.activity_sim import simulated_units

    real = [portuguese_small_scale(), scottish_creel()]
    ms = methods()
    wall, cpu = time.perf_counter(), time.process_time()
    scores = leave_one_out(real, ms)
    print(format_tables(scores, ms))
    print(f"real sets: {time.perf_counter() - wall:.2f} s wall, "
          f"{time.process_time() - cpu:.2f} s CPU (every method, every unit)")  # fmt: skip
    print()
    sim = simulated_units()
    print("simulated tracks (ground truth by construction; not data, see bench/activity_sim.py)")
    print(format_tables(leave_one_out([sim], ms), ms))


if __name__ == "__main__":
    main()
