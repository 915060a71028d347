"""JSON feeds: AIS-catcher objects are framed from their sentences; gpsd objects map to records."""

from __future__ import annotations

import json

from mda.ingest.core import Ingestor
from mda.model import Position, VesselStatic
from tests.data import AIS, read_lines
from tests.nmea import position, static


def catcher(sentences: list[bytes], **extra: object) -> bytes:
    obj = {"class": "AIS", "device": "AIS-catcher", "channel": "A", "signalpower": -40.1}
    obj |= {"nmea": [s.decode() for s in sentences], **extra}
    return json.dumps(obj).encode()


def test_ais_catcher_multi_sentence_message_is_reassembled_with_its_time_and_station() -> None:
    line = catcher(static(), rxuxtime=1_700_000_123, station_id="rx-7")
    ingestor = Ingestor()
    (record,) = ingestor.ingest_all([line], "catcher")
    assert isinstance(record, VesselStatic)
    assert record.shipname == "DHOW STAR"
    assert (record.time, record.source) == (1_700_000_123, "rx-7")
    assert ingestor.stats.lines == 1


def test_ais_catcher_object_without_time_takes_the_arrival_time() -> None:
    (record,) = Ingestor().ingest_all([catcher([position()])], "catcher", 1_800_000_000.0)
    assert record.time == 1_800_000_000.0


def test_ais_catcher_sentence_with_a_bad_checksum_is_counted() -> None:
    bad = position()[:-1] + b"0"
    ingestor = Ingestor()
    assert ingestor.ingest([catcher([bad])], "catcher") == []
    assert ingestor.stats.bad_checksum + ingestor.stats.missing_checksum == 1


def test_the_same_message_from_ais_catcher_and_nmea_counts_once() -> None:
    ingestor = Ingestor()
    records = ingestor.ingest_all(
        [catcher([position()], rxuxtime=1_700_000_000), position()], "mixed", 1_700_000_001.0
    )
    assert len(records) == 1
    assert ingestor.stats.duplicates == 1


def test_gpsd_scaled_json_gives_the_same_records_as_the_unscaled_reference() -> None:
    """gpsd prints degrees and knots when scaled; the records must match the raw integers'."""
    scaled = Ingestor(duplicate_window_s=None).ingest(
        read_lines(AIS / "gpsd/sample.aivdm.js.chk"), "gpsd"
    )
    unscaled = Ingestor(duplicate_window_s=None).ingest(
        read_lines(AIS / "gpsd/sample.aivdm.ju.chk"), "gpsd"
    )
    assert len(scaled) == len(unscaled) > 25

    def comparable(r: Position | VesselStatic) -> tuple[object, ...]:
        # Scaled JSON gives the rate of turn rounded, without its raw code.
        if isinstance(r, Position):
            return r._replace(rot=None, rot_raw=None)
        return r

    assert [comparable(r) for r in scaled] == [comparable(r) for r in unscaled]


def test_json_that_is_not_an_ais_object_is_counted_as_bad_json() -> None:
    ingestor = Ingestor()
    lines = [b'{"class":"TPV","lat":1}', b'{"a":[1,2,3]}', b'{"class":"AIS","type":"x"}', b"{nope"]
    assert ingestor.ingest(lines, "json") == []
    assert ingestor.stats.bad_json == 4
