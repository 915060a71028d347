"""Resampling tracks onto a time grid: known interpolated positions (linear and great
circle), no point across a gap longer than the limit nor beyond a segment's ends, and the
same through `mda query track --resample` and ``Queries.track``."""

from __future__ import annotations

import io
import itertools
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from mda.simulate.ferry import ferry_route
from mda.store.queries import Queries
from mda.store.track_shapes import with_segments
from mda.trajectories.resample import resample
from tests.test_api_kit import ALPHA, world
from tests.test_cli_query import mda
from tests.test_port_visits import T0, WINDOW, store_ferry


def fixes(rows: list[tuple[int, float, float]], *, segment: int = 0, sog: float = 10.0
          ) -> pl.DataFrame:  # fmt: skip
    """Fixes of one vessel at (seconds after T0, lat, lon)."""
    return pl.DataFrame({
        "time": [datetime.fromtimestamp(T0 + t, UTC) for t, _, _ in rows],
        "mmsi": [1] * len(rows),
        "segment": [segment] * len(rows),
        "lat": [lat for _, lat, _ in rows],
        "lon": [lon for _, _, lon in rows],
        "sog": [sog] * len(rows),
        "cog": [90.0] * len(rows),
    }).with_columns(pl.col("segment").cast(pl.Int32))  # fmt: skip


def seconds(frame: pl.DataFrame) -> list[float]:
    return [t.timestamp() - T0 for t in frame["time"]]


def test_linear_points_lie_at_their_share_of_time_and_fixes_on_the_grid_stay_as_they_are() -> None:
    track = fixes([(0, 10.0, 20.0), (100, 10.5, 20.5), (600, 11.0, 21.0)])
    out = resample(track, 300, max_gap_s=3600)
    assert seconds(out) == [0, 300, 600]
    assert out["interpolated"].to_list() == [False, True, False]
    # 300 s is 200/500 of the way from the fix at 100 s to the one at 600 s.
    assert out["lat"][1] == pytest.approx(10.5 + 0.5 * 0.4)
    assert out["lon"][1] == pytest.approx(20.5 + 0.5 * 0.4)
    assert (out["lat"][0], out["lon"][2]) == (10.0, 21.0)


def test_the_grid_is_on_whole_intervals_and_never_beyond_the_ends() -> None:
    track = fixes([(130, 0.0, 0.0), (1030, 0.0, 0.1)])
    out = resample(track, 300, max_gap_s=3600)
    assert seconds(out) == [300, 600, 900]  # nothing before 130 s or after 1030 s
    assert out["lon"].to_list() == pytest.approx([0.1 * 170 / 900, 0.1 * 470 / 900,
                                                  0.1 * 770 / 900])  # fmt: skip


def test_great_circle_and_linear_part_on_a_long_leg() -> None:
    # Midway from 60N 0E to 60N 90E: linearly 60N 45E; on the great circle the normalised
    # sum of the two unit vectors, (0.25, 0.25, 0.866): 45E at atan(0.866/0.3536) = 67.79N.
    track = fixes([(0, 60.0, 0.0), (600, 60.0, 90.0)])
    linear = resample(track, 300, max_gap_s=3600)
    great = resample(track, 300, max_gap_s=3600, method="great_circle")
    assert (linear["lat"][1], linear["lon"][1]) == pytest.approx((60.0, 45.0))
    assert (great["lat"][1], great["lon"][1]) == pytest.approx((67.7923, 45.0), abs=1e-4)


def test_linear_takes_the_short_way_across_180() -> None:
    out = resample(fixes([(0, 0.0, 179.9), (600, 0.0, -179.9)]), 150, max_gap_s=3600)
    assert [round(abs(x), 6) for x in out["lon"]] == [179.9, 179.95, 180.0, 179.95, 179.9]


def test_a_gap_longer_than_the_limit_has_no_point_inside() -> None:
    track = fixes([(0, 0.0, 0.0), (290, 0.0, 0.01), (610, 0.0, 0.02),
                   (4200, 0.0, 0.12), (4500, 0.0, 0.13)])  # fmt: skip
    out = resample(track, 300, max_gap_s=1800)
    assert seconds(out) == [0, 300, 600, 4200, 4500]
    assert not [t for t in seconds(out) if 610 < t < 4200]
    # Within the limit the same gap is filled.
    filled = resample(track, 300, max_gap_s=3600)
    assert seconds(filled) == [300.0 * k for k in range(16)]


def test_segments_are_resampled_apart_and_never_joined() -> None:
    track = pl.concat([fixes([(0, 0.0, 0.0), (600, 0.0, 0.1)]),
                       fixes([(300, 1.0, 1.0), (900, 1.0, 1.1)], segment=1)])  # fmt: skip
    out = resample(track, 300, max_gap_s=3600)
    assert out.select("segment", "time").rows() == [
        (0, datetime.fromtimestamp(T0 + t, UTC)) for t in (0, 300, 600)
    ] + [(1, datetime.fromtimestamp(T0 + t, UTC)) for t in (300, 600, 900)]
    assert out.filter(pl.col("segment") == 1)["lat"].to_list() == [1.0, 1.0, 1.0]


def test_mda_query_track_resampled_and_the_python_api(plain_database: str) -> None:
    ferry = ferry_route(seed=19, t0=T0)
    store_ferry(plain_database, ferry)
    done = mda("track", "247123456", "-d", plain_database, *WINDOW, "--resample", "5m",
               "--gap", "12h", "--max-gap", "1h", "--interpolation", "great-circle",
               "-f", "csv")  # fmt: skip
    assert done.returncode == 0, done.stderr
    grid = pl.read_csv(io.StringIO(done.stdout), try_parse_dates=True)
    assert "interpolated" in done.stderr and grid["interpolated"].any()
    assert all(t.timestamp() % 300 == 0 for t in grid["time"])
    # The 6 h night at Catania with the transponder off is longer than --max-gap: empty.
    times = [f.time for f in ferry.heard]
    silent_from, back = max(itertools.pairwise(times), key=lambda p: p[1] - p[0])
    assert back - silent_from > 5 * 3600
    assert not [t for t in grid["time"] if silent_from < t.timestamp() < back]
    # Under a --max-gap longer than the night, the night is filled.
    assert len(resample(with_segments(stored(plain_database), 43_200), 300,
                        max_gap_s=8 * 3600)) > len(grid)  # fmt: skip
    with Queries(plain_database) as queries:
        api = queries.track(247_123_456, T0, T0 + 86_400, resample_s=300, gap_s=43_200,
                            max_gap_s=3600, interpolation="great_circle")  # fmt: skip
    assert api["lat"].to_list() == pytest.approx(grid["lat"].to_list())

    refused = mda("track", "247123456", "-d", plain_database, *WINDOW, "--max-gap", "1h")
    assert refused.returncode != 0 and "go with --resample" in refused.stderr


def stored(url: str) -> pl.DataFrame:
    with Queries(url) as queries:
        return queries.track(247_123_456, T0, T0 + 86_400, gap_s=43_200)


async def test_the_http_api_resamples_a_track(tmp_path: Path, plain_database: str) -> None:
    # ALPHA: a fix every 30 s from 00:00 for 30 min. On a 45 s grid, every other point falls
    # between two fixes.
    async with world(tmp_path, plain_database) as w:
        response = await w.get(f"/api/v1/vessels/{ALPHA}/track", "analyst", since="2026-01-01",
                               until="2026-01-02", resample_s=45)  # fmt: skip
    assert response.status_code == 200, response.text
    points = response.json()["positions"]
    assert len(points) == 40  # 0 s to 1755 s; the last fix is at 1770 s
    assert [p["interpolated"] for p in points] == [k % 2 == 1 for k in range(40)]
