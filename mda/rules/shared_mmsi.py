"""Shared MMSI: one number transmitted from two places at once.

Vessel state already keeps such a vessel's fixes apart: a fix no plausible speed (25 kn, GFW)
could have reached from the last one opens a second segment, and later fixes continue the
segment they fit. Two transmitters on one number then show as two segments that stay alive
*alternately*: within ``window_minutes`` each gets ``min_fixes`` fixes or more and the reports
switch between them ``min_switches`` times or more. One jump is not enough: a vessel relocated
by a bad fix, or a one-off wild position, never switches back and forth.

Only vessels that jumped are looked at (a few per feed), so the rule costs nothing for the
rest. Invalid MMSIs (0, 123456789 ...) are left out: they are shared by definition, and
``invalid_mmsi`` reports them. The alert clears when, for a whole window, the two have not
both been heard.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from mda.geo import distance_m
from mda.rules.anywhere import Where
from mda.rules.base import BatchView, Detection, admits, vessel_label
from mda.rules.mmsi import classify_mmsi
from mda.rules.settings import RuleSpec, detector_params
from mda.tracks import Tracks
from mda.zones.index import ZoneIndex


@dataclass(frozen=True, slots=True)
class SharedMmsiParams:
    """How alternately two segments must be heard (terrestrial reception: minutes)."""

    window_minutes: float = 30.0
    min_fixes: int = 3
    min_switches: int = 3


class _Pair:
    """Recent fixes of a vessel that has more than one segment: by segment, and the switches."""

    __slots__ = ("active", "last_segment", "seen", "started", "switches")

    def __init__(self, segment: int) -> None:
        self.seen: dict[int, deque[float]] = {}  # segment -> times of its recent fixes
        self.switches: deque[float] = deque()
        self.last_segment = segment
        self.active = False
        self.started = 0.0

    def add(self, segment: int, time: float, keep: int) -> None:
        if segment != self.last_segment:
            self.switches.append(time)
            self.last_segment = segment
        times = self.seen.setdefault(segment, deque(maxlen=keep))
        times.append(time)

    def trim(self, since: float) -> None:
        while self.switches and self.switches[0] < since:
            self.switches.popleft()
        for seg in list(self.seen):
            times = self.seen[seg]
            while times and times[0] < since:
                times.popleft()
            if not times:
                del self.seen[seg]

    def busy(self, min_fixes: int) -> list[int]:
        """Segments with at least ``min_fixes`` recent fixes, most recently heard first."""
        found = [s for s, times in self.seen.items() if len(times) >= min_fixes]
        return sorted(found, key=lambda s: -self.seen[s][-1])


class SharedMmsiRule:
    """Detects one MMSI heard from two places at once; ``detector = "shared_mmsi"``."""

    def __init__(self, spec: RuleSpec, index: ZoneIndex) -> None:
        self.scope = spec.scope
        self.params = detector_params(SharedMmsiParams, spec)
        self.where = Where(self.scope, index, spec.where)
        self.pairs: dict[int, _Pair] = {}

    def observe(self, view: BatchView) -> list[Detection]:
        """Follow the vessels that jumped; report those whose segments alternate."""
        fx = view.fixes
        if not len(fx):
            return []
        jumped = fx.jumped & self.where.mask(view)
        for m in np.unique(fx.mmsi[jumped]).tolist():
            if m not in self.pairs and not classify_mmsi(m).invalid:
                self.pairs[m] = _Pair(-1)
        if not self.pairs:
            return []
        p = self.params
        window_s = p.window_minutes * 60.0
        keep = max(p.min_fixes, 2)
        followed = np.fromiter(self.pairs, dtype=np.int64, count=len(self.pairs))
        rows = np.flatnonzero(np.isin(fx.mmsi, followed) & ~fx.late)
        touched: dict[int, None] = {}
        for k, m, seg, t in zip(rows.tolist(), fx.mmsi[rows].tolist(), fx.segment[rows].tolist(),
                                fx.time[rows].tolist(), strict=True):  # fmt: skip
            pair = self.pairs[m]
            if pair.last_segment < 0:
                # Followed from its jump: the fix before it was in another segment.
                pair.last_segment = seg if not fx.jumped[k] else -2
            pair.add(seg, t, keep)
            touched[m] = None
        out = []
        for m in touched:
            pair = self.pairs[m]
            pair.trim(view.watermark - window_s)
            busy = pair.busy(p.min_fixes)
            if pair.active or len(busy) < 2 or len(pair.switches) < p.min_switches:
                continue
            state = view.tracks.vessels.get(m)
            if state is None or not admits(self.scope, state):
                continue
            found = self._detection(m, busy[0], busy[1], pair, view.tracks)
            if found is not None:
                pair.active, pair.started = True, found.started
                out.append(found)
        return out

    def _detection(self, m: int, a: int, b: int, pair: _Pair, tracks: Tracks) -> Detection | None:
        state = tracks.vessels[m]
        segments = {s.id: s for s in state.segments}
        if a not in segments or b not in segments:
            return None
        one, two = segments[a], segments[b]
        km = distance_m(one.lat, one.lon, two.lat, two.lon) / 1000.0
        hours = abs(one.time - two.time) / 3600.0
        started = min(pair.seen[a][0], pair.seen[b][0])
        return Detection(
            rule=self.scope.name, mmsi=m, zone_id=None, time=max(one.time, two.time),
            active=True, severity=self.scope.severity, started=started,
            message=(f"{vessel_label(state)} heard from two places {km / 1.852:.0f} nm apart "
                     f"at once: apparently two transmitters share the MMSI"),
            evidence={
                "distance_nm": round(km / 1.852, 1),
                "seconds_between_reports": round(hours * 3600.0, 1),
                "implied_speed_knots": None if hours == 0 else round(km / 1.852 / hours),
                "first_lat": round(one.lat, 5), "first_lon": round(one.lon, 5),
                "second_lat": round(two.lat, 5), "second_lon": round(two.lon, 5),
                "first_recent_fixes": len(pair.seen[a]), "second_recent_fixes": len(pair.seen[b]),
                "switches": len(pair.switches),
            },
            lat=one.lat, lon=one.lon,
        )  # fmt: skip

    def tick(self, watermark: float, tracks: Tracks) -> list[Detection]:
        """A pair not both heard for a whole window has ended; quiet ones are dropped."""
        p = self.params
        since = watermark - p.window_minutes * 60.0
        out = []
        for m in list(self.pairs):
            pair = self.pairs[m]
            pair.trim(since)
            if pair.switches and (len(pair.seen) >= 2 or not pair.active):
                continue
            del self.pairs[m]
            if pair.active:
                out.append(
                    Detection(
                        rule=self.scope.name, mmsi=m, zone_id=None, time=watermark,
                        active=False, severity=self.scope.severity, started=pair.started,
                        message="the MMSI is no longer heard from two places",
                    )
                )  # fmt: skip
        return out

    def forget(self, mmsis: Iterable[int]) -> None:
        """Evicted vessels are no longer followed."""
        for m in mmsis:
            self.pairs.pop(m, None)
