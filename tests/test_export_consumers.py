"""Every export of `mda query` opened by the tools analysts use: GDAL (`ogrinfo`, `ogr2ogr`,
Debian's gdal-bin), geopandas, DuckDB (plain Parquet reading: its spatial extension is a
download) and MovingPandas, on a store holding a track across the antimeridian and a vessel
seen once."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import geopandas as gpd
import pyproj
import pytest
import shapely
import typer.main
from typer.testing import CliRunner

from mda.cli.query import app
from mda.model import Position, ZoneEvent, ZoneHour
from mda.store.batch import StoreBatch
from tests.test_cli_query import mda
from tests.test_store_queries import load_recording, write

with warnings.catch_warnings():
    # MovingPandas warns at import about optional smoothers it does not need here.
    warnings.simplefilter("ignore")
    import movingpandas as mpd

# MovingPandas 0.23 on pandas 3 warns of its own use of inplace=, and that it drops the time
# zone (the times stay UTC's wall clock, which a test checks).
pytestmark = [pytest.mark.filterwarnings("ignore:The inplace keyword"),
              pytest.mark.filterwarnings("ignore:Time zone information dropped")]  # fmt: skip
GEOD = pyproj.Geod(ellps="WGS84")
T0 = datetime(2024, 3, 1, tzinfo=UTC).timestamp()
WINDOW = ("--from", "2024-03-01", "--to", "2024-03-02")
FIJI = 512000001  # sails east across 180 south of Fiji
LONE = 512000002  # one report
CROSSING_FIXES = 40
# Around the crossing, west > east: across the antimeridian.
AROUND_180 = "179.5,-17.5,-179.5,-16.5"


def crossing_track() -> list[Position]:
    """A minute apart at 12 knots due east from 179.9 E: about 14.8 km, 180 crossed after 10."""
    fixes = []
    lon, lat = 179.9, -17.0
    for i in range(CROSSING_FIXES):
        fixes.append(Position(T0 + 60.0 * i, FIJI, 1, lat, lon, 12.0, 90.0, 90, 0, 0.0, True,
                              "synthetic"))  # fmt: skip
        lon, lat, _ = GEOD.fwd(lon, lat, 90.0, 12.0 * 1852.0 / 60.0)
    return fixes


def true_length_m(fixes: list[Position]) -> float:
    lons = [f.lon for f in fixes]
    lats = [f.lat for f in fixes]
    return float(sum(GEOD.inv(lons[:-1], lats[:-1], lons[1:], lats[1:])[2]))


def lone_fix() -> Position:
    return Position(T0 + 600.0, LONE, 1, -16.9, 179.95, 0.0, None, None, 1, 0.0, True, "synthetic")


@pytest.fixture
def store(plain_database: str) -> str:
    event = ZoneEvent(T0 + 600.0, FIJI, "fiji-waters", "enter", -17.0, 179.98)
    hour = ZoneHour(T0, "fiji-waters", FIJI, T0 + 600.0, T0 + 2340.0)
    write(plain_database, StoreBatch(positions=[*crossing_track(), lone_fix()],
                                     zone_events=[event], zone_hours=[hour]))  # fmt: skip
    return plain_database


def query(*args: str) -> subprocess.CompletedProcess[str]:
    done = mda(*args)
    assert done.returncode == 0, done.stderr
    return done


def ogrinfo(path: Path) -> str:
    tool = shutil.which("ogrinfo")
    assert tool, "these tests need GDAL's ogrinfo: apt-get install gdal-bin"
    done = subprocess.run([tool, "-ro", "-so", "-al", str(path)], capture_output=True, text=True,
                          timeout=60, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def geometry_type(info: str) -> str:
    found = re.search(r"^Geometry: (.+)$", info, re.MULTILINE)
    assert found, info
    return found.group(1)


def lon_lat(frame: gpd.GeoDataFrame) -> bool:
    """True when the frame is in longitude, latitude on WGS 84 (CRS84, or EPSG:4326 as GDAL
    names GeoJSON's)."""
    return bool(pyproj.CRS(frame.crs).equals("OGC:CRS84", ignore_axis_order=True))


def test_a_track_across_180_measures_its_true_length(store: str, tmp_path: Path) -> None:
    truth = true_length_m(crossing_track())
    assert 14_000 < truth < 15_500
    lines, geo = tmp_path / "track.geojson", tmp_path / "track.parquet"
    query("track", str(FIJI), "-d", store, *WINDOW, "-f", "geojson", "--geometry", "lines",
          "-o", str(lines))  # fmt: skip
    query("track", str(FIJI), "-d", store, *WINDOW, "-f", "geoparquet", "--geometry", "lines",
          "-o", str(geo))  # fmt: skip
    assert geometry_type(ogrinfo(lines)) == "Multi Line String"
    for frame in (gpd.read_file(lines), gpd.read_parquet(geo)):
        assert lon_lat(frame) and list(frame.geom_type) == ["MultiLineString"]
        assert GEOD.geometry_length(frame.geometry[0]) == pytest.approx(truth, rel=1e-3)
        metric = frame.to_crs(frame.estimate_utm_crs())
        assert float(metric.length[0]) == pytest.approx(truth, rel=5e-3)
    # MovingPandas measures its trajectory from the MF-JSON (geodesic between fixes).
    moving = tmp_path / "track.mf.json"
    query("track", str(FIJI), "-d", store, *WINDOW, "-f", "mfjson", "-o", str(moving))
    collection = mpd.read_mf_json(str(moving), traj_id_property="trajectory_id")
    (trajectory,) = collection.trajectories
    assert len(trajectory.df) == CROSSING_FIXES
    assert trajectory.get_start_time() == datetime.fromtimestamp(T0, UTC).replace(tzinfo=None)
    assert trajectory.get_length() == pytest.approx(truth, rel=1e-3)


def test_track_geojson_is_points_as_the_readme_says(store: str) -> None:
    done = query("track", str(FIJI), "-d", store, *WINDOW, "-f", "geojson")
    features = json.loads(done.stdout)["features"]
    assert len(features) == CROSSING_FIXES
    assert {f["geometry"]["type"] for f in features} == {"Point"}


def test_zone_lines_are_one_geometry_type_that_gdal_converts(store: str, tmp_path: Path) -> None:
    lines = tmp_path / "zone.geojson"
    query("zone", "--bbox", AROUND_180, "-d", store, *WINDOW, "-f", "geojson", "--geometry",
          "lines", "-o", str(lines))  # fmt: skip
    info = ogrinfo(lines)
    assert geometry_type(info) == "Multi Line String" and "Feature Count: 2" in info
    shapefile = tmp_path / "shp"
    done = subprocess.run(["ogr2ogr", "-f", "ESRI Shapefile", str(shapefile), str(lines)],
                          capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Feature Count: 2" in ogrinfo(shapefile)
    frame = gpd.read_file(lines)
    lone = frame[frame["mmsi"] == LONE].geometry.iloc[0]
    assert lone.length == 0 and shapely.get_coordinates(lone)[0].tolist() == [179.95, -16.9]
    # Points are Points.
    points = tmp_path / "points.geojson"
    query("zone", "--bbox", AROUND_180, "-d", store, *WINDOW, "-f", "geojson", "-o", str(points))
    info = ogrinfo(points)
    assert geometry_type(info) == "Point" and f"Feature Count: {CROSSING_FIXES + 1}" in info


def test_geoparquet_opens_in_geopandas_and_duckdb(store: str, tmp_path: Path) -> None:
    out = tmp_path / "zone.parquet"
    query("zone", "--bbox", AROUND_180, "-d", store, *WINDOW, "-f", "geoparquet", "-o", str(out))
    frame = gpd.read_parquet(out)
    assert len(frame) == CROSSING_FIXES + 1 and lon_lat(frame)
    assert set(frame.geom_type) == {"Point"}
    assert (frame.geometry.x == frame["lon"]).all() and (frame.geometry.y == frame["lat"]).all()
    assert str(frame["time"].dtype) == "datetime64[us, UTC]"
    with duckdb.connect() as db:
        geo = db.execute("SELECT decode(value) FROM parquet_kv_metadata(?) WHERE decode(key) = "
                         "'geo'", [str(out)]).fetchone()  # fmt: skip
        assert geo is not None
        metadata = json.loads(geo[0])
        assert metadata["version"] == "1.1.0" and metadata["primary_column"] == "geometry"
        column = metadata["columns"]["geometry"]
        assert column["encoding"] == "WKB" and column["geometry_types"] == ["Point"]
        west, _, east, _ = column["bbox"]
        assert west > east  # the box crosses 180, as the points do
        rows = db.execute("SELECT lon, lat, geometry FROM read_parquet(?) ORDER BY time",
                          [str(out)]).fetchall()  # fmt: skip
    assert len(rows) == CROSSING_FIXES + 1
    for lon, lat, wkb in rows:
        point = shapely.from_wkb(bytes(wkb))
        assert (point.x, point.y) == (lon, lat)
    # Plain Parquet stays plain columns.
    plain = tmp_path / "plain.parquet"
    query("zone", "--bbox", AROUND_180, "-d", store, *WINDOW, "-f", "parquet", "-o", str(plain))
    with duckdb.connect() as db:
        count = db.execute("SELECT count(*) FROM read_parquet(?)", [str(plain)]).fetchone()
    assert count == (CROSSING_FIXES + 1,)


def test_zone_mfjson_with_a_single_fix_vessel_reads_in_movingpandas(
    store: str, tmp_path: Path
) -> None:
    out = tmp_path / "zone.mf.json"
    done = query("zone", "--bbox", AROUND_180, "-d", store, *WINDOW, "-f", "mfjson", "-o",
                 str(out))  # fmt: skip
    assert "1 single-fix segments left out of MF-JSON" in done.stderr
    collection = mpd.read_mf_json(str(out), traj_id_property="trajectory_id")
    assert [t.id for t in collection.trajectories] == [f"{FIJI}-0"]
    assert len(collection.trajectories[0].df) == CROSSING_FIXES
    # GDAL reads it as GeoJSON, one geometry type.
    assert geometry_type(ogrinfo(out)) == "Multi Line String"


def test_zone_events_open_in_gdal_and_geopandas(store: str, tmp_path: Path) -> None:
    for fmt, name in (("geojson", "events.geojson"), ("geoparquet", "events.parquet")):
        query("events", "-d", store, *WINDOW, "-f", fmt, "-o", str(tmp_path / name))
    assert geometry_type(ogrinfo(tmp_path / "events.geojson")) == "Point"
    for frame in (gpd.read_file(tmp_path / "events.geojson"),
                  gpd.read_parquet(tmp_path / "events.parquet")):  # fmt: skip
        assert list(frame["zone_id"]) == ["fiji-waters"]
        assert (frame.geometry.x[0], frame.geometry.y[0]) == (179.98, -17.0)


# -- what --help offers is what each command writes -----------------------------------------

COMMANDS: dict[str, tuple[str, ...]] = {
    "track": (str(FIJI),),
    "zone": ("--bbox", AROUND_180),
    "events": (),
    "alerts": (),
    "traffic": ("fiji-waters",),
}


def offered(command: str) -> tuple[list[str], list[str]]:
    """The formats ``command``'s --help lists, and those it lists for --vessels."""
    click_command: Any = typer.main.get_command(app)
    option = next(p for p in click_command.commands[command].params if p.name == "fmt")
    main, _, vessels = option.help.partition("(")

    def names(text: str) -> list[str]:
        return [w for w in re.findall(r"[a-z]+", text) if w != "or"]

    return names(main), names(vessels.partition("--vessels:")[2])


def test_every_format_listed_in_help_is_written(store: str, tmp_path: Path) -> None:
    runner = CliRunner()
    tried = 0
    for command, args in COMMANDS.items():
        listed, with_vessels = offered(command)
        assert "table" in listed and "csv" in listed and "parquet" in listed
        runs = [(fmt, ()) for fmt in listed] + [(fmt, ("--vessels",)) for fmt in with_vessels]
        for fmt, extra in runs:
            out = tmp_path / f"{command}-{fmt}-{len(extra)}.out"
            result = runner.invoke(app, [command, *args, *extra, "-d", store, *WINDOW, "-f", fmt,
                                         "-o", str(out)])  # fmt: skip
            assert result.exit_code == 0 and result.exception is None, (command, fmt, result)
            assert out.stat().st_size > 0
            tried += 1
    assert tried == 6 + 6 + 3 + 5 + 3 + 3
    # And what is not listed is refused, in one line naming the choices.
    refused = runner.invoke(app, ["alerts", "-d", store, *WINDOW, "-f", "geojson"])
    assert "--format must be one of table, csv, parquet" in str(refused.exception)


def test_zone_mfjson_of_a_real_recording_reads_in_movingpandas(
    plain_database: str, tmp_path: Path
) -> None:
    load_recording(plain_database)
    out = tmp_path / "channel.mf.json"
    done = query("zone", "--bbox", "-6,48,2,52", "-d", plain_database, "--from", "2011-07-26",
                 "--to", "2011-07-27", "-f", "mfjson", "-o", str(out))  # fmt: skip
    lone = re.search(r"(\d+) single-fix segments left out of MF-JSON", done.stderr)
    assert lone and int(lone.group(1)) > 0, done.stderr
    document = json.loads(out.read_text())
    collection = mpd.read_mf_json(str(out), traj_id_property="trajectory_id")
    assert len(collection.trajectories) == len(document["features"]) > 100
    for trajectory, feature in zip(collection.trajectories, document["features"], strict=True):
        assert trajectory.id == feature["id"]
        assert len(trajectory.df) == len(feature["temporalGeometry"]["datetimes"]) >= 2
