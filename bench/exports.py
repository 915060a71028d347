"""GeoParquet export of positions against plain Parquet and against shapely's own encoding.

    python -m bench.exports [--rows N] [--repeats N]

Positions are synthetic (a seventh without a position), as the queries return them. Three
writers, alternating in each round so that load on a shared machine falls on all: plain Parquet
(polars, the floor), mda's GeoParquet (point WKB written from the coordinate arrays), and the
same file with the WKB made by shapely (``shapely.points`` then ``shapely.to_wkb``); the files are
the same bytes.
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import shapely

from bench.common import Clocked, clocked, rates, ratio
from mda.store.geoparquet import COLUMN, geoparquet_table, write_geoparquet


def positions(rows: int, seed: int = 1) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    lon = rng.uniform(-180.0, 180.0, rows)
    lon[::7] = np.nan
    start = datetime(2024, 1, 1, tzinfo=UTC)
    return pl.DataFrame({
        "time": pl.datetime_range(start, start + timedelta(seconds=rows - 1), "1s", eager=True,
                                  time_zone="UTC"),
        "mmsi": rng.integers(200_000_000, 200_000_500, rows).astype(np.int32),
        "lat": rng.uniform(-60.0, 60.0, rows),
        "lon": lon,
        "sog": rng.uniform(0.0, 20.0, rows).astype(np.float32),
    }).with_columns(pl.col("lon").fill_nan(None))  # fmt: skip


def with_shapely(frame: pl.DataFrame, out: Path, metadata: dict[bytes, bytes]) -> None:
    """The baseline: the same table, its WKB made by shapely (the ``geo`` metadata made
    beforehand, so its bbox is not in the baseline's time)."""
    located = (frame["lon"].is_not_null() & frame["lat"].is_not_null()).to_numpy()
    shapes = np.full(len(frame), None, dtype=object)
    shapes[located] = shapely.points(frame["lon"].to_numpy()[located],
                                     frame["lat"].to_numpy()[located])  # fmt: skip
    wkb = pa.array(shapely.to_wkb(shapes, flavor="iso"), type=pa.binary())
    pq.write_table(frame.to_arrow().append_column(COLUMN, wkb).replace_schema_metadata(metadata),
                   out)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    frame = positions(args.rows)
    metadata = geoparquet_table(frame).schema.metadata
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "out.parquet"
        writers: dict[str, Callable[[], object]] = {
            "plain Parquet": lambda: frame.write_parquet(out),
            "GeoParquet (mda)": lambda: write_geoparquet(frame, out),
            "GeoParquet (shapely WKB)": lambda: with_shapely(frame, out, metadata),
        }
        runs: dict[str, list[Clocked]] = {name: [] for name in writers}
        sizes: dict[str, int] = {}
        for _ in range(args.repeats):
            for name, write in writers.items():
                with clocked() as clock:
                    write()
                runs[name].append(clock)
                sizes[name] = out.stat().st_size
    print(f"{args.rows:,} positions, {args.repeats} rounds (rows per second, median)")
    for name, measured in runs.items():
        print(f"  {name:<26} {rates(args.rows, measured)}   {sizes[name] / 1e6:6.1f} MB")
    mine = runs["GeoParquet (mda)"]
    print(f"  mda's GeoParquet vs shapely's WKB: {ratio(mine, runs['GeoParquet (shapely WKB)'])}")
    print(f"  mda's GeoParquet vs plain Parquet: {ratio(mine, runs['plain Parquet'])}")


if __name__ == "__main__":
    main()
