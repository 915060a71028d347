"""Derived history equals a recount of the stored positions, whatever order they came in.

The recording: three hours of real English Channel traffic rebuilt as a satellite feed
(tests/satellite.py): written pass by pass 21 to 113 minutes late, passes out of order, half
the reports with a wrapper time, the others with only the forwarder's stamp. Replayed with
the default lateness (2 min: most reports come far later, and are stored as late) and with
one that covers the passes (3 h), into a real database with a user zone over the shipping
lanes; then every stored position is located again and:

- zone hours (and ``mda query traffic``) equal the vessels and hours a recount finds;
- zone events equal the entries and exits along each vessel's stored track (fixes whose time
  is trusted, in time order).
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl
import psycopg
import pytest

from mda.resources import default_folder
from mda.store.zone_history import TRACK_FIXES
from mda.zones.catalog import ZoneCatalog
from mda.zones.index import ZoneIndex
from mda.zones.presence import events_along
from tests.test_clocks import satellite

ZONE = "channel-lanes"
LANES = {  # a box over the lanes south of Start Point that most of the traffic crosses
    "type": "FeatureCollection",
    "features": [{
        "type": "Feature",
        "properties": {"id": ZONE, "name": "Channel lanes (test)", "kind": "custom"},
        "geometry": {"type": "Polygon", "coordinates": [[
            [-3.40, 49.80], [-3.20, 49.80], [-3.20, 49.90], [-3.40, 49.90], [-3.40, 49.80],
        ]]},
    }],
}  # fmt: skip


def mda(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "import mda.cli; mda.cli.main()", *args],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip


def zones(folder: Path) -> Path:
    folder.mkdir()
    (folder / "lanes.geojson").write_text(json.dumps(LANES))
    return folder


def located(folder: Path, lon: np.ndarray, lat: np.ndarray) -> list[frozenset[str]]:
    catalog = ZoneCatalog.load([default_folder("zones"), folder])
    return ZoneIndex(list(catalog)).zone_sets(lon, lat)


@pytest.mark.parametrize("lateness", ["2m", "3h"])
def test_zone_hours_traffic_and_events_equal_a_recount(
    lateness: str, plain_database: str, tmp_path: Path
) -> None:
    recording = tmp_path / "satellite.nmea"
    recording.write_bytes(b"\n".join(satellite().lines) + b"\n")
    folder = zones(tmp_path / "zones")
    done = mda("replay", str(recording), "-d", plain_database, "--zones", str(folder),
               "--lateness", lateness, "-q")  # fmt: skip
    assert done.returncode == 0, done.stderr

    with psycopg.connect(plain_database) as conn:
        rows = conn.execute(
            "SELECT mmsi, time, lat, lon, msg_type NOT IN (4, 9, 11, 21) AS vessel, "
            f"({TRACK_FIXES}) AS on_track FROM positions WHERE lat IS NOT NULL "
            "ORDER BY mmsi, time"
        ).fetchall()
        hours = {(h, z, m): (a, b) for h, z, m, a, b in conn.execute(
            "SELECT hour, zone_id, mmsi, first_time, last_time FROM zone_hours")}  # fmt: skip
        events = sorted(conn.execute(
            "SELECT time, mmsi, zone_id, event FROM zone_events").fetchall())  # fmt: skip
    assert len(rows) > 4000
    where = located(folder, np.array([r[3] for r in rows]), np.array([r[2] for r in rows]))

    # Zone hours: every stored vessel fix counts in the hours of the zones it is in.
    recount: dict[tuple[datetime, str, int], tuple[datetime, datetime]] = {}
    for (mmsi, time, _, _, vessel, _), in_zones in zip(rows, where, strict=True):
        if not vessel:
            continue
        hour = time.replace(minute=0, second=0, microsecond=0)
        for zone in in_zones:
            held = recount.get((hour, zone, mmsi))
            recount[(hour, zone, mmsi)] = (time, time) if held is None else (
                min(held[0], time), max(held[1], time))  # fmt: skip
    assert sum(1 for key in recount if key[1] == ZONE) > 20
    assert hours == recount

    # Traffic as the analyst asks for it.
    first, last = min(r[1] for r in rows), max(r[1] for r in rows)
    done = mda("query", "traffic", ZONE, "-d", plain_database, "--zones", str(folder), "--from",
               first.isoformat(), "--to", last.isoformat(), "--format", "csv")  # fmt: skip
    assert done.returncode == 0, done.stderr
    traffic = pl.read_csv(io.StringIO(done.stdout), try_parse_dates=True)
    counted = {row["hour"]: row["vessels"] for row in traffic.iter_rows(named=True)}
    by_hour: dict[datetime, int] = {}
    for hour, zone, _ in recount:
        if zone == ZONE:
            by_hour[hour] = by_hour.get(hour, 0) + 1
    assert {h.astimezone(UTC): n for h, n in counted.items() if n} == by_hour

    # Zone events: along each vessel's track in time order, from nowhere.
    expected = []
    i = 0
    while i < len(rows):
        j = i
        while j < len(rows) and rows[j][0] == rows[i][0]:
            j += 1
        track = [k for k in range(i, j) if rows[k][5]]
        fixes = [(rows[k][1], rows[k][2], rows[k][3]) for k in track]
        expected += events_along(rows[i][0], fixes, [where[k] for k in track], frozenset())
        i = j
    assert len(expected) > 20
    assert events == sorted((e[0], e[1], e[2], e[3]) for e in expected)
