"""Which positions of a batch the store may write without wrecking itself (pure, no I/O).

Every new day of positions costs a partition (plain PostgreSQL) or a chunk (TimescaleDB):
catalog rows, locks held until commit, planning time on every later query. A receiver with a
bad clock can stamp each fix on a different day of the century; written as they come, 3,000 of
them took the server "out of shared memory" and wedged the writer. The core quarantines
implausible times first; this is the store's own defence, whatever reaches it:

- a day that already has its partition or chunk is always written (it costs nothing new);
- a new day is created when it lies near what is being written: the days the writer wrote
  recently, the day most of this batch falls on, and (live) today;
- a new day far from all of those is created when enough of the batch falls on it (a
  recording that jumps ahead; a clock stuck on one wrong day costs one partition, not one per
  fix), or, for a lone stray fix, while the writer's small allowance of such days lasts (a
  recording with one odd time keeps it; a clock spraying the century soon exhausts it);
- never more than ``max_new_days`` new days in one batch.

What is not written is set aside with its reason, never retried: good rows are not held back.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Final

from mda.model import Position

DAY_S: Final = 86_400.0

FAR_DAY: Final = "new day far from the days being written"
TOO_MANY_DAYS: Final = "too many new days in one batch"


@dataclass(frozen=True, slots=True)
class GuardSettings:
    """How far the store lets one batch reach."""

    window_days: int = 2  # new days this near an anchor day are created freely
    min_rows_far_day: int = 8  # rows a far day needs in one batch to get its partition
    max_new_days: int = 16  # new partitions or chunks in one batch, at most
    stray_days: int = 8  # lone far days a writer creates in its lifetime, at most


@dataclass(slots=True)
class Admission:
    """A batch's positions split into those to write and those set aside (with reasons)."""

    admitted: list[Position]
    set_aside: list[tuple[Position, str]] = field(default_factory=list)
    new_days: set[int] = field(default_factory=set)  # days since the epoch to create
    strays: int = 0  # of which lone far days (they use up the writer's allowance)


def day_of(t: float) -> int:
    """Days since 1970-01-01 (UTC) of an epoch time."""
    return int(t // DAY_S)


def day_label(day: int) -> str:
    """A day number as YYYY-MM-DD, for reasons a user reads."""
    return datetime.fromtimestamp(day * DAY_S, UTC).strftime("%Y-%m-%d")


def main_day(positions: Iterable[Position]) -> int | None:
    """The day most of these positions fall on (None without timed ones)."""
    days = Counter(day_of(p.time) for p in positions if p.time is not None)
    return days.most_common(1)[0][0] if days else None


def admit(
    positions: Sequence[Position],
    known_days: set[int],
    anchor_days: Iterable[int],
    settings: GuardSettings = GuardSettings(),
    strays_left: int = 0,
) -> Admission:
    """Decide which positions to write: see the module's rules. ``known_days``: days that
    already have a partition or chunk; ``anchor_days``: days recently written (and today, when
    live); ``strays_left``: lone far days still allowed. Positions without a time pass through
    (the writer does not store them anyway)."""
    per_day = Counter(day_of(p.time) for p in positions if p.time is not None)
    new = {d: n for d, n in per_day.items() if d not in known_days}
    if not new:
        return Admission(list(positions))
    anchors = set(anchor_days)
    main = per_day.most_common(1)[0][0]
    # The batch's own main day is an anchor when enough of it is there (or nothing else is).
    if per_day[main] >= settings.min_rows_far_day or not anchors:
        anchors.add(main)
    reach = settings.window_days

    def near(day: int) -> bool:
        return any(abs(day - a) <= reach for a in anchors)

    def distance(day: int) -> int:
        return min(abs(day - a) for a in anchors)

    candidates = [d for d, n in new.items() if near(d) or n >= settings.min_rows_far_day]
    strays = sorted((d for d in new if d not in candidates), key=lambda d: (distance(d), d))
    candidates += strays[:strays_left]
    # Near days first, then the busiest, then the nearest: what the cap cuts is the least
    # likely to be real.
    candidates.sort(key=lambda d: (not near(d), -new[d], distance(d), d))
    chosen = set(candidates[: settings.max_new_days])
    used = sum(1 for d in strays[:strays_left] if d in chosen)
    refused = {
        d: (FAR_DAY if d not in candidates else TOO_MANY_DAYS) for d in new if d not in chosen
    }
    if not refused:
        return Admission(list(positions), new_days=chosen, strays=used)
    out = Admission([], new_days=chosen, strays=used)
    for p in positions:
        reason = refused.get(day_of(p.time)) if p.time is not None else None
        if reason is None:
            out.admitted.append(p)
        else:
            out.set_aside.append((p, reason))
    return out
