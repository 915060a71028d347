"""Which days the store lets a batch create (pure rules, no database)."""

from __future__ import annotations

from mda.model import Position
from mda.store.guard import FAR_DAY, TOO_MANY_DAYS, GuardSettings, admit, day_of

DAY = 86_400.0
TODAY = 1_767_225_600.0 + 3600.0  # 2026-01-01 01:00


def fix(t: float, mmsi: int = 211_000_001) -> Position:
    return Position(t, mmsi, 1, 54.0, 10.0, 5.0, 90.0, 90, 0, 0.0, True, "rx")


def test_live_new_days_near_today_are_created_and_a_lone_far_one_is_not() -> None:
    batch = [fix(TODAY), fix(TODAY + DAY), fix(TODAY - 40 * 365 * DAY)]
    out = admit(batch, set(), [day_of(TODAY)], strays_left=0)
    assert out.new_days == {day_of(TODAY), day_of(TODAY + DAY)}
    assert [(p.time, r) for p, r in out.set_aside] == [(TODAY - 40 * 365 * DAY, FAR_DAY)]


def test_existing_partitions_are_always_written() -> None:
    old = TODAY - 3000 * DAY
    out = admit([fix(old)], {day_of(old)}, [day_of(TODAY)])
    assert out.set_aside == [] and out.new_days == set()


def test_a_far_day_with_many_rows_is_a_recording_moving_on() -> None:
    later = TODAY + 45 * DAY
    batch = [fix(TODAY)] * 20 + [fix(later + i, 211_000_002 + i) for i in range(8)]
    out = admit(batch, set(), [day_of(TODAY)])
    assert day_of(later) in out.new_days and not out.set_aside


def test_a_batch_never_creates_more_than_its_share_of_days() -> None:
    settings = GuardSettings(max_new_days=3, min_rows_far_day=1)
    batch = [fix(TODAY + i * 30 * DAY) for i in range(10)]
    out = admit(batch, set(), [day_of(TODAY)], settings)
    assert len(out.new_days) == 3
    assert {r for _, r in out.set_aside} == {TOO_MANY_DAYS}
    assert len(out.set_aside) == 7


def test_the_stray_allowance_is_spent_on_the_nearest_lone_days() -> None:
    batch = [fix(TODAY)] * 10 + [fix(TODAY + d * DAY) for d in (400, 100, 9000)]
    out = admit(batch, set(), [], strays_left=1)
    assert out.strays == 1
    assert day_of(TODAY + 100 * DAY) in out.new_days
    assert len(out.set_aside) == 2
