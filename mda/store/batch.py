"""What the store writes in one transaction."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

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

    def store_batch(self) -> StoreBatch:
        """The records to write (the same lists), without what a subclass carries besides."""
        return StoreBatch(*(getattr(self, name) for name in _RECORDS))

    def joined(self, other: StoreBatch) -> StoreBatch:
        """This batch followed by ``other``, as one."""
        return StoreBatch(*(getattr(self, name) + getattr(other, name) for name in _RECORDS))

    def extend(self, other: StoreBatch) -> None:
        """Add another batch's records after this one's."""
        for name in _RECORDS:
            getattr(self, name).extend(getattr(other, name))

    def __len__(self) -> int:
        return (
            len(self.positions)
            + len(self.statics)
            + len(self.zone_events)
            + len(self.zone_hours)
            + len(self.alerts)
        )


_RECORDS = tuple(f.name for f in fields(StoreBatch))
