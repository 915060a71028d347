"""Clocks: each record's time is chosen among its clocks, checked against the message's own UTC
second, repaired where the clock is steady, and called suspect where it is not.

Real data: exactEarth's satellite feed (a wrapper 80 s behind, a forwarder stamp 21-113 min
behind), and a satellite-style recording rebuilt from a real terrestrial one with two clocks
(tests/satellite.py), whose true times are known.
"""

from __future__ import annotations

from functools import cache

from mda.ingest.clocks import (
    AGREES,
    PGHP,
    RECORDER,
    REPAIRED,
    SUSPECT,
    TAG,
    TRAILING,
    ClockModel,
    base_station_utc,
    residual,
    snapped,
)
from mda.ingest.core import Ingestor
from mda.model import VESSEL, Position
from mda.pipeline import Pipeline, PipelineOutput
from mda.rules.engine import RuleEngine
from tests.data import AIS, read_lines
from tests.nmea import position, tag_block
from tests.satellite import SatelliteRecording, build
from tests.test_determinism import default_rules, default_zones

T = 1_700_000_040.0  # second 0 of a minute


def report_at(second: int) -> bytes:
    return position(second=second)


def judged(lines: list[bytes], feed: str = "feed") -> list[Position]:
    records = Ingestor().ingest_all(lines, feed)
    return [r for r in records if isinstance(r, Position)]


# -- the arithmetic ------------------------------------------------------------------------------


def test_a_residual_is_the_seconds_from_the_clock_to_the_message_within_half_a_minute() -> None:
    assert residual(10, T + 8) == 2
    assert residual(58, T + 2) == -4  # across the minute
    assert snapped(T + 8.7, 10) == T + 10
    assert snapped(T + 2.2, 58) == T - 2


def test_a_steady_model_gathers_its_residuals_and_a_lagging_one_does_not() -> None:
    steady, scattered = ClockModel(), ClockModel()
    for i in range(64):
        steady.add(-1 if i % 3 else 0)
        scattered.add((i * 7) % 60 - 30)
    assert steady.steady is True and steady.mode in (-1, 0)
    assert scattered.steady is False


def test_base_station_reports_give_the_full_utc() -> None:
    # A real base station report of the AMSA feed (pyais reads 2012-01-27 11:50:30).
    assert base_station_utc(b"48?O?hAuhMcjN:Pu@kt9J5Q00D0<") == 1_327_665_030.0
    assert base_station_utc(b"48?O?h") is None


# -- choosing and judging ------------------------------------------------------------------------


def test_a_tag_block_that_agrees_with_the_message_second_is_kept_as_it_is() -> None:
    lines = [tag_block(b"c:%d" % (T + 20 + i)) + report_at(20 + i) for i in range(20)]
    got = judged(lines)
    assert {(p.clock, p.time_quality) for p in got} == {(TAG, AGREES)}
    assert [p.time for p in got] == [T + 20 + i for i in range(20)]


def test_a_receiver_clock_running_eleven_seconds_late_is_repaired_to_the_message_second() -> None:
    # AMSA's aggregator stamps its tag blocks about 11 s after the fix (measured on
    # risky/nmea-timestamped.txt); the report's own second gives the time.
    lines = [tag_block(b"c:%d" % (T + i * 5 + 11)) + report_at((i * 5) % 60) for i in range(30)]
    got = judged(lines)
    assert {p.time_quality for p in got} == {REPAIRED}
    assert [p.time for p in got] == [T + i * 5 for i in range(30)]


def test_a_wrapper_eighty_seconds_behind_is_put_right_by_the_base_stations() -> None:
    """exactEarth's $PGHP runs 80 s behind the messages (base stations' UTC says so)."""
    real = read_lines(AIS / "risky/exact-earth-augmented.txt")
    ingestor = Ingestor()
    records = ingestor.ingest_all(real, "ee")
    model = ingestor.judge.models[("ee", PGHP)]
    assert model.steady is True and model.correction == 80.0
    wrapped = [r for r in records if isinstance(r, Position) and r.clock == PGHP]
    assert len(wrapped) > 1000
    # The repaired time's second is the message's own, and so are base stations' full times.
    assert all(r.time is not None and int(r.time) % 60 == r.second for r in wrapped
               if r.second is not None and r.time_quality == REPAIRED)  # fmt: skip


def test_a_forwarder_stamp_lagging_by_varying_minutes_is_suspect() -> None:
    real = read_lines(AIS / "risky/exact-earth-augmented.txt")
    records = Ingestor().ingest_all(real, "ee")
    stamped = [r for r in records if isinstance(r, Position) and r.clock == TRAILING]
    assert len(stamped) > 1000
    assert {r.time_quality for r in stamped} == {SUSPECT}


def test_a_recorder_clock_is_checked_like_any_other() -> None:
    records = [
        r for r in judged(read_lines(AIS / "OpenCPN/stupan.se-10112-tcp.log"), "stupan")
        if r.second is not None
    ]  # fmt: skip
    assert {r.clock for r in records} == {RECORDER}
    good = [r for r in records if r.time_quality in (AGREES, REPAIRED)]
    assert len(good) > 0.9 * len(records)
    assert all(int(r.time or 0) % 60 == r.second for r in good if r.time_quality == REPAIRED)


def test_the_first_records_of_a_clock_wait_and_are_judged_like_the_rest() -> None:
    """Without waiting, the first records of a clock 11 s late were all suspect (nothing known
    of the clock yet); they are repaired as the later ones are."""
    lines = [tag_block(b"c:%d" % (T + i * 5 + 11)) + report_at((i * 5) % 60) for i in range(30)]
    ingestor = Ingestor()
    first = ingestor.ingest(lines[:5], "feed")
    assert first == [] and ingestor.judge.waiting == 5
    rest = ingestor.ingest(lines[5:], "feed") + ingestor.finish()
    assert len(rest) == 30 and {r.time_quality for r in rest} == {REPAIRED}


def test_judging_does_not_depend_on_the_batches() -> None:
    lines = read_lines(AIS / "risky/exact-earth-augmented.txt")
    whole = Ingestor().ingest_all(lines, "ee")
    ingestor = Ingestor()
    pieces: list[object] = []
    for i in range(0, len(lines), 137):
        pieces += ingestor.ingest(lines[i : i + 137], "ee")
    pieces += ingestor.finish()
    assert sorted(map(repr, whole)) == sorted(map(repr, pieces))


# -- a satellite feed with two clocks ------------------------------------------------------------


@cache
def satellite() -> SatelliteRecording:
    return build()


def replay_satellite(lateness_s: float) -> PipelineOutput:
    index = default_zones()
    p = Pipeline(index, RuleEngine(list(default_rules()), index), lateness_s=lateness_s)
    sat = satellite()
    out = PipelineOutput()
    for i in range(0, len(sat.lines), 5000):
        out.extend(p.process(sat.lines[i : i + 5000], "satellite"))
    out.extend(p.finish())
    return out


def test_mixed_clocks_raise_no_warning_about_a_ship() -> None:
    """The old pipeline raised 9 position_anomaly ("jumped 11 nm in 142 s") and 10 shared_mmsi
    warnings on this file, every one caused by mixing the two clocks."""
    for lateness_s in (120.0, 3 * 3600.0):
        alerts = replay_satellite(lateness_s).alerts
        assert [(a.rule, a.message) for a in alerts if a.severity != "caution"] == []


def test_wrapped_reports_get_their_true_time_and_stamped_ones_are_kept_out_of_tracks() -> None:
    sat = satellite()
    out = replay_satellite(3 * 3600.0)
    vessels = [p for p in out.positions if p.kind == VESSEL and p.second is not None]
    wrapped = [p for p in vessels if p.clock == PGHP]
    stamped = [p for p in vessels if p.clock == TRAILING]
    assert len(wrapped) > 2000 and len(stamped) > 2000
    right = [p for p in wrapped if p.time in sat.true_times[(p.mmsi, p.lat, p.lon, p.second)]]
    assert len(right) == len(wrapped)
    assert {p.time_quality for p in stamped} == {SUSPECT}
    assert all(p.segment is None for p in stamped)  # never on a track
    assert all(p.segment is not None for p in wrapped)
