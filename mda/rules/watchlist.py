"""Watch list: any sighting of a listed vessel, by MMSI, IMO number or name.

A vessel is listed by its MMSI, or becomes listed when its static report gives a listed IMO
number or name (names compared in upper case with runs of spaces folded, as AIS sends them).
The alert opens at the first sighting and clears when the vessel has not been heard for
``clear_after_hours``; the next sighting is a new alert.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mda.rules.base import BatchView, Detection, admits, ended_unheard, vessel_label
from mda.rules.settings import RuleSpec, detector_params
from mda.settings.vessel_lists import read_vessel_rows
from mda.tracks import Tracks
from mda.zones.index import ZoneIndex
from mda.zones.model import Zone


def normal_name(name: str) -> str:
    """A vessel name as compared: upper case, single spaces, no padding."""
    return " ".join(name.upper().split())


@dataclass(frozen=True, slots=True)
class WatchParams:
    """The list (inline and/or a CSV file with columns mmsi, imo, name, reason)."""

    mmsi: tuple[int, ...] = ()
    imo: tuple[int, ...] = ()
    names: tuple[str, ...] = ()
    file: str = ""
    clear_after_hours: float = 6.0


class WatchList:
    """Listed MMSIs, IMO numbers and names, with why each is listed."""

    def __init__(self, mmsi: Iterable[int] = (), imo: Iterable[int] = (),
                 names: Iterable[str] = ()) -> None:  # fmt: skip
        self.mmsi: dict[int, str] = dict.fromkeys(mmsi, "")
        self.imo: dict[int, str] = dict.fromkeys(imo, "")
        self.names: dict[str, str] = {normal_name(n): "" for n in names}

    def __len__(self) -> int:
        return len(self.mmsi) + len(self.imo) + len(self.names)

    def load_csv(self, path: Path) -> None:
        """Add the entries of a CSV file: columns mmsi, imo, name and reason, read by the
        rules of :mod:`mda.settings.vessel_lists` (an empty or ``NA`` cell gives nothing; a
        row must name a vessel)."""
        for row in read_vessel_rows(path, "watch list", with_names=True):
            if row.mmsi is not None:
                self.mmsi[row.mmsi] = row.reason
            if row.imo is not None:
                self.imo[row.imo] = row.reason
            if row.name is not None:
                self.names[normal_name(row.name)] = row.reason


class WatchListRule:
    """Detects sightings of listed vessels; ``detector = "watch_list"``."""

    def __init__(self, spec: RuleSpec, index: ZoneIndex) -> None:
        self.scope = spec.scope
        self.params = p = detector_params(WatchParams, spec)
        self.watch_list = WatchList(p.mmsi, p.imo, p.names)
        if p.file:
            self.watch_list.load_csv(spec.folder / p.file)
        self.listed = dict(self.watch_list.mmsi)  # MMSI -> what it is listed by
        for m in self.listed:
            self.listed[m] = f"MMSI {m}"
        self.seen: dict[int, float] = {}  # listed vessels with an open sighting: last time

    def observe(self, view: BatchView) -> list[Detection]:
        """List vessels by their statics, then report first sightings."""
        for s in view.statics:
            if s.mmsi in self.listed:
                continue
            if s.imo is not None and s.imo in self.watch_list.imo:
                self.listed[s.mmsi] = f"IMO {s.imo}"
            elif s.shipname is not None and normal_name(s.shipname) in self.watch_list.names:
                self.listed[s.mmsi] = f"name {normal_name(s.shipname)}"
        fx = view.fixes
        if not self.listed:
            return []
        out: list[Detection] = []
        if len(fx):
            listed = np.fromiter(self.listed, dtype=np.int64, count=len(self.listed))
            rows = np.flatnonzero(np.isin(fx.mmsi, listed) & ~fx.late)
            for row in rows.tolist():
                m, t = int(fx.mmsi[row]), float(fx.time[row])
                first = m not in self.seen
                self.seen[m] = t
                if first and admits(self.scope, view.state(m)):
                    lat, lon = view.point(row)
                    out.append(self._sighting(m, t, lat, lon, view.zones_of(row), view))
        for p in view.untracked:
            # Heard with a time that cannot be trusted: a sighting all the same, at the event
            # time reached.
            if p.mmsi not in self.listed or p.lat is None or p.lon is None:
                continue
            state = view.tracks.vessels.get(p.mmsi)
            first = p.mmsi not in self.seen
            self.seen[p.mmsi] = max(self.seen.get(p.mmsi, view.watermark), view.watermark)
            if first and state is not None and admits(self.scope, state):
                zones = view.index.locate([p.lon], [p.lat]).zone.tolist()
                here = [view.index.zones[z] for z in zones if z < len(view.index.zones)]
                out.append(self._sighting(p.mmsi, view.watermark, p.lat, p.lon, here, view))
        return out

    def _sighting(
        self, m: int, t: float, lat: float, lon: float, found: list[Zone], view: BatchView
    ) -> Detection:
        by = self.listed[m]
        reason = self._reason(m, view)
        zones = [z.name for z in found if z.kind in ("sea", "eez", "custom")]
        where = f" in {zones[0]}" if zones else ""
        return Detection(
            rule=self.scope.name, mmsi=m, zone_id=None, time=t, active=True,
            severity=self.scope.severity, started=t,
            message=f"watch-listed {vessel_label(view.state(m))} sighted{where} (listed by {by})",
            evidence={"listed_by": by, "reason": reason, "zones": zones},
            lat=lat, lon=lon,
        )  # fmt: skip

    def _reason(self, m: int, view: BatchView) -> str:
        state = view.state(m)
        wl = self.watch_list
        for reason in (
            wl.mmsi.get(m),
            wl.imo.get(state.imo) if state.imo is not None else None,
            wl.names.get(normal_name(state.shipname)) if state.shipname else None,
        ):
            if reason:
                return reason
        return ""

    def tick(self, watermark: float, tracks: Tracks) -> list[Detection]:
        """A listed vessel unheard for a while: its sighting ends."""
        horizon = watermark - self.params.clear_after_hours * 3600.0
        return ended_unheard(self.seen, horizon, self.scope, watermark,
                             "watch-listed vessel no longer heard")  # fmt: skip

    def forget(self, mmsis: Iterable[int]) -> None:
        """Evicted vessels keep their listing (it comes from the list, not from state)."""
