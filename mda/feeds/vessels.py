"""What partner feeds know about each vessel: identity from static reports, and fix times.

Feeds decide on identity (IMO lists, ship types) and describe vessels (names for CoT), so they
keep the latest static fields of every vessel heard, merged across message types: a type 24
part A names the ship, part B gives its type and call sign, a type 5 gives everything.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from mda.model import VesselStatic


@dataclass(slots=True)
class VesselFacts:
    """The latest known identity of one vessel; None where never reported."""

    shipname: str | None = None
    callsign: str | None = None
    imo: int | None = None
    ship_type: int | None = None
    destination: str | None = None


class VesselRegistry:
    """Identity of every vessel heard, and the time of its latest fix (report intervals)."""

    def __init__(self) -> None:
        self.facts: dict[int, VesselFacts] = {}
        self._last_fix: dict[int, float] = {}
        self._last_heard: dict[int, float] = {}  # event time of its latest report of any kind

    def learn(self, statics: Iterable[VesselStatic]) -> None:
        """Merge a batch of static reports (later reports win, absent fields keep the old)."""
        for s in statics:
            if s.time is not None:
                self._last_heard[s.mmsi] = max(s.time, self._last_heard.get(s.mmsi, s.time))
            facts = self.facts.get(s.mmsi)
            if facts is None:
                facts = self.facts[s.mmsi] = VesselFacts()
            if s.shipname is not None:
                facts.shipname = s.shipname
            if s.callsign is not None:
                facts.callsign = s.callsign
            if s.imo is not None:
                facts.imo = s.imo
            if s.ship_type is not None:
                facts.ship_type = s.ship_type
            if s.destination is not None:
                facts.destination = s.destination

    def get(self, mmsi: int) -> VesselFacts | None:
        """What is known of a vessel, if anything."""
        return self.facts.get(mmsi)

    def interval(self, mmsi: int, time: float) -> float | None:
        """Seconds since the vessel's previous fix (None for its first, or a late fix); the
        fix becomes the latest when it is newer."""
        last = self._last_fix.get(mmsi)
        if last is None or time > last:
            self._last_fix[mmsi] = time
            self._last_heard[mmsi] = max(time, self._last_heard.get(mmsi, time))
        if last is None or time <= last:
            return None
        return time - last

    def evict(self, horizon: float) -> int:
        """Forget vessels not heard since ``horizon`` (event time); returns how many."""
        stale = [m for m, t in self._last_heard.items() if t < horizon]
        for m in stale:
            del self._last_heard[m]
            self.facts.pop(m, None)
            self._last_fix.pop(m, None)
        return len(stale)
