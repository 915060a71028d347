"""What the writer refuses to write, and what it does with it: the store's own defence.

Positions that would make the store create partitions it must not (``guard``) and records
the database refused for their data (``splitting``) are set aside here: counted by reason and
kept in the rejects file, never retried, never holding back the rows around them.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from mda.store.batch import StoreBatch
from mda.store.guard import GuardSettings, admit, day_label, day_of, main_day
from mda.store.rejects import RejectsFile
from mda.store.splitting import reason_of, single

log = logging.getLogger("mda.store")


class StoreDefence:
    """The days a writer knows, the days it writes, and what it has set aside."""

    def __init__(
        self,
        guard: GuardSettings | None = None,
        clock: Callable[[], float] | None = None,
        reasons: dict[str, int] | None = None,
    ) -> None:
        """``clock``: the wall clock of a live service (new days are welcome around today);
        ``reasons``: where set-aside records are counted, by reason (the writer's counts)."""
        self.guard = guard or GuardSettings()
        self.clock = clock
        self.rejects = RejectsFile(None)
        self.reasons = reasons if reasons is not None else {}
        self.known_days: set[int] = set()  # days that have their partition or chunk
        self._recent_days: deque[int] = deque(maxlen=4)
        self._strays_left = self.guard.stray_days

    def admit(self, batch: StoreBatch) -> StoreBatch:
        """The batch without the positions that would make the store create partitions it
        must not; those are set aside."""
        anchors = list(self._recent_days)
        if self.clock is not None:
            anchors.append(day_of(self.clock()))
        admission = admit(batch.positions, self.known_days, anchors, self.guard,
                          self._strays_left)  # fmt: skip
        # Used up at once, committed or not: a batch retried from the spool asks again.
        self._strays_left -= admission.strays
        if not admission.set_aside:
            return batch
        days = sorted({day_of(p.time) for p, _ in admission.set_aside if p.time is not None})
        log.warning(
            "set aside %d positions on %d days far from what is being written (%s ... %s)",
            len(admission.set_aside), len(days), day_label(days[0]), day_label(days[-1]),
        )  # fmt: skip
        self.keep("position", [(p, r) for p, r in admission.set_aside])
        dropped = {(p.mmsi, p.time) for p, _ in admission.set_aside}
        late = [p for p in batch.late_fixes if (p.mmsi, p.time) not in dropped]
        return replace(batch, positions=admission.admitted, late_fixes=late)

    def written(self, batch: StoreBatch) -> None:
        """A batch is committed: its main day is one the writer now writes."""
        day = main_day(batch.positions)
        if day is not None and day not in self._recent_days:
            self._recent_days.append(day)

    def refused(self, piece: StoreBatch, exc: BaseException, detail: str) -> None:
        """Set aside the records of a piece the database keeps refusing."""
        reason = reason_of(exc)
        if len(piece) > 1:
            log.error("set aside %d records the database keeps refusing: %s", len(piece), detail)
        for name in ("positions", "statics", "zone_events", "zone_hours", "alerts"):
            records = getattr(piece, name)
            if records:
                kind, _ = single(replace(StoreBatch(), **{name: records[:1]}))
                self.keep(kind, [(r, reason) for r in records], detail)

    def keep(self, kind: str, records: list[tuple[Any, str]], detail: str = "") -> None:
        """Count and keep set-aside records, each with its reason."""
        self.rejects.keep(kind, records, detail)
        for _, reason in records:
            self.reasons[reason] = self.reasons.get(reason, 0) + 1
