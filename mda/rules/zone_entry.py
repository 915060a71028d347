"""Zone entry and exit: selected vessels entering or leaving configured zones.

Which vessels: the rule's ship types and flags, and optionally a list of its own (MMSI, IMO,
names or a CSV file, as the watch list takes them). The alert opens on entry (at the first
position inside) and clears on exit; zone events themselves are computed once for every zone
by the pipeline, so this rule only filters them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from mda.rules.base import BatchView, Detection, admits, vessel_label, zone_indices
from mda.rules.settings import RuleSpec, detector_params
from mda.rules.watchlist import WatchList, normal_name
from mda.tracks import Tracks
from mda.zones.index import ZoneIndex


@dataclass(frozen=True, slots=True)
class ZoneEntryParams:
    """Optional vessel list; empty means every vessel of the scope's types and flags."""

    mmsi: tuple[int, ...] = ()
    imo: tuple[int, ...] = ()
    names: tuple[str, ...] = ()
    file: str = ""
    exits: bool = True  # clear the alert when the vessel leaves (else it stays open until ack)


class ZoneEntryRule:
    """Reports entries of selected vessels into zones; ``detector = "zone_entry"``."""

    def __init__(self, spec: RuleSpec, index: ZoneIndex) -> None:
        self.scope = spec.scope
        self.params = p = detector_params(ZoneEntryParams, spec)
        self.zone_ids = {index.zones[i].id for i in zone_indices(index, self.scope.zones,
                                                                 spec.where)}  # fmt: skip
        self.zone_ids -= {
            index.zones[i].id for i in zone_indices(index, self.scope.exclude_zones, spec.where)
        }
        self.names = {z.id: z.name for z in index.zones}
        self.vessels = WatchList(p.mmsi, p.imo, p.names)
        if p.file:
            self.vessels.load_csv(spec.folder / p.file)

    def _selected(self, view: BatchView, m: int) -> bool:
        state = view.tracks.vessels.get(m)
        if state is None or not admits(self.scope, state):
            return False
        wl = self.vessels
        if not len(wl):
            return True
        return (
            m in wl.mmsi
            or (state.imo is not None and state.imo in wl.imo)
            or (state.shipname is not None and normal_name(state.shipname) in wl.names)
        )

    def observe(self, view: BatchView) -> list[Detection]:
        """Entries open, exits clear."""
        out = []
        for ev in view.zone_events:
            if ev.zone_id not in self.zone_ids or not self._selected(view, ev.mmsi):
                continue
            entered = ev.event == "enter"
            if not entered and not self.params.exits:
                continue
            state = view.tracks.vessels[ev.mmsi]
            name = self.names[ev.zone_id]
            verb = "entered" if entered else "left"
            out.append(
                Detection(
                    rule=self.scope.name, mmsi=ev.mmsi, zone_id=ev.zone_id, time=ev.time,
                    active=entered, severity=self.scope.severity, started=ev.time,
                    message=f"{vessel_label(state)} {verb} {name}",
                    evidence={"event": ev.event, "zone_name": name},
                    lat=ev.lat, lon=ev.lon,
                )
            )  # fmt: skip
        return out

    def tick(self, watermark: float, tracks: Tracks) -> list[Detection]:
        """Nothing is timed."""
        return []

    def forget(self, mmsis: Iterable[int]) -> None:
        """No per-vessel state."""
