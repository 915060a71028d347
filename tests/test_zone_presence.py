"""Zone events and zone hours from the pipeline."""

from __future__ import annotations

from mda.model import ZoneHour
from tests.rule_kit import T0, end_of, fix, leg, pipeline

M = 636_000_008


def crossing() -> list:
    """From west of the test sea into it (10 E), then back out."""
    track = leg(M, T0, 1.0, 9.9, 90, 12, 60)
    t, lat, lon = end_of(track)
    return track + leg(M, t + 10, lat, lon, 270, 12, 60)


def test_entering_and_leaving_give_one_event_each_at_the_first_fix_across() -> None:
    p = pipeline({})
    track = crossing()
    events = []
    for i in range(0, len(track), 50):  # events are found across batch boundaries too
        events += p.process_records(track[i : i + 50]).zone_events
    events += p.finish().zone_events
    sea = [e for e in events if e.zone_id == "test-sea"]
    assert [e.event for e in sea] == ["enter", "exit"]
    first_inside = next(q for q in track if q.lon is not None and q.lon >= 10.0)
    assert sea[0].time == first_inside.time
    last_inside = [q for q in track if q.lon is not None and q.lon >= 10.0][-1]
    assert sea[1].time > (last_inside.time or 0)


def test_zone_hours_record_first_and_last_time_in_each_hour() -> None:
    out = pipeline({}).process_all(crossing())
    hours = sorted((h for h in out.zone_hours if h.zone_id == "test-sea"), key=lambda h: h.hour)
    assert [h.hour for h in hours] == [T0, T0 + 3600]
    assert all(h.first_time <= h.last_time for h in hours)
    assert all(h.hour <= h.first_time < h.hour + 3600 for h in hours)


def test_staying_in_a_zone_gives_no_more_events() -> None:
    p = pipeline({})
    track = leg(M, T0, 1.0, 10.5, 90, 5, 120)
    events = []
    for i in range(0, len(track), 30):
        events += p.process_records(track[i : i + 30]).zone_events
    events += p.finish().zone_events
    assert [(e.zone_id, e.event) for e in events] == [("test-sea", "enter")]


def test_zone_hours_come_out_when_first_seen_and_again_once_the_hour_has_passed() -> None:
    """Fed in small batches, a vessel three hours in a zone gives a row for each hour in the
    step that first sees it (so the current hour's traffic shows the vessel at once), then the
    complete row once event time has passed the hour by the lateness, or at the end: at most
    two rows an hour, whatever the steps. A late fix for a closed hour still counts."""
    p = pipeline({})
    track = leg(M, T0, 1.0, 10.5, 90, 1, 180)  # inside the test sea for three hours
    hours_of = {h: [q.time for q in track if q.time is not None and q.time // 3600 * 3600 == h]
                for h in (T0, T0 + 3600, T0 + 7200)}  # fmt: skip
    assert all(hours_of.values()) and T0 % 3600 == 0
    rows: list[ZoneHour] = []
    seen: set[float] = set()
    for i in range(0, len(track), 30):
        batch = track[i : i + 30]
        step = [h for h in p.process_records(batch).zone_hours if h.zone_id == "test-sea"]
        first_seen = {q.time // 3600 * 3600 for q in batch if q.time is not None} - seen
        seen |= first_seen
        assert first_seen <= {h.hour for h in step}  # shown in the step that first saw it
        for h in step:  # any other row is a complete hour, event time past it
            if h.hour not in first_seen:
                assert p.watermark >= h.hour + 3600 + p.lateness_s
                assert (h.first_time, h.last_time) == (min(hours_of[h.hour]),
                                                       max(hours_of[h.hour]))  # fmt: skip
        rows += step
    # Each hour shown when first seen; the first two complete again while the track went on
    # (in the steps that first saw the next hour), the last still open.
    assert [h.hour for h in rows] == [T0, T0, T0 + 3600, T0 + 3600, T0 + 7200]

    # A fix from the first hour, long after it went out: a row of its own (the store merges
    # it); at the end, the open hour complete. Nothing is lost, nothing sent a third time.
    late = p.process_records([fix(M, T0 + 5, 1.0, 10.5, 1, 90, 90)]).zone_hours
    rest = late + p.finish().zone_hours
    sea = sorted((h.hour, h.first_time, h.last_time) for h in rest if h.zone_id == "test-sea")
    last = hours_of[T0 + 7200]
    assert sea == [(T0, T0 + 5, T0 + 5), (T0 + 7200, min(last), max(last))]
