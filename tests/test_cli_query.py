"""`mda query` as a user runs it (a subprocess on a real store), and the time arguments it
reads."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import polars as pl
import pytest

from mda.errors import ConfigError
from mda.model import ZoneHour
from mda.store.batch import StoreBatch
from mda.store.timeargs import parse_duration, parse_time, parse_window
from tests.test_store_queries import MAERSK_VISUAL, load_recording, write

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
DAY = ("--from", "2011-07-26", "--to", "2011-07-27")

# The real entry point (errors become one line).
ENTRY = "from mda.cli import main; main()"


def mda(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "MDA_DATABASE_URL"}
    return subprocess.run(
        [sys.executable, "-c", ENTRY, "query", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=environment | (env or {}),
    )


def one_line_error(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mda: error: "), done.stderr
    return lines[0]


# -- time arguments --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2011-07-26T10:00:00Z", datetime(2011, 7, 26, 10, tzinfo=UTC)),
        ("2011-07-26T10:00:00", datetime(2011, 7, 26, 10, tzinfo=UTC)),  # naive is UTC
        ("2011-07-26 12:00+02:00", datetime(2011, 7, 26, 10, tzinfo=UTC)),
        ("2011-07-26T10:00:00.250Z", datetime(2011, 7, 26, 10, 0, 0, 250_000, tzinfo=UTC)),
        ("2011-07-26", datetime(2011, 7, 26, tzinfo=UTC)),
        ("now", NOW),
        ("NOW", NOW),
        ("-6h", NOW - timedelta(hours=6)),
        ("-30m", NOW - timedelta(minutes=30)),
        ("-2d", NOW - timedelta(days=2)),
        ("-1w", NOW - timedelta(weeks=1)),
        ("-1.5h", NOW - timedelta(minutes=90)),
        ("-90s", NOW - timedelta(seconds=90)),
    ],
)
def test_time_arguments(text: str, expected: datetime) -> None:
    parsed = parse_time(text, now=NOW, name="--from")
    assert parsed == expected and parsed.tzinfo is not None


def test_now_in_another_zone_is_the_same_instant() -> None:
    paris = NOW.astimezone(timezone(timedelta(hours=2)))
    assert parse_time("-1h", now=paris) == NOW - timedelta(hours=1)


@pytest.mark.parametrize(
    "text", ["yesterday", "6h", "-6y", "2011-13-01", "", "-h", "2011-07-26T25"]
)
def test_a_bad_time_names_the_argument(text: str) -> None:
    with pytest.raises(ConfigError, match=r"^--to: cannot read") as caught:
        parse_time(text, now=NOW, name="--to")
    assert "\n" not in str(caught.value)


def test_the_window_defaults_to_the_last_24_hours() -> None:
    assert parse_window(None, None, now=NOW) == (NOW - timedelta(hours=24), NOW)
    assert parse_window("-2h", None, now=NOW) == (NOW - timedelta(hours=2), NOW)
    hour = timedelta(hours=1)
    assert parse_window("-2h", "-1h", now=NOW) == (NOW - 2 * hour, NOW - hour)
    until = datetime(2011, 7, 27, tzinfo=UTC)
    assert parse_window(None, "2011-07-27", now=NOW) == (until - timedelta(hours=24), until)


def test_a_window_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"^--from \(2011-07-27T00:00:00Z\) must be before --to"):
        parse_window("2011-07-27", "2011-07-26", now=NOW)


def test_durations() -> None:
    assert [parse_duration(d) for d in ("600", "90s", "10m", "2h", "1d", "0.5h")] == [
        600.0, 90.0, 600.0, 7200.0, 86400.0, 1800.0,
    ]  # fmt: skip
    with pytest.raises(ConfigError, match=r"^--gap: '-5m' is not a positive duration"):
        parse_duration("-5m", name="--gap")


# -- the command -----------------------------------------------------------------------------


def test_track_by_name_as_csv(plain_database: str) -> None:
    load_recording(plain_database)
    done = mda("track", "Maersk Visual", "--database", plain_database, *DAY, "--format", "csv")
    assert done.returncode == 0, done.stderr
    track = pl.read_csv(io.StringIO(done.stdout))
    assert len(track) == 583 and set(track["mmsi"]) == {MAERSK_VISUAL}
    # The recorder's GPS clock says 09:33:28; the report's own UTC second says 31: the time is
    # repaired to the transmission's (the recorder's last $GPRMC came three seconds before).
    assert track["time"][0] == "2011-07-26T09:33:31.000Z"
    assert track["time_quality"][0] == "repaired"
    assert "583 positions in 1 segments (MMSI 565497000)" in done.stderr


def test_track_downsampled_to_mfjson_file_with_the_database_from_the_environment(
    plain_database: str, tmp_path: Path
) -> None:
    load_recording(plain_database)
    out = tmp_path / "track.json"
    done = mda("track", "IMO 9320738", *DAY, "--resolution", "10m", "-f", "mfjson", "-o", str(out),
               env={"MDA_DATABASE_URL": plain_database})  # fmt: skip
    assert done.returncode == 0, done.stderr
    moving = json.loads(out.read_text())
    geometry = moving["features"][0]["temporalGeometry"]
    assert geometry["type"] == "MovingPoint" and 5 < len(geometry["datetimes"]) < 100
    assert done.stdout == ""


def test_zone_by_bbox_as_geojson_and_as_a_vessel_table(plain_database: str) -> None:
    load_recording(plain_database)
    done = mda("zone", "--bbox", "-3,49.5,-2,50.5", "-d", plain_database, *DAY, "-f", "geojson")
    assert done.returncode == 0, done.stderr
    features = json.loads(done.stdout)["features"]
    assert len(features) > 4000
    assert all(-3 <= f["geometry"]["coordinates"][0] <= -2 for f in features)
    vessels = mda("zone", "--bbox", "-3,49.5,-2,50.5", "-d", plain_database, *DAY, "--vessels")
    assert vessels.returncode == 0, vessels.stderr
    assert "MAERSK VISUAL" in vessels.stdout and "vessels" in vessels.stderr


def test_zone_from_a_geojson_file_to_parquet(plain_database: str, tmp_path: Path) -> None:
    load_recording(plain_database)
    area = tmp_path / "area.geojson"
    area.write_text(json.dumps({"type": "Polygon", "coordinates": [
        [[-3.6, 49.6], [-2.0, 49.9], [-3.0, 50.4], [-3.6, 49.6]]]}))  # fmt: skip
    out = tmp_path / "inside.parquet"
    done = mda("zone", "--geojson", str(area), "-d", plain_database, *DAY, "-f", "parquet",
               "-o", str(out))  # fmt: skip
    assert done.returncode == 0, done.stderr
    inside = pl.read_parquet(out)
    assert len(inside) > 1000 and inside["time"].dtype == pl.Datetime("us", "UTC")


def test_traffic_and_alerts_as_tables(plain_database: str) -> None:
    t = datetime(2011, 7, 26, tzinfo=UTC).timestamp()
    hours = [ZoneHour(t, "channel", mmsi, t, t + 60) for mmsi in (1, 2)]
    write(plain_database, StoreBatch(zone_hours=hours))
    traffic = mda("traffic", "channel", "-d", plain_database, "--from", "2011-07-26T00:00Z",
                  "--to", "2011-07-26T03:00Z", "-f", "csv")  # fmt: skip
    assert traffic.returncode == 0, traffic.stderr
    assert pl.read_csv(io.StringIO(traffic.stdout))["vessels"].to_list() == [2, 0, 0]
    alerts = mda("alerts", "-d", plain_database, *DAY, "--severity", "alarm")
    assert alerts.returncode == 0, alerts.stderr
    assert "0 alerts" in alerts.stderr


def test_bad_arguments_are_one_line_each(plain_database: str) -> None:
    load_recording(plain_database)
    db = ("-d", plain_database)
    cases = [
        (("track", "565497000", *db, "--from", "last tuesday"), "--from: cannot read"),
        (("track", "565497000", *db, *DAY, "-f", "parquet"), "needs --out"),
        (("track", "nobody at all", *db, *DAY), "no vessel named 'nobody at all'"),
        (("zone", "--bbox", "1,2,3", *db, *DAY), "--bbox '1,2,3': give west,south,east,north"),
        (("zone", *db, *DAY), "give exactly one area"),
        (("alerts", *db, *DAY, "-f", "geojson"), "--format must be one of table"),
        (("traffic", "x", *db, "--from", "2011-01-01", "--to", "2012-06-01"),
         "longer than the 366 days allowed"),
        (("zone", "--bbox", "-3,49,-2,50", *db, "--from", "2011-07-26"), "longer than the 31"),
    ]  # fmt: skip
    for args, expected in cases:
        assert expected in one_line_error(mda(*args)), args


def test_no_database_means_the_embedded_one_and_an_unreachable_one_is_one_line() -> None:
    embedded = mda("track", "1", *DAY)
    assert "using mda's embedded PostgreSQL" in embedded.stderr
    unreachable = mda("track", "1", "-d", "postgresql://postgres@127.0.0.1:1/none", *DAY)
    assert "cannot reach the database at postgresql://postgres@127.0.0.1:1/none" in one_line_error(
        unreachable
    )


def test_a_users_zone_is_named_from_its_properties_and_a_repair_is_reported(
    plain_database: str, tmp_path: Path
) -> None:
    load_recording(plain_database)
    box = [[-3.0, 49.5], [-2.0, 49.5], [-2.0, 50.5], [-3.0, 50.5], [-3.0, 49.5]]
    drawn = tmp_path / "drawn.geojson"
    drawn.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"NAME": "Casquets box", "CODE": "CQ"},
         "geometry": {"type": "Polygon", "coordinates": [box]}}]}))  # fmt: skip
    by_name = mda("zone", "casquets-box", "--zones", str(drawn), "-d", plain_database, *DAY)
    assert by_name.returncode == 0, by_name.stderr
    by_code = mda("zone", "cq", "--zones", str(drawn), "--name-property", "CODE",
                  "-d", plain_database, *DAY)  # fmt: skip
    assert by_code.returncode == 0, by_code.stderr
    assert by_name.stdout == by_code.stdout and "positions of" in by_name.stderr
    # The same box drawn as a ring that crosses itself at its middle: repaired, reported, and
    # no position lost.
    bowtie = [[-3.0, 49.5], [-2.0, 50.5], [-2.0, 49.5], [-3.0, 50.5], [-3.0, 49.5]]
    area = tmp_path / "bowtie.geojson"
    area.write_text(json.dumps({"type": "Polygon", "coordinates": [bowtie]}))
    done = mda("zone", "--geojson", str(area), "-d", plain_database, *DAY, "-f", "csv")
    assert done.returncode == 0, done.stderr
    (note,) = [line for line in done.stderr.splitlines() if line.startswith("note: ")]
    assert note.startswith(f"note: {area}: feature 'bowtie-1': repaired Self-intersection[")
    assert len(pl.read_csv(io.StringIO(done.stdout))) > 100
