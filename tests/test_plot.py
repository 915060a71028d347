"""Pictures of a stored recording: a simulated fishing vessel working 4 h over the SAS-1 cable in
the Red Sea among ordinary traffic, replayed through the whole service into a real PostgreSQL,
then drawn (track, zone traffic, alerts, density) through the Python API and the command line,
and each picture opened and looked at: its size, and the data drawn where the data are."""

from __future__ import annotations

import asyncio
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import numpy.typing as npt
import polars as pl
import pytest
import shapely
from matplotlib.figure import Figure
from PIL import Image

import mda.plot
from mda.plot.basemap import default_basemap, shipped_land, topojson_land
from mda.plot.figures import track_figure
from mda.plot.mapping import SEA, nice_length_km, view_of
from mda.simulate.scenarios import simulate
from mda.store.density import density
from mda.store.queries import Queries
from tests.conftest import _create_database
from tests.scale_kit import base_config, single_process

SCENARIO = "cable-loitering"
SIZE = (1000, 800)  # 10 x 8 in at 100 dpi
ENTRY = "from mda.cli import main; main()"


@dataclass(frozen=True)
class Recording:
    url: str
    start: datetime
    end: datetime
    mmsi: int  # the fishing vessel over the cable
    cable: str  # the cable's zone id


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Recording]:
    made = simulate(SCENARIO, vessels=30)
    path = tmp_path_factory.mktemp("plot") / f"{SCENARIO}.nmea"
    path.write_bytes(b"\n".join(made.lines) + b"\n")
    threat = next(e for e in made.expected if e.rule == "cable_threat")
    assert threat.zone_id is not None
    for url in _create_database("postgresql"):
        asyncio.run(single_process(base_config(url, path)))
        yield Recording(url, datetime.fromtimestamp(made.start, UTC),
                        datetime.fromtimestamp(made.end + 1, UTC), threat.mmsi,
                        threat.zone_id)  # fmt: skip


Pixels = npt.NDArray[np.uint8]


def rendered(figure: Figure, path: Path) -> Pixels:
    """The figure saved as PNG and read back as RGB."""
    figure.savefig(path)
    with Image.open(path) as image:
        assert image.size == SIZE
        return np.asarray(image.convert("RGB"))


def pixel_of(figure: Figure, lon: float, lat: float) -> tuple[int, int]:
    """Row and column of a map point in the saved PNG (rows from the top)."""
    x, y = figure.axes[0].transData.transform((lon, lat))
    return SIZE[1] - round(float(y)), round(float(x))


def near(pixels: Pixels, row: int, column: int, radius: int = 2) -> Pixels:
    return pixels[row - radius : row + radius + 1, column - radius : column + radius + 1]


def hex_rgb(colour: str) -> npt.NDArray[np.int64]:
    return np.array([int(colour[k : k + 2], 16) for k in (1, 3, 5)])


def drawn_over_sea(block: Pixels) -> bool:
    """Some pixel of ``block`` is neither the sea's colour nor white."""
    colours = block.reshape(-1, 3).astype(np.int64)
    sea = np.abs(colours - hex_rgb(SEA)).sum(axis=1) <= 6
    white = (colours >= 250).all(axis=1)
    return bool((~sea & ~white).any())


def map_area(figure: Figure, pixels: Pixels) -> Pixels:
    """The pixels inside the map's axes."""
    (x0, y0), (x1, y1) = figure.axes[0].get_window_extent().get_points()
    return pixels[SIZE[1] - int(y1) + 2 : SIZE[1] - int(y0) - 2, int(x0) + 2 : int(x1) - 2]


def test_a_track_is_drawn_where_its_fixes_are(recording: Recording, tmp_path: Path) -> None:
    figure = mda.plot.track(recording.url, recording.mmsi, recording.start, recording.end)
    pixels = rendered(figure, tmp_path / "track.png")
    with Queries(recording.url) as queries:
        fixes = queries.track(recording.mmsi, recording.start, recording.end)
    assert len(fixes) > 50
    sample = fixes.gather_every(max(len(fixes) // 20, 1))
    for lon, lat in zip(sample["lon"].to_list(), sample["lat"].to_list(), strict=True):
        assert drawn_over_sea(near(pixels, *pixel_of(figure, lon, lat))), (lon, lat)
    # The map is not all track: the sea shows around it.
    area = map_area(figure, pixels).reshape(-1, 3).astype(np.int64)
    assert (np.abs(area - hex_rgb(SEA)).sum(axis=1) <= 6).mean() > 0.3
    title = figure.axes[0].get_title()
    assert f"MMSI {recording.mmsi}" in title and "UTC" in title
    texts = [t.get_text() for t in figure.axes[0].texts]
    assert any(t.endswith(" km") or t.endswith(" m") for t in texts)  # the scale bar
    labels = [t.get_text() for t in figure.axes[0].get_legend().get_texts()]
    assert {"first fix", "last fix", "cables, pipelines"} <= set(labels)
    assert figure.axes[1].get_ylabel() == "speed over ground (kn)"  # the colour bar


def test_a_zone_shows_its_tracks_and_hourly_traffic(recording: Recording, tmp_path: Path) -> None:
    figure = mda.plot.zone(recording.url, recording.cable, recording.start, recording.end)
    pixels = rendered(figure, tmp_path / "zone.png")
    with Queries(recording.url) as queries:
        inside = queries.positions_in(recording.cable, recording.start, recording.end)
        traffic = queries.traffic(recording.cable, recording.start, recording.end)
    assert len(inside) and traffic["vessels"].max() > 0  # type: ignore[operator]
    mine = inside.filter(pl.col("mmsi") == recording.mmsi).gather_every(25)
    for lon, lat in zip(mine["lon"].to_list(), mine["lat"].to_list(), strict=True):
        assert drawn_over_sea(near(pixels, *pixel_of(figure, lon, lat))), (lon, lat)
    bars = figure.axes[1].patches
    assert sum(p.get_height() for p in bars) == traffic["vessels"].sum()


def test_alerts_are_drawn_where_they_were_raised(recording: Recording, tmp_path: Path) -> None:
    figure = mda.plot.alerts(recording.url, recording.start, recording.end)
    pixels = rendered(figure, tmp_path / "alerts.png")
    with Queries(recording.url) as queries:
        found = queries.alerts(recording.start, recording.end)
    threat = found.filter(pl.col("rule") == "cable_threat").row(0, named=True)
    position = json.loads(threat["body"])["position"]
    block = near(pixels, *pixel_of(figure, position["lon"], position["lat"]), radius=1)
    assert drawn_over_sea(block)
    labels = {t.get_text() for t in figure.axes[0].get_legend().get_texts()}
    assert "cable_threat" in labels and threat["severity"] in labels


def test_density_fills_the_cells_with_traffic(recording: Recording, tmp_path: Path) -> None:
    figure = mda.plot.density(recording.url, recording.start, recording.end, cell_deg=0.1)
    pixels = rendered(figure, tmp_path / "density.png")
    with Queries(recording.url) as queries:
        grid = density(queries, recording.start, recording.end, cell_deg=0.1)
    busiest = grid.sort("vessel_hours", descending=True).row(0, named=True)
    centre = (busiest["lon_min"] + 0.05, busiest["lat_min"] + 0.05)
    assert drawn_over_sea(near(pixels, *pixel_of(figure, *centre), radius=1))
    assert "vessel-hours" in figure.axes[0].get_title()


def mda_plot(*args: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "MDA_DATABASE_URL"}
    return subprocess.run([sys.executable, "-c", ENTRY, "plot", *args], capture_output=True,
                          text=True, timeout=300, check=False, env=environment)  # fmt: skip


def test_the_commands_write_png_svg_and_pdf(recording: Recording, tmp_path: Path) -> None:
    window = ("-d", recording.url, "--from", recording.start.isoformat(),
              "--to", recording.end.isoformat())  # fmt: skip
    box = tmp_path / "box.geojson"
    box.write_text(json.dumps({"type": "Polygon", "coordinates": [
        [[37.5, 19.5], [38.5, 19.5], [38.5, 20.5], [37.5, 20.5], [37.5, 19.5]]]}))
    runs = {
        "track.png": ("track", str(recording.mmsi)),
        "zone.svg": ("zone", recording.cable),
        "alerts.pdf": ("alerts",),
        "density.png": ("density", "--cell", "0.25", "--type", "fishing"),
        "box.png": ("density", "--cell", "0.05", "--geojson", str(box)),
    }
    for name, args in runs.items():
        out = tmp_path / name
        done = mda_plot(*args, *window, "--out", str(out))
        assert done.returncode == 0, done.stderr
        assert f"drawn to {out}" in done.stderr
    head = (tmp_path / "zone.svg").read_text(encoding="utf-8")[:400]
    assert "<svg" in head
    assert (tmp_path / "alerts.pdf").read_bytes().startswith(b"%PDF")
    for name in ("track.png", "density.png", "box.png"):
        with Image.open(tmp_path / name) as image:
            assert image.size == SIZE
            colours = np.unique(np.asarray(image.convert("RGB")).reshape(-1, 3), axis=0)
            assert len(colours) > 20, name  # land, sea, data, text: not a blank picture


def test_a_picture_needs_a_known_image_type(recording: Recording, tmp_path: Path) -> None:
    done = mda_plot("alerts", "-d", recording.url, "--out", str(tmp_path / "x.jpeg"))
    assert done.returncode == 1
    assert done.stderr.strip() == f"mda: error: --out {tmp_path / 'x.jpeg'}: give a .png, " \
                                  ".svg or .pdf file"  # fmt: skip


# -- the map's pieces ------------------------------------------------------------------------


def test_the_shipped_land_decodes_from_its_topology() -> None:
    land = shipped_land()
    assert shapely.intersects_xy(land, 32.5, 30.0)  # Sinai
    assert not shapely.intersects_xy(land, 38.0, 20.0)  # the middle of the Red Sea
    # A topology of one square made of two arcs, the second walked backwards.
    square = {
        "type": "Topology",
        "transform": {"scale": [1, 1], "translate": [0, 0]},
        "arcs": [[[0, 0], [2, 0], [0, 2]], [[0, 0], [0, 2], [2, 0]]],
        "objects": {"land": {"type": "GeometryCollection",
                             "geometries": [{"type": "Polygon", "arcs": [[0, ~1]]}]}},
    }  # fmt: skip
    assert topojson_land(square).area == 4.0


def test_a_view_across_the_antimeridian_spans_the_data_not_the_world() -> None:
    view = view_of([179.9, -179.9], [10.0, 10.1])
    assert view.shifted and view.east - view.west < 1.0
    assert not view_of([10.0, 11.0], [10.0, 11.0]).shifted


@pytest.mark.parametrize(("width", "bar"), [(100.0, 20.0), (12.0, 2.0), (0.4, 0.05), (3e3, 500)])
def test_the_scale_bar_is_a_round_fifth(width: float, bar: float) -> None:
    assert nice_length_km(width) == pytest.approx(bar)


def synthetic_track(lons: list[float], lat: float) -> pl.DataFrame:
    t0 = datetime(2024, 6, 1, tzinfo=UTC)
    return pl.DataFrame({
        "time": [t0 + timedelta(minutes=k) for k in range(len(lons))],
        "mmsi": [520000001] * len(lons), "lat": [lat] * len(lons), "lon": lons,
        "sog": [float(k) for k in range(len(lons))], "segment": [0] * len(lons),
    })  # fmt: skip


def test_a_track_across_the_antimeridian_is_drawn_where_it_is(tmp_path: Path) -> None:
    # Off Fiji, which straddles 180 degrees: east from 179.90 to -179.92.
    lons = [179.90, 179.94, 179.98, -179.98, -179.95, -179.92]
    frame = synthetic_track(lons, -17.4)
    start, end = frame["time"].min(), frame["time"].max()
    figure = track_figure(frame, default_basemap(), start, end)  # type: ignore[arg-type]
    west, east = figure.axes[0].get_xlim()
    assert 179.8 < west < 179.9 and 180.0 < east < 180.2  # drawn on 0..360, not the world
    pixels = rendered(figure, tmp_path / "fiji.png")
    for lon in (179.96, 180.0 + 0.035):  # a leg each side of 180
        assert drawn_over_sea(near(pixels, *pixel_of(figure, lon, -17.4))), lon


def test_a_picture_shows_itself_in_a_notebook() -> None:
    frame = synthetic_track([10.0, 10.01, 10.02], 40.0)
    figure = track_figure(frame, default_basemap(), frame["time"].min(),  # type: ignore[arg-type]
                          frame["time"].max())  # type: ignore[arg-type]
    png = figure._repr_png_()  # type: ignore[attr-defined]  # what IPython calls to show it
    with Image.open(io.BytesIO(png)) as image:
        assert image.size == SIZE
