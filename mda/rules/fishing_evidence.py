"""Strong evidence of fishing, for vessels that say they are not fishing vessels.

A fishing event (GFW's rules: fishing positions joined across gaps of 1 h and 2 km) is enough
evidence for a fishing vessel, whose AIS type already says it fishes. For a cargo ship or a
tanker it is not: a merchant ship that stops and drifts for an hour (waiting for a berth, an
escort, or on engine trouble in the Gulf of Aden) slows down, swings round on the current and
speeds up again, and those turns at the ends of its drift read as a few minutes of fishing
that GFW's joining rule stretches into an hour's "event". Issue 17 asks for strong evidence
there, so ``fishing_type_mismatch`` also wants the movement of worked gear inside the event:

- **working speed**: only the event's steps (from its first fishing position to its last,
  the straight tows between turns included) at an implied speed from ``working_min_kn`` up to
  ``working_max_kn`` count. The floor, 2 kn, is GFW's loitering threshold (DETECTIONS.md):
  slower is what a drifting or loitering ship does; a trawl is towed at 2-5 kn (FAO), and the
  ceiling is the classifier's, above which a vessel is in transit;
- **sustained**: at least ``min_working_minutes`` and ``min_working_km`` of such steps, the
  bulk of the rule's hour-long minimum event (a tow back and forth turns at lower speed at its
  ends; an hour at 2 kn is 3.7 km);
- **repeated turning**: the working track's heading, measured on chords of at least
  ``chord_m`` (so that GPS scatter and a slow swing do not count), turns through at least
  ``min_turning_degrees`` in all: the two ends of a tow back and forth, the circle of a purse
  seine, the legs of a zig-zag or search pattern. A straight passage at working speed does not.

So a stopped or drifting merchant ship never qualifies, while a vessel of any type that tows
gear back and forth for an hour does. The figures go into the alert's evidence. Pure and
deterministic: the same track gives the same figures.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from mda.activity.motion import Floats, great_circle_m
from mda.geo import KNOT_MS, bearing, distance_m

Mask = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class StrongEvidenceParams:
    """What an apparent fishing event of a non-fishing vessel must also show."""

    working_min_kn: float = 2.0
    working_max_kn: float = 5.5  # the classifier's fishing_max_kn: faster is transit
    min_working_minutes: float = 45.0
    min_working_km: float = 3.0
    min_turning_degrees: float = 300.0
    chord_m: float = 250.0
    # A step longer than this (a reception gap) tells neither speed nor course.
    max_step_minutes: float = 10.0
    # Turning between two chords further apart than this (a stop between two tows, a drift)
    # is not a manoeuvre.
    max_turn_minutes: float = 15.0


STRONG = StrongEvidenceParams()


@dataclass(frozen=True, slots=True)
class WorkingEvidence:
    """How a fishing event's positions moved: time and distance at working speed, and how far
    the working track turned in all."""

    minutes: float
    km: float
    turning_degrees: float

    def strong(self, p: StrongEvidenceParams) -> bool:
        """Whether this is strong evidence of fishing under ``p``."""
        return (
            self.minutes >= p.min_working_minutes
            and self.km >= p.min_working_km
            and self.turning_degrees >= p.min_turning_degrees
        )

    def fields(self) -> dict[str, object]:
        """The figures as alert evidence."""
        return {
            "working_minutes": round(self.minutes),
            "working_km": round(self.km, 2),
            "turning_degrees": round(self.turning_degrees),
        }


def working_evidence(
    time: Floats, lat: Floats, lon: Floats, p: StrongEvidenceParams
) -> WorkingEvidence:
    """The working movement of a stretch of track (an event's positions, sorted by time): its
    steps no longer than ``max_step_minutes`` at an implied speed in the working band."""
    n = len(time)
    if n < 2:
        return WorkingEvidence(0.0, 0.0, 0.0)
    step_s = np.diff(time)
    step_m = great_circle_m(lat[:-1], lon[:-1], lat[1:], lon[1:])
    with np.errstate(divide="ignore", invalid="ignore"):
        step_kn = np.where(step_s > 0, step_m / step_s / KNOT_MS, 0.0)
    working = (
        (step_s > 0)
        & (step_s <= p.max_step_minutes * 60.0)
        & (step_kn >= p.working_min_kn)
        & (step_kn < p.working_max_kn)
    )
    minutes = float(step_s[working].sum()) / 60.0
    km = float(step_m[working].sum()) / 1000.0
    return WorkingEvidence(minutes, km, _turning(time, lat, lon, working, p))


def _turning(time: Floats, lat: Floats, lon: Floats, working: Mask, p: StrongEvidenceParams
             ) -> float:  # fmt: skip
    """Degrees the working track turned in all: its positions (ends of working steps) are
    joined into chords of at least ``chord_m`` (none across a silence or a stretch of slower
    movement longer than ``max_step_minutes``), and the heading change from each chord to the
    next is summed when they are no more than ``max_turn_minutes`` apart."""
    ends = np.zeros(len(time), dtype=bool)
    ends[:-1] |= working
    ends[1:] |= working
    at = np.flatnonzero(ends).tolist()
    total = 0.0
    if len(at) < 3:
        return total
    anchor = last = at[0]
    previous: tuple[float, float] | None = None  # heading and end time of the last chord
    for i in at[1:]:
        if time[i] - time[last] > p.max_step_minutes * 60.0:
            anchor = i  # no chord across it; the turn across it may still count
        last = i
        a = float(lat[anchor]), float(lon[anchor])
        b = float(lat[i]), float(lon[i])
        if distance_m(*a, *b) < p.chord_m:
            continue
        heading = bearing(*a, *b)
        if previous is not None and time[anchor] - previous[1] <= p.max_turn_minutes * 60.0:
            total += abs((heading - previous[0] + 180.0) % 360.0 - 180.0)
        previous = heading, float(time[i])
        anchor = i
    return total
