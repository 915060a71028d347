"""Replay pacing follows event time at the chosen speed (a fake clock: no real waiting)."""

from __future__ import annotations

from mda.runtime.pacing import EventPacer


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


async def test_an_hour_of_events_takes_six_minutes_at_speed_ten() -> None:
    fake = FakeClock()
    pacer = EventPacer(10.0, clock=fake.clock, sleep=fake.sleep)
    await pacer.wait_for(1_000.0)
    await pacer.wait_for(1_000.0 + 3600.0)
    assert fake.now == 100.0 + 360.0


async def test_no_wait_when_behind_or_without_time() -> None:
    fake = FakeClock()
    pacer = EventPacer(1.0, clock=fake.clock, sleep=fake.sleep)
    await pacer.wait_for(1_000.0)
    fake.now += 50  # processing fell behind
    await pacer.wait_for(1_010.0)
    await pacer.wait_for(None)
    await pacer.wait_for(900.0)  # time going backwards
    assert fake.slept == []
