"""`mda import` as a user runs it: real processes, real files, the real PostgreSQL."""

from __future__ import annotations

import csv
import gzip
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

from mda.ingest.core import Ingestor
from mda.model import Position
from tests.data import read_lines, shared

NOAA = shared("ais/AISdb/test_data_noaa_20230101.csv")
AISDK = shared("ais/mobiml/test_aisdk_20180208_sample.csv")
PLAIN_LOG = shared("ais/pyais/nmea_data_sample.txt")  # !AIVDM lines, no time at all
TAGGED_LOG = shared("ais/docker-gpsd-timestamp/norwegian.raw")  # tag-block times
CHANNEL_LOG = shared("ais/OpenCPN/Go_to_Guernesey.txt")  # 18 hours, timed by the recorder's GPS
# Boxes over US waters and the English Channel (edges at odd decimals, so that no position of
# the samples lies on one).
TEST_ZONES = {
    "test-gulf": (-97.512345, 18.212345, -81.312345, 30.712345),
    "test-east": (-81.712345, 24.912345, -66.112345, 45.312345),
    "test-channel": (-3.312345, 49.612345, -2.612345, 49.912345),
}


def mda(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MDA_")}
    return subprocess.run(
        [sys.executable, "-c", "import mda.cli; mda.cli.main()", *args],
        capture_output=True, text=True, env=environment, timeout=timeout, check=False,
    )  # fmt: skip


def query(url: str, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute(sql.encode(), params).fetchall()


def count(url: str, table: str) -> int:
    return int(query(url, f"SELECT count(*) FROM {table}")[0][0])


def write_zones(folder: Path) -> Path:
    folder.mkdir()
    features = [
        {"type": "Feature", "bbox": list(box), "geometry": None,
         "properties": {"id": zone_id, "name": zone_id, "kind": "custom"}}
        for zone_id, box in TEST_ZONES.items()
    ]  # fmt: skip
    (folder / "test.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features})
    )
    return folder


def noaa_rows() -> list[dict[str, str]]:
    with NOAA.open(newline="") as f:
        return list(csv.DictReader(f))


def test_the_noaa_sample_imports_every_valid_row_with_its_values(plain_database: str) -> None:
    done = mda("import", str(NOAA), "-d", plain_database)
    assert done.returncode == 0, done.stderr
    rows = noaa_rows()
    assert "CSV rows 1000, kept 1000, rejected 0 (none)" in done.stderr
    assert count(plain_database, "positions") == len(rows) == 1000
    not_available = sum(r["Heading"] == "511.0" for r in rows)
    assert query(plain_database, "SELECT count(*) FROM positions WHERE heading IS NULL") == [
        (not_available,)
    ]
    assert query(
        plain_database,
        "SELECT time, lat, lon, sog, cog, heading, nav_status, msg_type, clock, time_quality "
        "FROM positions WHERE mmsi = 367752440",
    ) == [(datetime(2023, 1, 11, tzinfo=UTC), 43.07917, -70.75733, 0.0, None, 95, 0, 1,
           "archive", "unchecked")]  # fmt: skip
    # 102.3 knots, heading 511 and status 15 are "not available"; TransceiverClass B: type 18.
    assert query(
        plain_database,
        "SELECT sog, cog, heading, nav_status, msg_type FROM positions WHERE mmsi = %s",
        (338926283,),
    ) == [(None, None, None, None, 1)]
    assert query(plain_database, "SELECT count(*) FROM positions WHERE msg_type = 18") == [
        (sum(r["TransceiverClass"] == "B" for r in rows),)
    ]
    assert query(
        plain_database,
        "SELECT shipname, callsign, imo, ship_type, draught FROM vessels WHERE mmsi = 636021061",
    ) == [("MSC NAISHA III", "5LCB4", 9307839, 70, 8.0)]


def test_the_dma_sample_imports_with_its_day_first_times(plain_database: str) -> None:
    done = mda("import", str(AISDK), "-d", plain_database)
    assert done.returncode == 0, done.stderr
    assert "CSV, aisdk" in done.stderr
    with AISDK.open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert count(plain_database, "positions") == len(rows) == 10
    assert query(
        plain_database,
        "SELECT time, lat, lon, sog, cog, heading, nav_status FROM positions WHERE mmsi = %s",
        (244678000,),
    ) == [(datetime(2018, 2, 8, tzinfo=UTC), 57.549578, 11.666492, 0.2, 162.7, 227, 1)]
    # "Unknown value" is no status; "Reserved for future amendment [HSC]" is status 9.
    assert query(
        plain_database,
        "SELECT mmsi, nav_status FROM positions WHERE mmsi IN (265550210, 266065000) ORDER BY mmsi",
    ) == [(265550210, None), (266065000, 9)]


def test_a_gzip_csv_imports_like_the_plain_one(plain_database: str, tmp_path: Path) -> None:
    path = tmp_path / "aisdk.csv.gz"  # the name says nothing: the content is recognised
    path.write_bytes(gzip.compress(AISDK.read_bytes()))
    done = mda("import", str(path), "-d", plain_database)
    assert done.returncode == 0, done.stderr
    assert f"{path}: CSV, aisdk" in done.stderr
    assert count(plain_database, "positions") == 10


FOREIGN = """ship_no,Zeitpunkt,breite,laenge,fahrt,kurs,schiffsname
211000001,01.05.2024 12:00:00,54.3201,10.1502,12.5,90.0,ALPHA
211000001,01.05.2024 12:01:00,54.3201,10.1602,12.5,90.0,ALPHA
211000002,01.05.2024 12:00:30,54.5001,10.5002,0.1,,BRAVO
"""


def test_a_foreign_csv_imports_once_its_columns_and_time_format_are_named(
    plain_database: str, tmp_path: Path
) -> None:
    path = tmp_path / "foreign.csv"
    path.write_text(FOREIGN)
    refused = mda("import", str(path), "-d", plain_database)
    assert refused.returncode == 1
    assert refused.stderr.splitlines() == [
        f"mda: error: {path}: no mmsi column among the columns found ('ship_no', 'Zeitpunkt', "
        "'breite', 'laenge', 'fahrt', 'kurs', 'schiffsname'); name it with --columns "
        "mmsi=COLUMN"
    ]
    done = mda(
        "import", str(path), "-d", plain_database,
        "--columns", "mmsi=ship_no,time=Zeitpunkt,lat=breite,lon=laenge,sog=fahrt,cog=kurs,"
        "name=schiffsname",
        "--time-format", "%d.%m.%Y %H:%M:%S",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert query(
        plain_database, "SELECT mmsi, time, lat, lon, sog, cog FROM positions ORDER BY mmsi, time"
    ) == [
        (211000001, datetime(2024, 5, 1, 12, 0, tzinfo=UTC), 54.3201, 10.1502, 12.5, 90.0),
        (211000001, datetime(2024, 5, 1, 12, 1, tzinfo=UTC), 54.3201, 10.1602, 12.5, 90.0),
        (211000002, datetime(2024, 5, 1, 12, 0, 30, tzinfo=UTC), 54.5001, 10.5002, 0.1, None),
    ]
    assert query(plain_database, "SELECT mmsi, shipname FROM vessels ORDER BY mmsi") == [
        (211000001, "ALPHA"), (211000002, "BRAVO"),
    ]  # fmt: skip


def test_rows_with_bad_values_are_counted_by_reason_and_never_stored(
    plain_database: str, tmp_path: Path
) -> None:
    path = tmp_path / "dirty.csv"
    path.write_text(
        "MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading\n"
        "211000001,2024-05-01T12:00:00,54.1,10.2,12.5,90.0,91.0\n"
        "211000002,2024-05-01T12:00:00,54.1,10.2,12.5,90.0,600.0\n"
        "21100000X,2024-05-01T12:00:00,54.1,10.2,12.5,90.0,91.0\n"
        "211000003,not a time,54.1,10.2,12.5,90.0,91.0\n"
        "211000004,2024-05-01T12:00:00,-95.0,10.2,12.5,90.0,91.0\n"
        "211000005,2024-05-01T12:00:00,54.1,10.2,12.5,90.0,511.0\n"
    )
    done = mda("import", str(path), "-d", plain_database)
    assert done.returncode == 0, done.stderr
    summary = next(line for line in done.stderr.splitlines() if "CSV rows" in line)
    assert summary.startswith("mda: CSV rows 6, kept 2, rejected 4 (")
    assert all(f"{reason} 1" in summary for reason in ("heading", "mmsi", "time", "position"))
    assert query(plain_database, "SELECT mmsi, heading FROM positions ORDER BY mmsi") == [
        (211000001, 91), (211000005, None),
    ]  # fmt: skip


def snapshot(url: str) -> dict[str, Any]:
    return {
        "positions": query(url, "SELECT mmsi, time, segment FROM positions ORDER BY mmsi, time"),
        "zone_events": query(url, "SELECT * FROM zone_events ORDER BY mmsi, time, zone_id"),
        "zone_hours": query(url, "SELECT * FROM zone_hours ORDER BY zone_id, hour, mmsi"),
        "vessels": query(url, "SELECT mmsi, shipname, imo, static_time FROM vessels ORDER BY 1"),
        "identities": query(url, "SELECT * FROM vessel_identity ORDER BY mmsi, time"),
    }


def test_importing_the_same_files_twice_stores_nothing_new(database: str, tmp_path: Path) -> None:
    zones = write_zones(tmp_path / "zones")
    args = ("import", str(NOAA), str(TAGGED_LOG), "-d", database, "--zones", str(zones))
    first = mda(*args)
    assert first.returncode == 0, first.stderr
    once = snapshot(database)
    assert len(once["positions"]) > 1000 and once["zone_events"] and once["zone_hours"]
    again = mda(*args)
    assert again.returncode == 0, again.stderr
    assert snapshot(database) == once


def test_zone_hours_equal_a_recount_of_the_stored_positions(database: str, tmp_path: Path) -> None:
    zones = write_zones(tmp_path / "zones")
    done = mda("import", str(NOAA), str(CHANNEL_LOG), "-d", database, "--zones", str(zones))
    assert done.returncode == 0, done.stderr
    hours = 0
    for zone_id, (west, south, east, north) in TEST_ZONES.items():
        recount = query(
            database,
            "SELECT date_trunc('hour', time, 'UTC'), count(DISTINCT mmsi) FROM positions "
            "WHERE lat BETWEEN %s AND %s AND lon BETWEEN %s AND %s "
            "AND msg_type NOT IN (4, 9, 11, 21) GROUP BY 1 ORDER BY 1",
            (south, north, west, east),
        )
        traffic = query(
            database,
            "SELECT hour, vessels FROM zone_traffic WHERE zone_id = %s ORDER BY hour",
            (zone_id,),
        )
        assert traffic == recount, zone_id
        hours += len(recount)
    assert hours > 15


def test_a_log_without_time_stops_with_one_line_and_stores_nothing(plain_database: str) -> None:
    done = mda("import", str(PLAIN_LOG), "-d", plain_database)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f"mda: error: {PLAIN_LOG}: its lines carry no time (no tag block, $PGHP wrapper, "
        "trailing epoch or GPS sentence): nothing could be placed in time or stored. Say how "
        "to time them: --start 2024-01-01T00:00Z --rate 10/s, or --arrival for lines piped "
        "in live"
    ]
    assert count(plain_database, "positions") == 0


def test_a_log_without_time_imports_with_start_and_rate(plain_database: str) -> None:
    done = mda(
        "import", str(PLAIN_LOG), "-d", plain_database, "--start", "2024-01-01T00:00Z",
        "--rate", "10/s",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = len(read_lines(PLAIN_LOG))
    [(n, first, last, clocks)] = query(
        plain_database,
        "SELECT count(*), min(time), max(time), array_agg(DISTINCT clock || '/' || "
        "time_quality) FROM positions",
    )
    assert n > 600
    start = datetime(2024, 1, 1, tzinfo=UTC)
    assert start <= first and (last - start).total_seconds() <= lines / 10
    assert clocks == ["assigned/suspect"]  # made-up times never judge movement


def decoded_positions(lines: list[bytes], feed: str) -> set[tuple[int, float]]:
    ingestor = Ingestor()
    records = ingestor.ingest(lines, feed) + ingestor.finish()  # finish: records still waiting
    return {(r.mmsi, r.time) for r in records if isinstance(r, Position) and r.time is not None}


def test_a_timed_recording_stores_every_position_it_decodes(plain_database: str) -> None:
    done = mda("import", str(TAGGED_LOG), "-d", plain_database)
    assert done.returncode == 0, done.stderr
    expected = decoded_positions(read_lines(TAGGED_LOG), str(TAGGED_LOG))
    stored = query(plain_database, "SELECT mmsi, extract(epoch FROM time) FROM positions")
    assert {(m, float(t)) for m, t in stored} == expected
    assert "lines 223" in done.stderr


def test_ais_catcher_json_lines_import_from_gzip(plain_database: str, tmp_path: Path) -> None:
    sentences = [line.decode() for line in read_lines(shared("ais/pyais/messages.ais"))
                 if line.startswith(b"!AIVDM")]  # fmt: skip
    lines = [
        json.dumps({"class": "AIS", "rxuxtime": 1_714_564_800 + 10 * i, "nmea": [s]})
        for i, s in enumerate(sentences)
    ]
    path = tmp_path / "catcher.json.gz"
    path.write_bytes(gzip.compress("\n".join(lines).encode()))
    done = mda("import", str(path), "-d", plain_database)
    assert done.returncode == 0, done.stderr
    assert f"{path}: JSON" in done.stderr
    assert count(plain_database, "positions") == len(sentences) == 6


def test_an_unreadable_file_or_no_database_is_one_clear_line(tmp_path: Path) -> None:
    missing = mda("import", str(tmp_path / "nothing.csv"), "-d", "postgresql://x@127.0.0.1/x")
    assert missing.returncode == 1
    assert missing.stderr.splitlines() == [f"mda: error: cannot read {tmp_path}/nothing.csv: "
                                           "no such file"]  # fmt: skip
    nowhere = mda("import", str(NOAA))
    assert nowhere.returncode == 1
    assert nowhere.stderr.splitlines() == [
        "mda: error: an import needs a database: give one with -d postgresql://USER@HOST/DB "
        "(or 'embedded'), or a --config whose [database] url names one"
    ]
