"""Every real recording decodes without an exception, with its counts checked.

Sentence and message counts agree with pyais 3.3.1's (../shared/data/ais/SOURCES.md) except
where a test names the reason: mda accepts any talker (``!--VDM``, ``!=IVDM``, ``!B2VDM``), keys
fragments by tag-block group, and does not count sentences inside comments.
"""

from __future__ import annotations

import pytest

from mda.ingest.core import Ingestor
from mda.model import Position
from tests.data import AIS, NMEA_RECORDINGS, read_lines

# recording, AIS sentences, messages, duplicates suppressed, records, distinct MMSI,
# records with an event time, sentences with a bad or missing checksum
EXPECTED = [
    ("AisLib/decode_encode_messages.txt", 646, 601, 2, 532, 49, 0, 0),
    ("AisLib/small_cb_example.txt", 16, 11, 3, 6, 6, 6, 0),
    ("AisLib/stream_example.txt", 4500, 4051, 0, 3690, 1821, 3690, 0),
    ("OpenCPN/Go_to_Guernesey.txt", 18124, 17763, 43, 17143, 123, 17143, 0),
    ("OpenCPN/stupan.se-10112-tcp.log", 1295, 1264, 2, 1235, 328, 1235, 0),
    ("docker-gpsd-timestamp/norwegian.raw", 223, 196, 0, 199, 187, 178, 0),
    ("gpsd/ais-18-27.log", 276, 276, 33, 185, 33, 0, 0),
    ("gpsd/ais_unpack_sixbit.log", 20, 13, 1, 16, 11, 0, 0),
    ("gpsd/sample.aivdm", 118, 101, 4, 31, 25, 0, 0),
    ("libais/tagblock.nmea", 5, 4, 0, 4, 2, 4, 0),
    ("libais/test.aivdm", 263, 261, 6, 76, 52, 76, 0),
    ("libais/typeexamples.nmea", 26, 26, 0, 11, 9, 11, 0),
    ("pyais/ais_test_messages", 8, 7, 0, 7, 7, 0, 0),
    ("pyais/messages.ais", 6, 6, 3, 3, 3, 0, 0),
    ("pyais/mixed.txt", 14, 12, 2, 10, 10, 2, 1),
    ("pyais/nmea_data_sample.txt", 898, 878, 4, 770, 166, 0, 0),
    ("pyais/timestamped.ais", 4, 4, 0, 4, 4, 1, 0),
    ("risky/ais.txt.gz", 34013, 34009, 9474, 24342, 2297, 24331, 16),
    ("risky/exact-earth-augmented.txt", 3972, 3972, 0, 3906, 1026, 3906, 0),
    ("risky/exact-earth-with-tag-block.txt", 221, 200, 0, 199, 120, 199, 0),
    ("risky/nmea-timestamped.txt", 100, 100, 0, 100, 85, 100, 0),
    ("signalk-server/gofree-merrimac.log", 1507, 1459, 58, 1429, 171, 1419, 0),
    ("signalk-server/nais300-merrimac.log", 549, 536, 116, 406, 51, 39, 0),
]


def test_the_table_lists_every_recording() -> None:
    assert sorted(row[0] for row in EXPECTED) == sorted(NMEA_RECORDINGS)


@pytest.mark.parametrize("row", EXPECTED, ids=[row[0] for row in EXPECTED])
def test_recording_decodes_with_expected_counts(
    row: tuple[str, int, int, int, int, int, int, int],
) -> None:
    rel, sentences, messages, duplicates, n_records, n_mmsi, timed, bad = row
    ingestor = Ingestor()
    records = ingestor.ingest(read_lines(AIS / rel), rel)
    records += ingestor.finish()
    stats = ingestor.stats
    assert (stats.sentences, stats.messages, stats.duplicates) == (sentences, messages, duplicates)
    assert len(records) == stats.records == n_records
    assert len({r.mmsi for r in records}) == n_mmsi
    assert sum(r.time is not None for r in records) == timed
    assert stats.bad_checksum + stats.missing_checksum == bad
    # Nothing is lost without a count: every message became records, a duplicate, or a counter.
    accounted = (
        sum(stats.by_type.values())
        + stats.invalid_payload
        + stats.unknown_type
        + stats.short_payload
        + stats.duplicates
    )
    assert accounted == stats.messages


@pytest.mark.parametrize("rel", NMEA_RECORDINGS)
def test_decoding_in_small_batches_gives_the_same_records(rel: str) -> None:
    """Batch boundaries (a live feed cuts lines anywhere between reads) change nothing."""
    lines = read_lines(AIS / rel)
    whole = Ingestor().ingest_all(lines, rel)
    ingestor = Ingestor()
    pieces = []
    for i in range(0, len(lines), 37):
        pieces.extend(ingestor.ingest(lines[i : i + 37], rel))
    pieces.extend(ingestor.finish())
    assert pieces == whole


def test_recorder_clock_times_the_amsa_feed() -> None:
    """risky/ais.txt.gz is timed only by the receiver's $GPZDA/$GPRMC."""
    records = Ingestor().ingest_all(read_lines(AIS / "risky/ais.txt.gz"), "amsa")
    times = [r.time for r in records if r.time is not None]
    assert min(times) == pytest.approx(1327658331.102)  # 2012-01-27T09:58:51.102Z
    assert max(times) == pytest.approx(1327665207.5)  # 2012-01-27T11:53:27.500Z


def test_bogus_recorder_fixes_do_not_move_the_clock() -> None:
    """Go_to_Guernesey has 56 $GPRMC with a 2013 date and a latitude of 400042 degrees; they
    must not date the 2011 voyage (a few USCG-style lines carry their own 2010 epoch)."""
    records = Ingestor().ingest_all(read_lines(AIS / "OpenCPN/Go_to_Guernesey.txt"), "opencpn")
    years = {int(1970 + r.time // 31_556_952) for r in records if r.time is not None}
    assert 2013 not in years
    assert years == {2010, 2011}


def test_positions_stay_in_valid_ranges_on_every_recording() -> None:
    for rel in NMEA_RECORDINGS:
        for r in Ingestor().ingest_all(read_lines(AIS / rel), rel):
            if isinstance(r, Position):
                assert r.lat is None or -90 <= r.lat <= 90
                assert r.lon is None or -180 <= r.lon <= 180
                top_speed = 1022 if r.kind == "sar_aircraft" else 102.2  # knots
                assert r.sog is None or 0 <= r.sog <= top_speed
                assert r.cog is None or 0 <= r.cog < 360
                assert r.heading is None or 0 <= r.heading < 360
