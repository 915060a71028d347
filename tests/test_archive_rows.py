"""Decoded CSV archives: headers recognised, values read under the contract, bad rows counted."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest

from mda.archive.layout import Layout, parse_columns_option, read_layout, split_header
from mda.archive.rows import ArchiveRows, rows_table
from mda.archive.values import parse_time
from mda.errors import ConfigError
from mda.importing.files import file_kind, whole_records
from mda.model import Position, Record, VesselStatic
from tests.data import shared

NOAA = "ais/AISdb/test_data_noaa_20230101.csv"
AISDK = "ais/mobiml/test_aisdk_20180208_sample.csv"
MARINE_CADASTRE_HEADER = (
    "MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading,VesselName,IMO,CallSign,VesselType,Status,"
    "Length,Width,Draft,Cargo,TransceiverClass"
)


def epoch(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def layout_of(header: str, **kwargs: object) -> Layout:
    return read_layout(split_header(header), "test.csv", **kwargs)  # type: ignore[arg-type]


def decode(header: str, body: str, **kwargs: object) -> tuple[list[Record], ArchiveRows]:
    layout = layout_of(header, **kwargs)
    rows = ArchiveRows(layout, "test.csv")
    return rows.decode(rows_table(body.encode(), layout)), rows


def positions(records: list[Record]) -> list[Position]:
    return [r for r in records if isinstance(r, Position)]


def statics(records: list[Record]) -> list[VesselStatic]:
    return [r for r in records if isinstance(r, VesselStatic)]


def test_marine_cadastre_is_recognised_by_its_header() -> None:
    header = shared(NOAA).read_text().splitlines()[0]
    layout = layout_of(header)
    assert layout.name == "MarineCadastre"
    assert {role: layout.header[i] for role, i in layout.columns.items()} == {
        "mmsi": "MMSI", "time": "BaseDateTime", "lat": "LAT", "lon": "LON", "sog": "SOG",
        "cog": "COG", "heading": "Heading", "nav_status": "Status", "shipname": "VesselName",
        "callsign": "CallSign", "imo": "IMO", "ship_type": "VesselType", "draught": "Draft",
        "station_class": "TransceiverClass",
    }  # fmt: skip


def test_aisdk_is_recognised_with_its_day_first_times_despite_an_index_column() -> None:
    header = shared(AISDK).read_text().splitlines()[0]
    layout = layout_of(header)
    assert layout.name == "aisdk"
    assert layout.time_format == "%d/%m/%Y %H:%M:%S"
    assert layout.header[layout.columns["time"]] == "# Timestamp"
    assert layout.columns["mmsi"] == 3  # the pandas index column comes first


def test_common_column_names_are_found_whatever_their_case_and_spacing() -> None:
    layout = layout_of("Vessel Name,MMSI,Time Stamp,Latitude,LONGITUDE,Speed Over Ground,course")
    assert {role: layout.header[i] for role, i in layout.columns.items()} == {
        "mmsi": "MMSI", "time": "Time Stamp", "lat": "Latitude", "lon": "LONGITUDE",
        "sog": "Speed Over Ground", "cog": "course", "shipname": "Vessel Name",
    }  # fmt: skip
    assert layout.name == "CSV by column names"


def test_columns_option_names_unknown_columns_and_can_leave_one_unread() -> None:
    columns = parse_columns_option("mmsi=Ship ID, time=When,lat=Y,lon=X,sog=")
    layout = layout_of("Ship ID,When,Y,X,SOG", columns=columns)
    assert layout.columns == {"mmsi": 0, "time": 1, "lat": 2, "lon": 3}


def test_a_csv_without_a_time_column_is_one_error_naming_its_columns() -> None:
    with pytest.raises(ConfigError) as caught:
        layout_of("mmsi,lat,lon")
    assert str(caught.value) == (
        "test.csv: no time column among the columns found ('mmsi', 'lat', 'lon'); name it "
        "with --columns time=COLUMN (and --time-format '%d/%m/%Y %H:%M:%S' if its times are "
        "neither ISO 8601 nor epoch seconds)"
    )


def test_columns_option_with_an_unknown_role_or_column_is_refused() -> None:
    with pytest.raises(ConfigError, match="expected ROLE=COLUMN pairs"):
        parse_columns_option("speedy=SOG")
    with pytest.raises(ConfigError, match=r"--columns time=When: no such column"):
        layout_of("mmsi,lat,lon,t", columns={"time": "When"})


def test_marine_cadastre_rows_keep_values_and_null_what_is_not_available() -> None:
    body = (
        "367752440,2023-01-11T00:00:00,43.07917,-70.75733,0.0,360.0,95.0,SAN JOSE,,WDI9818,"
        "31,0.0,,,,52.0,A\n"
        "338926283,2023-01-11T00:00:00,42.93588,-78.90928,102.3,360.0,511.0,,,,0,15.0,0.0,"
        "0.0,0.0,0.0,B\n"
    )
    records, _ = decode(MARINE_CADASTRE_HEADER, body)
    first, second = positions(records)
    assert first[:11] == (epoch("2023-01-11T00:00:00"), 367752440, 1, 43.07917, -70.75733,
                          0.0, None, 95, 0, None, None)  # fmt: skip
    assert (second.msg_type, second.sog, second.cog, second.heading, second.nav_status) == (
        18, None, None, None, None,
    )  # fmt: skip
    assert (first.clock, first.time_quality, first.segment) == ("archive", "unchecked", None)
    [static] = statics(records)  # the second row has no static data at all
    assert (static.msg_type, static.shipname, static.callsign, static.imo, static.ship_type) == (
        5, "SAN JOSE", "WDI9818", None, 31,
    )  # fmt: skip


def test_imo_is_read_from_its_prefixed_form_and_a_broken_one_is_left_out() -> None:
    header = "mmsi,time,lat,lon,imo"
    body = (
        "636021061,2023-01-11T00:00:00,26.1,-80.0,IMO9307839\n"
        "636021062,2023-01-11T00:00:00,26.1,-80.0,IMO0000000\n"
        "636021063,2023-01-11T00:00:00,26.1,-80.0,IMO180000000\n"
        "636021064,2023-01-11T00:00:00,26.1,-80.0,Unknown\n"
    )
    records, rows = decode(header, body)
    assert [s.imo for s in statics(records)] == [9307839]
    assert len(positions(records)) == 4  # a broken IMO does not throw the position away
    assert rows.counts.set_aside == {"imo": 1}


def test_aisdk_words_become_itu_codes() -> None:
    records, rows = decode(
        "Timestamp,Type of mobile,MMSI,Latitude,Longitude,Navigational status,Ship type,Name",
        "08/02/2018 00:00:00,Class A,265177000,57.6,11.6,Under way using engine,Tanker,A\n"
        "08/02/2018 00:00:01,Class B,265177001,57.6,11.6,At anchor,Pleasure,B\n"
        "08/02/2018 00:00:01,Base Station,2190068,57.6,11.6,Unknown value,Undefined,\n"
        "08/02/2018 00:00:02,Class A,265177002,57.6,11.6,Drifting about,Spaceship,C\n",
        time_format="%d/%m/%Y %H:%M:%S",
    )
    found = positions(records)
    assert [(p.msg_type, p.kind, p.nav_status) for p in found] == [
        (1, "vessel", 0), (18, "vessel", 1), (4, "base_station", None), (1, "vessel", None),
    ]  # fmt: skip
    assert [(s.msg_type, s.ship_type) for s in statics(records)] == [
        (5, 80), (24, 37), (5, None),
    ]  # fmt: skip
    assert rows.counts.set_aside == {"nav_status": 1, "ship_type": 1}


def test_bad_rows_are_counted_by_their_first_reason_and_give_no_record() -> None:
    header = "mmsi,time,lat,lon,sog,cog,heading,status"
    good = "211000001,2024-05-01 12:00:00,54.1,10.2,12.5,90.0,91,0"
    body = "\n".join([
        good,
        "21100000x,2024-05-01 12:00:01,54.1,10.2,12.5,90.0,91,0",  # mmsi
        "0,2024-05-01 12:00:01,54.1,10.2,12.5,90.0,91,0",  # mmsi
        "211000002,yesterday,54.1,10.2,12.5,90.0,91,0",  # time
        "211000002,1970-01-01T00:00:00,54.1,10.2,12.5,90.0,91,0",  # time before AIS
        "211000002,,54.1,10.2,12.5,90.0,91,0",  # time
        "211000003,2024-05-01 12:00:02,94.1,10.2,12.5,90.0,91,0",  # position
        "211000003,2024-05-01 12:00:02,54.1,east,12.5,90.0,91,0",  # position
        "211000004,2024-05-01 12:00:03,54.1,10.2,-3,90.0,91,0",  # sog
        "211000004,2024-05-01 12:00:03,54.1,10.2,fast,90.0,91,0",  # sog
        "211000005,2024-05-01 12:00:04,54.1,10.2,12.5,361,91,0",  # cog
        "211000006,2024-05-01 12:00:05,54.1,10.2,12.5,90.0,400,0",  # heading
        "211000006,2024-05-01 12:00:05,54.1,10.2,12.5,90.0,91.5,0",  # heading
        "211000007,2024-05-01 12:00:06,54.1,10.2,12.5,90.0,91,16",  # nav_status
        "211000008,2024-05-01 12:00:07,91,181,,,,",  # no fix: kept, every value None
    ]) + "\n"  # fmt: skip
    records, rows = decode(header, body)
    assert rows.counts.rejected == {
        "mmsi": 2, "time": 3, "position": 2, "sog": 2, "cog": 1, "heading": 2, "nav_status": 1,
    }  # fmt: skip
    assert [(p.mmsi, p.lat, p.lon) for p in positions(records)] == [
        (211000001, 54.1, 10.2), (211000008, None, None),
    ]  # fmt: skip
    assert (rows.counts.rows, rows.counts.kept) == (15, 2)


def test_static_data_is_given_again_only_when_it_changes() -> None:
    header = "mmsi,time,lat,lon,name,callsign"
    body = (
        "211000001,2024-05-01T12:00:00Z,54.1,10.2,ALPHA,DA001\n"
        "211000001,2024-05-01T12:01:00Z,54.1,10.2,ALPHA,DA001\n"
        "211000002,2024-05-01T12:01:00Z,54.1,10.2,BRAVO,DB002\n"
        "211000001,2024-05-01T12:02:00Z,54.1,10.2,ALPHA II,DA001\n"
        "211000001,2024-05-01T12:03:00Z,54.1,10.2,ALPHA II,DA001\n"
    )
    records, _ = decode(header, body)
    # In row order, each after the position it was read with.
    assert [(type(r).__name__, r.mmsi) for r in records[:4]] == [
        ("Position", 211000001), ("VesselStatic", 211000001), ("Position", 211000001),
        ("Position", 211000002),
    ]  # fmt: skip
    assert [(s.mmsi, s.time, s.shipname) for s in statics(records)] == [
        (211000001, epoch("2024-05-01T12:00:00"), "ALPHA"),
        (211000002, epoch("2024-05-01T12:01:00"), "BRAVO"),
        (211000001, epoch("2024-05-01T12:02:00"), "ALPHA II"),
    ]
    assert len(positions(records)) == 5


def test_mda_decode_csv_reads_back_positions_and_statics_by_message_type() -> None:
    header = "time,mmsi,msg_type,lat,lon,sog,shipname,record"
    body = (
        "2024-05-01T12:00:00.000Z,211000001,1,54.1,10.2,3.5,,position\n"
        "2024-05-01T12:00:01.000Z,211000001,5,,,,ALPHA,static\n"
        "2024-05-01T12:00:02.000Z,2190068,4,54.0,10.0,,,position\n"
    )
    records, _ = decode(header, body)
    assert [(type(r).__name__, r.msg_type) for r in records] == [
        ("Position", 1), ("VesselStatic", 5), ("Position", 4),
    ]  # fmt: skip
    assert positions(records)[1].kind == "base_station"


@pytest.mark.parametrize(
    ("text", "time_format", "expected"),
    [
        ("2023-01-11T00:00:00", None, "2023-01-11T00:00:00"),
        ("2023-01-11 00:00:00", None, "2023-01-11T00:00:00"),
        ("2023-01-11T01:00:00+01:00", None, "2023-01-11T00:00:00"),
        ("2023-01-11T00:00:00Z", None, "2023-01-11T00:00:00"),
        ("1673395200", None, "2023-01-11T00:00:00"),
        ("1673395200.5", None, "2023-01-11T00:00:00.500000"),
        ("11/01/2023 00:00:00", "%d/%m/%Y %H:%M:%S", "2023-01-11T00:00:00"),
    ],
)
def test_times_are_read_as_iso_epoch_seconds_or_the_given_format(
    text: str, time_format: str | None, expected: str
) -> None:
    assert parse_time(text, time_format) == epoch(expected)


@pytest.mark.parametrize(
    ("text", "time_format"),
    [("11/01/2023 00:00:00", None), ("2023-01-11", "%d/%m/%Y"), ("99999999999", None), ("", None)],
)
def test_unreadable_or_impossible_times_are_none(text: str, time_format: str | None) -> None:
    assert parse_time(text, time_format) is None


def test_chunks_end_at_a_record_end_outside_quotes() -> None:
    data = b'1,"two\nlines",3\n4,5,6\n7,"open\n'
    assert data[: whole_records(data)] == b'1,"two\nlines",3\n4,5,6\n'
    assert whole_records(data, final=True) == len(data)


def test_a_quoted_field_with_a_line_end_stays_one_row() -> None:
    layout = layout_of("mmsi,time,lat,lon,destination")
    table = rows_table(b'211000001,2024-05-01T12:00:00,54.1,10.2,"KIEL\nCANAL"\n', layout)
    assert table.to_dicts() == [
        {"mmsi": "211000001", "time": "2024-05-01T12:00:00", "lat": "54.1", "lon": "10.2",
         "destination": "KIEL\nCANAL"},
    ]  # fmt: skip


def test_short_and_blank_rows_are_read_without_failing() -> None:
    records, rows = decode("mmsi,time,lat,lon,sog", "211000001,2024-05-01T12:00:00\n\n")
    assert rows.counts.blank == 1
    assert rows.counts.rejected == {}
    assert [(p.lat, p.sog) for p in positions(records)] == [(None, None)]


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"!AIVDM,1,1,,A,13u?etPv2;0n:dDPwUM1U1Cb069D,0*24\n", "NMEA"),
        (b"# a comment\n\\s:r1,c:1241544035*4A\\!AIVDM,1,1,,B,15N4cJ,0*0A\n", "NMEA"),
        (b"$PGHP,1,2008,5,9,0,0,0,0,219,,2190047,1,47*2C\n", "NMEA"),
        (b'{"class":"AIS","type":1}\n', "JSON"),
        (MARINE_CADASTRE_HEADER.encode() + b"\n", "CSV"),
        (b"\xef\xbb\xbf# Timestamp,Type of mobile,MMSI\n08/02/2018 00:00:00,Class A,2\n", "CSV"),
    ],
)
def test_the_kind_of_a_file_is_told_by_its_first_lines(head: bytes, kind: str) -> None:
    assert file_kind(head) == kind


def test_a_table_with_only_some_roles_still_decodes() -> None:
    layout = layout_of("mmsi,time,lat,lon")
    rows = ArchiveRows(layout, "x")
    table = pl.DataFrame(
        {"mmsi": ["211000001"], "time": ["2024-05-01T12:00:00"], "lat": ["1"], "lon": ["2"]}
    )
    [p] = positions(rows.decode(table))
    assert (p.mmsi, p.lat, p.lon, p.sog, p.heading, p.msg_type) == (211000001, 1.0, 2.0, None,
                                                                     None, 1)  # fmt: skip
