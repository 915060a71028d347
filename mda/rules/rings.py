"""Vessels whose positions circle a fixed centre: the ring sign of GNSS spoofing.

Only vessels whose reported course keeps turning are followed (a course change of
``TURN_DEG`` or more at ``MIN_SOG_KN`` or more admits one; ``PATIENCE_S`` without such a turn
drops it). Once the course has turned ``PROMOTE_DEG`` one way, a point is kept every
``window / POINTS`` seconds with the course and heading turned so far. When the course has
turned ``min_turns`` full turns within the window, a circle is fitted to the points (Kasa's
algebraic least squares: one 3x3 solve). A ring is a radius in range, a small spread about
it, positions that themselves go round the centre as many times (a gentle bend fits a big
circle too), and a heading that did not turn with the course (a ship really circling turns
its bow; a moored ship under a spoofer does not). Heading unknown (many Class B transponders
send none) leaves only the geometry, which is still reported.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from mda.tracks import TrackBatch

Floats = npt.NDArray[np.float64]
Mask = npt.NDArray[np.bool_]

TURN_DEG: Final = 5.0
MIN_SOG_KN: Final = 1.0
POINTS: Final = 120  # kept per window
PATIENCE_S: Final = 900.0
# The bow must turn less than this share of the course for the circling to be "without
# turning its bow".
HEADING_SHARE: Final = 0.5
# Points are kept only once the course has turned this far one way: a ship that alters course
# once, or whose course jitters, costs a float, not a buffer.
PROMOTE_DEG: Final = 90.0
SAME_CENTRE_M: Final = 2000.0


@dataclass(slots=True)
class Ring:
    """A ring found: where, how big, how regular, and the vessels sharing its centre."""

    time: float
    started: float
    centre_lat: float
    centre_lon: float
    radius_m: float
    spread: float
    turns: float
    heading_turn_deg: float | None
    fixes: int
    others: list[int] = field(default_factory=list)

    def evidence(self) -> dict[str, Any]:
        """The measurements behind the ring, units in the names."""
        return {
            "centre_lat": round(self.centre_lat, 5), "centre_lon": round(self.centre_lon, 5),
            "radius_m": round(self.radius_m), "spread_fraction": round(self.spread, 3),
            "course_turns": round(self.turns, 2),
            "heading_turn_deg": None if self.heading_turn_deg is None
            else round(self.heading_turn_deg),
            "fixes": self.fixes, "other_mmsis_on_rings_round_it": self.others,
        }  # fmt: skip


class _Turning:
    """A turning vessel's recent points and how far its course and heading have turned."""

    __slots__ = ("course", "heading", "heading_known", "last_turn", "points", "ring")

    def __init__(self) -> None:
        # Columns: time, lat, lon, course turned so far, heading turned so far, heading known;
        # None while on probation (the course has not yet turned PROMOTE_DEG one way).
        self.points: Floats | None = None
        self.course = 0.0
        self.heading = 0.0
        self.heading_known = 0.0
        self.last_turn = -math.inf
        self.ring: Ring | None = None


def fit_circle(x: Floats, y: Floats) -> tuple[float, float, float, float]:
    """Centre, radius and RMS distance from the circle of points in a plane (Kasa)."""
    a = np.column_stack([2.0 * x, 2.0 * y, np.ones(len(x))])
    (cx, cy, c), *_ = np.linalg.lstsq(a, x * x + y * y, rcond=None)
    r = math.sqrt(max(c + cx * cx + cy * cy, 0.0))
    rms = float(np.sqrt(np.mean((np.hypot(x - cx, y - cy) - r) ** 2)))
    return float(cx), float(cy), r, rms


class RingFinder:
    """Follows turning vessels and finds those circling a fixed centre."""

    def __init__(self, min_turns: float, min_radius_m: float, max_radius_m: float,
                 max_spread: float, min_fixes: int, window_s: float) -> None:  # fmt: skip
        self.min_turns, self.min_radius_m, self.max_radius_m = min_turns, min_radius_m, max_radius_m
        self.max_spread, self.min_fixes, self.window_s = max_spread, min_fixes, window_s
        self.turning: dict[int, _Turning] = {}

    def observe(self, fx: TrackBatch, scope: Mask) -> list[tuple[int, Ring]]:
        """Follow the batch's turning vessels; the rings newly found."""
        timely = scope & ~fx.late
        turns = timely & (np.abs(fx.course_turn) >= TURN_DEG) & (fx.sog >= MIN_SOG_KN)
        for m in np.unique(fx.mmsi[turns]).tolist():
            self.turning.setdefault(m, _Turning())
        if not self.turning:
            return []
        followed = np.fromiter(self.turning, dtype=np.int64, count=len(self.turning))
        rows = np.flatnonzero(np.isin(fx.mmsi, followed) & timely)
        if not len(rows):
            return []
        found = []
        mmsi = fx.mmsi[rows]
        starts = np.flatnonzero(np.r_[True, mmsi[1:] != mmsi[:-1]])
        ends = np.r_[starts[1:], len(rows)]
        # Probation in one vectorised step: each vessel's net turn and latest turning fix.
        net = np.add.reduceat(np.nan_to_num(fx.course_turn[rows]), starts).tolist()
        turned = np.maximum.reduceat(np.where(turns[rows], fx.time[rows], -np.inf), starts)
        for i, (s, e) in enumerate(zip(starts.tolist(), ends.tolist(), strict=True)):
            m = int(mmsi[s])
            v = self.turning[m]
            v.last_turn = max(v.last_turn, float(turned[i]))
            if v.points is None:
                v.course += net[i]
                if abs(v.course) < PROMOTE_DEG:
                    continue
                v.points, v.course = np.zeros((0, 6)), 0.0
            self._add(v, fx, rows[s:e])
            if v.ring is None:
                ring = self._ring(v)
                if ring is not None:
                    ring.others = self._sharing_centre(m, ring)
                    v.ring = ring
                    found.append((m, ring))
        return found

    def _add(self, v: _Turning, fx: TrackBatch, k: npt.NDArray[np.int64]) -> None:
        assert v.points is not None
        course = np.nan_to_num(fx.course_turn[k])
        heading_known = np.isfinite(fx.heading_turn[k])
        heading = np.where(heading_known, fx.heading_turn[k], 0.0)
        cum_course = v.course + np.cumsum(course)
        cum_heading = v.heading + np.cumsum(heading)
        cum_known = v.heading_known + np.cumsum(heading_known)
        v.course, v.heading = float(cum_course[-1]), float(cum_heading[-1])
        v.heading_known = float(cum_known[-1])
        t = fx.time[k]
        spacing = self.window_s / POINTS
        bucket = np.floor(t / spacing)
        keep = np.r_[True, bucket[1:] != bucket[:-1]]
        if len(v.points):
            keep &= bucket > math.floor(v.points[-1, 0] / spacing)
        new = np.column_stack([t, fx.lat[k], fx.lon[k], cum_course, cum_heading, cum_known])
        points = np.vstack([v.points, new[keep]])
        v.points = points[points[:, 0] >= t[-1] - self.window_s]

    def _ring(self, v: _Turning) -> Ring | None:
        pts = v.points
        if pts is None or len(pts) < self.min_fixes:
            return None
        course_turn = pts[-1, 3] - pts[0, 3]
        turns = abs(course_turn) / 360.0
        if turns < self.min_turns:
            return None
        lat0, lon0 = float(pts[:, 1].mean()), float(pts[:, 2].mean())
        x = (pts[:, 2] - lon0) * 111_320.0 * math.cos(math.radians(lat0))
        y = (pts[:, 1] - lat0) * 110_574.0
        cx, cy, r, rms = fit_circle(x, y)
        if not self.min_radius_m <= r <= self.max_radius_m or rms > self.max_spread * r:
            return None
        # The positions themselves must go round the centre, as often as the course says: a
        # gentle bend fits a big circle too, and a noisy course adds up to turns.
        bearing = np.arctan2(y - cy, x - cx)
        swept = abs(float(np.sum(np.angle(np.exp(1j * np.diff(bearing)))))) / (2 * math.pi)
        if swept < self.min_turns:
            return None
        known = pts[-1, 5] - pts[0, 5]
        heading_turn = None
        if known >= 0.5 * len(pts):
            heading_turn = float(pts[-1, 4] - pts[0, 4])
            if abs(heading_turn) >= HEADING_SHARE * abs(course_turn):
                return None  # the bow turns with the course: a ship really circling
        return Ring(
            time=float(pts[-1, 0]), started=float(pts[0, 0]),
            centre_lat=lat0 + cy / 110_574.0,
            centre_lon=lon0 + cx / (111_320.0 * math.cos(math.radians(lat0))),
            radius_m=r, spread=rms / r if r else 0.0, turns=min(turns, swept),
            heading_turn_deg=heading_turn, fixes=len(pts),
        )  # fmt: skip

    def _sharing_centre(self, m: int, ring: Ring) -> list[int]:
        out = []
        for other, v in self.turning.items():
            if other == m or v.ring is None:
                continue
            dy = (v.ring.centre_lat - ring.centre_lat) * 110_574.0
            dx = (
                (v.ring.centre_lon - ring.centre_lon)
                * 111_320.0
                * math.cos(math.radians(ring.centre_lat))
            )
            if math.hypot(dx, dy) <= SAME_CENTRE_M:
                out.append(other)
        return sorted(out)

    def ended(self, watermark: float) -> Iterator[tuple[int, Ring]]:
        """Vessels that stopped turning are dropped; yields those that had a ring."""
        for m in [m for m, v in self.turning.items() if v.last_turn < watermark - PATIENCE_S]:
            v = self.turning.pop(m)
            if v.ring is not None:
                yield m, v.ring

    def forget(self, mmsis: Iterable[int]) -> None:
        """Drop evicted vessels."""
        for m in mmsis:
            self.turning.pop(m, None)
