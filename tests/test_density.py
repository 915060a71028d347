"""Density: vessel-hours per cell from a set of fixes whose hours per cell are known exactly,
stored in a real database; and ``mda query density`` as a user runs it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from mda.errors import ConfigError
from mda.model import Position, VesselStatic
from mda.store.batch import StoreBatch
from mda.store.density import DensityFilter, density, ship_type_ranges
from mda.store.queries import Queries
from tests.test_cli_query import mda
from tests.test_store_queries import write

T0 = datetime(2024, 3, 1, tzinfo=UTC)
START = T0.timestamp()
END = START + 4 * 3600
CARGO_FR = 227000001  # French MMSI, ship type 70
FISHER_GB = 232000002  # British MMSI, ship type 30
BASE_STATION = 2275000


def fix(mmsi: int, t: float, lon: float, lat: float, msg_type: int = 1) -> Position:
    return Position(START + t, mmsi, msg_type, lat, lon, 10.0, 90.0, 90, 0, 0.0, True, "test")


# The cargo ship, cells of 1 degree: each fix credits its cell the time to the next fix, at
# most 30 minutes, clipped to the window [0 h, 4 h).
CARGO = [
    fix(CARGO_FR, -600, 0.5, 0.5),  # before the window: credits (0, 0) from 0 to 600 s: 600
    fix(CARGO_FR, 600, 0.5, 0.5),  # to 1200 s: 600 in (0, 0)
    fix(CARGO_FR, 1200, 1.5, 0.5),  # to 1800 s: 600 in (1, 0)
    fix(CARGO_FR, 1800, 1.5, 0.5),  # 2 h of silence follow: capped at 1800 in (1, 0)
    fix(CARGO_FR, 9000, 2.5, 0.5),  # to 9600 s: 600 in (2, 0)
    fix(CARGO_FR, 9600, 2.5, 0.5),  # next at 15000 s: capped at 1800 (ends before 4 h)
    fix(CARGO_FR, 15000, 2.5, 0.5),  # after the window: nothing
]
# The fisher: a fix every 5 minutes for an hour in (0, 0); the last one, with no next fix,
# credits the 30 minutes of the cap.
FISHER = [fix(FISHER_GB, 300 * k, 0.25, 0.75) for k in range(13)]
# A base station in (0, 0): not a vessel, never counted.
STATION = [fix(BASE_STATION, 60 * k, 0.5, 0.5, msg_type=4) for k in range(30)]
STATICS = [
    VesselStatic(START, CARGO_FR, 5, shipname="CARGO", ship_type=70),
    VesselStatic(START, FISHER_GB, 5, shipname="FISHER", ship_type=30),
]
EXPECTED_HOURS = {  # (lon_min, lat_min): vessel-hours
    (0.0, 0.0): (600 + 600 + 3600 + 1800) / 3600,
    (1.0, 0.0): (600 + 1800) / 3600,
    (2.0, 0.0): (600 + 1800) / 3600,
}


@pytest.fixture
def store(plain_database: str) -> str:
    write(plain_database, StoreBatch(positions=CARGO + FISHER + STATION, statics=STATICS))
    return plain_database


def hours(frame: pl.DataFrame) -> dict[tuple[float, float], float]:
    return {(r["lon_min"], r["lat_min"]): r["vessel_hours"] for r in frame.iter_rows(named=True)}


def test_vessel_hours_per_cell_are_the_time_between_fixes_capped_and_clipped(store: str) -> None:
    with Queries(store) as queries:
        cells = density(queries, START, END, cell_deg=1.0)
    assert hours(cells) == pytest.approx(EXPECTED_HOURS)
    first = cells.row(0, named=True)
    assert (first["lon_max"], first["lat_max"], first["vessels"]) == (1.0, 1.0, 2)
    assert first["fixes"] == 2 + 13  # the cargo's two in the window, the fisher's thirteen


def test_two_halves_of_the_window_add_up_to_the_whole(store: str) -> None:
    with Queries(store) as queries:
        halves = pl.concat([density(queries, START, START + 7000, cell_deg=1.0),
                            density(queries, START + 7000, END, cell_deg=1.0)])  # fmt: skip
    summed = halves.group_by("lon_min", "lat_min").agg(pl.col("vessel_hours").sum())
    assert hours(summed) == pytest.approx(EXPECTED_HOURS)


def test_smaller_cells_split_the_same_hours(store: str) -> None:
    with Queries(store) as queries:
        cells = density(queries, START, END, cell_deg=0.5)
    assert hours(cells) == pytest.approx({
        (0.5, 0.5): 1200 / 3600, (0.0, 0.5): 1.5, (1.5, 0.5): 2400 / 3600,
        (2.5, 0.5): 2400 / 3600,
    })  # fmt: skip


def test_filters_by_ship_type_flag_and_zone(store: str) -> None:
    with Queries(store) as queries:
        fishing = density(queries, START, END, cell_deg=1.0,
                          where=DensityFilter(ship_types=ship_type_ranges(["fishing"])))
        cargo = density(queries, START, END, cell_deg=1.0,
                        where=DensityFilter(ship_types=ship_type_ranges(["70-79"])))
        french = density(queries, START, END, cell_deg=1.0, where=DensityFilter(flags=("fr",)))
        east = density(queries, START, END, cell_deg=1.0,
                       where=DensityFilter(area=(1.0, 0.0, 3.0, 1.0)))
        polygon = {"type": "Polygon",
                   "coordinates": [[[1.2, 0.2], [1.8, 0.2], [1.8, 0.8], [1.2, 0.8], [1.2, 0.2]]]}
        inside = density(queries, START, END, cell_deg=1.0, where=DensityFilter(area=polygon))
    assert hours(fishing) == pytest.approx({(0.0, 0.0): 1.5})
    cargo_only = {**EXPECTED_HOURS, (0.0, 0.0): 1200 / 3600}
    assert hours(cargo) == pytest.approx(cargo_only)
    assert hours(french) == pytest.approx(cargo_only)
    assert hours(east) == pytest.approx({(1.0, 0.0): 2400 / 3600, (2.0, 0.0): 2400 / 3600})
    assert hours(inside) == pytest.approx({(1.0, 0.0): 2400 / 3600})


def test_bad_cells_and_types_are_refused() -> None:
    queries = Queries("postgresql://nobody@127.0.0.1:1/none")  # never reached
    with pytest.raises(ConfigError, match="divides 180"):
        density(queries, START, END, cell_deg=0.7)
    with pytest.raises(ConfigError, match="ship type 'barge'"):
        ship_type_ranges(["barge"])


def test_the_command_writes_csv_and_parquet(store: str, tmp_path: Path) -> None:
    window = ("--from", T0.isoformat(), "--to", (T0 + timedelta(hours=4)).isoformat())
    done = mda("density", "--cell", "1", "-d", store, *window, "--format", "csv")
    assert done.returncode == 0, done.stderr
    csv = pl.read_csv(done.stdout.encode())
    assert hours(csv) == pytest.approx(EXPECTED_HOURS)
    assert "3 cells" in done.stderr

    out = tmp_path / "density.parquet"
    done = mda("density", "--cell", "1", "-d", store, *window, "--type", "fishing",
               "--flag", "GB", "--format", "parquet", "--out", str(out))  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert hours(pl.read_parquet(out)) == pytest.approx({(0.0, 0.0): 1.5})

    zone = tmp_path / "area.geojson"
    zone.write_text(json.dumps({"type": "Feature", "properties": {"name": "east"}, "geometry": {
        "type": "Polygon",
        "coordinates": [[[1.2, 0.2], [2.8, 0.2], [2.8, 0.8], [1.2, 0.8], [1.2, 0.2]]]}}))
    done = mda("density", "--cell", "1", "-d", store, *window, "--geojson", str(zone),
               "--format", "csv")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert set(hours(pl.read_csv(done.stdout.encode()))) == {(1.0, 0.0), (2.0, 0.0)}


def test_the_command_writes_a_geotiff_gis_tools_read(store: str, tmp_path: Path) -> None:
    import rasterio

    out = tmp_path / "density.tif"
    window = ("--from", T0.isoformat(), "--to", (T0 + timedelta(hours=4)).isoformat())
    done = mda("density", "--cell", "0.5", "-d", store, *window, "--format", "geotiff",
               "--out", str(out))  # fmt: skip
    assert done.returncode == 0, done.stderr
    with rasterio.open(out) as raster:
        assert raster.crs.to_epsg() == 4326
        assert (raster.width, raster.height) == (6, 1)  # 0 to 3 degrees east, 0.5 to 1 north
        assert raster.bounds == (0.0, 0.5, 3.0, 1.0)
        band = raster.read(1)
        # Sampled at each cell's centre: the hours of test_smaller_cells_split_the_same_hours.
        centres = [(0.25, 0.75), (0.75, 0.75), (1.25, 0.75), (1.75, 0.75), (2.25, 0.75),
                   (2.75, 0.75)]  # fmt: skip
        values = [v[0] for v in raster.sample(centres)]
    assert values == pytest.approx([1.5, 1200 / 3600, 0.0, 2400 / 3600, 0.0, 2400 / 3600])
    assert band.sum() == pytest.approx(sum(EXPECTED_HOURS.values()))


def test_a_geotiff_needs_a_file(store: str) -> None:
    done = mda("density", "--cell", "1", "-d", store, "--format", "geotiff")
    assert done.returncode == 1
    assert "needs --out FILE" in done.stderr
