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


def test_zone_hours_come_out_once_each_when_event_time_has_passed_the_hour() -> None:
    """Fed in small batches, a vessel three hours in a zone gives one row per hour, each once
    event time has passed its hour by the lateness; late fixes still count."""
    p = pipeline({})
    track = leg(M, T0, 1.0, 10.5, 90, 1, 180)  # inside the test sea for three hours
    steps: list[list[ZoneHour]] = []
    for i in range(0, len(track), 30):
        out = p.process_records(track[i : i + 30])
        steps.append([h for h in out.zone_hours if h.zone_id == "test-sea"])
        for h in steps[-1]:
            assert p.watermark >= h.hour + 3600 + p.lateness_s
    first = [h for rows in steps for h in rows]
    assert [h.hour for h in first] == [T0, T0 + 3600]
    in_first_hour = [q.time for q in track if q.time is not None and q.time < T0 + 3600]
    assert (first[0].first_time, first[0].last_time) == (min(in_first_hour), max(in_first_hour))

    # A fix from the first hour, long after it went out: a row of its own (the store merges it).
    late = p.process_records([fix(M, T0 + 5, 1.0, 10.5, 1, 90, 90)]).zone_hours
    rest = p.finish().zone_hours
    sea = [(h.hour, h.first_time, h.last_time) for h in late + rest if h.zone_id == "test-sea"]
    assert [row for row in sea if row[0] == T0] == [(T0, T0 + 5, T0 + 5)]
    assert [row[0] for row in sea] == [T0, T0 + 7200]
