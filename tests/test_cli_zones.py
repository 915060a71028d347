"""`mda zones` as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def mda(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from mda.cli import main; main()", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_list_shows_every_zone_with_a_summary() -> None:
    done = mda("zones", "list")
    assert done.returncode == 0, done.stderr
    assert "red-sea" in done.stdout and "cable-2africa" in done.stdout
    summary = "300 zones (35 anchorage, 34 cable, 3 custom, 7 mpa, 10 pipeline, 202 port, 9 sea)"
    assert summary in done.stderr


def test_check_a_position_in_port_over_cables() -> None:
    done = mda("zones", "check", "19.61", "37.23", "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    ids = {z["id"] for z in result["zones"]}
    assert {"red-sea", "port-port-sudan", "cable-2africa"} <= ids
    distances = [c["distance_m"] for c in result["lines_within_m"]]
    assert distances == sorted(distances) and distances[0] < 1852


def test_check_with_a_coastline_reports_the_shore(tmp_path: Path) -> None:
    land = {
        "type": "Feature",
        "properties": {"id": "egypt-coast", "kind": "land", "name": "Coast"},
        "geometry": {
            "type": "Polygon",
            "coordinates": [[[29, 30], [30.5, 30], [30.5, 31.1], [29, 31.1], [29, 30]]],
        },
    }
    (tmp_path / "land.geojson").write_text(json.dumps(land))
    done = mda("zones", "check", "31.2", "29.9", "--zones", str(tmp_path), "--json")
    result = json.loads(done.stdout)
    assert result["on_land"] is False
    assert 10_000 < result["distance_to_shore_m"] < 12_000


def test_export_writes_geojson_that_loads_again(tmp_path: Path) -> None:
    out = tmp_path / "cables.geojson"
    done = mda("zones", "export", "--kind", "cable", "--out", str(out))
    assert done.returncode == 0, done.stderr
    exported = json.loads(out.read_text())
    assert len(exported["features"]) == 34
    again = mda("zones", "list", "--no-defaults", "--zones", str(out))
    assert "34 zones (34 cable)" in again.stderr


def test_bad_zone_file_is_one_clear_line(tmp_path: Path) -> None:
    flat = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [2, 0], [0, 0]]]}
    feature = {"type": "Feature", "properties": {"id": "x"}, "geometry": flat}
    collection = {"type": "FeatureCollection", "features": [feature]}
    (tmp_path / "bad.geojson").write_text(json.dumps(collection))
    done = mda("zones", "list", "--zones", str(tmp_path))
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"mda: error: {tmp_path / 'bad.geojson'}: feature 'x': "
        "invalid polygon that cannot be repaired"
    ]


def test_latitude_out_of_range_is_refused() -> None:
    done = mda("zones", "check", "95", "10")
    assert done.returncode == 2


def test_points_west_of_greenwich_and_south_of_the_equator_are_typed_as_they_are() -> None:
    gibraltar = mda("zones", "check", "36.13", "-5.43", "--json")
    assert gibraltar.returncode == 0, gibraltar.stderr
    assert "port-algeciras" in [z["id"] for z in json.loads(gibraltar.stdout)["zones"]]
    cape = mda("zones", "check", "-33.9", "18.4", "--json")
    assert cape.returncode == 0, cape.stderr
    assert json.loads(cape.stdout)["lat"] == -33.9
