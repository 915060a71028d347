"""What the store writes in one transaction."""

from __future__ import annotations

from dataclasses import dataclass, field

from mda.model import Alert, Position, VesselStatic, ZoneEvent, ZoneHour


@dataclass(slots=True)
class StoreBatch:
    """Records of one pipeline batch, written together or not at all."""

    positions: list[Position] = field(default_factory=list)
    statics: list[VesselStatic] = field(default_factory=list)
    zone_events: list[ZoneEvent] = field(default_factory=list)
    zone_hours: list[ZoneHour] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    # Fixes (among ``positions``) that came after their vessel had moved on: the zone events
    # of the stretch of track they fall in are put right once they are stored.
    late_fixes: list[Position] = field(default_factory=list)

    def joined(self, other: StoreBatch) -> StoreBatch:
        """This batch followed by ``other``, as one."""
        return StoreBatch(
            self.positions + other.positions,
            self.statics + other.statics,
            self.zone_events + other.zone_events,
            self.zone_hours + other.zone_hours,
            self.alerts + other.alerts,
            self.late_fixes + other.late_fixes,
        )

    def __len__(self) -> int:
        return (
            len(self.positions)
            + len(self.statics)
            + len(self.zone_events)
            + len(self.zone_hours)
            + len(self.alerts)
        )
