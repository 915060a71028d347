"""Framing gives every message the best time its feed gives: tag block, wrapper, trailing field,
recorder clock, and only then the arrival time stamped by the source; the clock judge
(tests/test_clocks.py) then checks it against the message's own second."""

from __future__ import annotations

from mda.ingest.framing import Framer
from tests.nmea import checksummed, position, tag_block

REPORT = position()
ARRIVAL = 1_800_000_000.0


def times(lines: list[bytes], arrival: float | None = ARRIVAL) -> list[float | None]:
    return [m.time for m in Framer().frame(lines, "feed", arrival)]


def clocks(lines: list[bytes], arrival: float | None = ARRIVAL) -> list[str | None]:
    return [m.clock for m in Framer().frame(lines, "feed", arrival)]


def test_tag_block_time_wins_over_everything() -> None:
    lines = [
        checksummed(b"GPZDA,120000.00,01,01,2020,,", b"$"),
        checksummed(b"PGHP,1,2019,1,1,0,0,0,0,,,,1,", b"$"),
        tag_block(b"c:1700000000") + REPORT + b",1600000000",
    ]
    assert times(lines) == [1700000000.0]
    assert clocks(lines) == ["tag"]


def test_tag_block_time_in_milliseconds() -> None:
    assert times([tag_block(b"c:1700000000250") + REPORT]) == [1700000000.25]


def test_a_tag_block_on_its_own_line_times_the_next_sentence() -> None:
    assert times([tag_block(b"c:1700000000,s:station7"), REPORT]) == [1700000000.0]
    (record,) = Framer().frame([tag_block(b"c:1700000000,s:station7"), REPORT], "feed")
    assert record.source == "station7"


def test_gatehouse_wrapper_times_only_the_next_sentence() -> None:
    pghp = checksummed(b"PGHP,1,2010,6,11,11,46,11,929,244,0,,1,72", b"$")
    other = position(mmsi=211000000)
    assert times([pghp, REPORT, other]) == [1276256771.929, ARRIVAL]
    assert clocks([pghp, REPORT, other]) == ["pghp", "arrival"]


def test_gatehouse_wrapper_with_a_bad_checksum_is_not_trusted() -> None:
    pghp = checksummed(b"PGHP,1,2010,6,11,11,46,11,929,244,0,,1,72", b"$")
    broken = pghp[:-2] + (b"00" if pghp[-2:] != b"00" else b"01")
    assert times([broken, REPORT]) == [ARRIVAL]


def test_trailing_epoch_seconds_and_milliseconds() -> None:
    assert times([REPORT + b",b003669702,1272412824"]) == [1272412824.0]
    assert times([REPORT + b",1327992119173"]) == [1327992119.173]


def test_uscg_station_from_trailing_fields_is_the_source() -> None:
    (record,) = Framer().frame([REPORT + b",d-107,S1234,r003669945,1272412824"], "feed")
    assert record.source == "r003669945"


def test_recorder_clock_from_rmc_and_zda() -> None:
    rmc = checksummed(b"GPRMC,114703.00,A,1228.30813,S,13050.74933,E,0.0,,270112,,,A", b"$")
    zda = checksummed(b"GPZDA,114710.50,27,01,2012,,", b"$")
    assert times([rmc, REPORT]) == [1327664823.0]
    assert clocks([rmc, REPORT]) == ["recorder"]
    assert times([zda, REPORT]) == [1327664830.5]


def test_recorder_fix_with_impossible_position_does_not_set_the_clock() -> None:
    bogus = checksummed(
        b"GPRMC,140257,A,40004205.686,N,8888801147.298,E,000.0,330.6,030313,001.0,E", b"$"
    )
    assert times([bogus, REPORT]) == [ARRIVAL]


def test_void_fix_and_missing_time_do_not_set_the_clock() -> None:
    void = checksummed(b"GPRMC,084706,V,,,,,,,,,,N", b"$")
    no_time = checksummed(b"GPRMC,,A,5738.7695,N,1142.5722,E,9.700,79.436,230394,,W", b"$")
    assert times([void, no_time, REPORT]) == [ARRIVAL]


def test_arrival_time_when_the_feed_carries_none() -> None:
    assert times([REPORT]) == [ARRIVAL]


def test_no_time_at_all_stays_null() -> None:
    assert times([REPORT], arrival=None) == [None]


def test_message_time_is_its_first_fragment_time() -> None:
    from tests.nmea import static

    first, second = static()
    lines = [
        tag_block(b"g:1-2-42,c:1700000000") + first,
        tag_block(b"g:2-2-42,c:1700000009") + second,
    ]
    assert times(lines) == [1700000000.0]
