"""Density (vessel-hours per cell) summed in the database, against reading the positions out and
summing them in polars; and the time to draw it and a track.

    python -m bench.density [--vessels N] [--hours H] [--repeats N]

Synthetic traffic: ``--vessels`` vessels wandering the Red Sea, a fix every 30 s for
``--hours`` (some silences longer than the 30-minute cap), stored in a fresh PostgreSQL database
through mda's writer (then analysed, as autovacuum would). Each round runs, alternating:
``density`` (SQL sums the cells), ``density`` in a polygon zone (SQL credits each fix, polars
tests the polygon and sums), and the baseline: the same window's fixes read out through ADBC
and credited and summed in polars. The baseline's cells must equal mda's (checked, not timed).
Then each picture is drawn once to PNG.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import psycopg

from bench.common import Clocked, clocked, rates, ratio
from mda.model import Position
from mda.store.batch import StoreBatch
from mda.store.density import DensityFilter, density
from mda.store.queries import Queries
from mda.store.writer import StoreWriter
from tests.conftest import _create_database

START = datetime(2024, 5, 1, tzinfo=UTC)
CELL = 0.1
CAP_S = 1800.0
ZONE = {"type": "Polygon", "coordinates": [[[36.0, 20.0], [39.0, 20.0], [39.0, 23.0],
                                            [36.0, 23.0], [36.0, 20.0]]]}  # fmt: skip


def traffic(vessels: int, hours: float, seed: int = 1) -> list[Position]:
    rng = np.random.default_rng(seed)
    steps = int(hours * 3600 / 30)
    out: list[Position] = []
    t0 = START.timestamp()
    for k in range(vessels):
        mmsi = 622000000 + k
        lat = rng.uniform(14.0, 27.0) + np.cumsum(rng.normal(0.0, 0.002, steps))
        lon = rng.uniform(35.0, 41.0) + np.cumsum(rng.normal(0.0, 0.002, steps))
        heard = rng.random(steps) > 0.002  # now and then a silence
        heard[rng.integers(0, steps)] = False
        for step in np.flatnonzero(heard).tolist():
            out.append(Position(t0 + 30.0 * step, mmsi, 1, float(lat[step]), float(lon[step]),
                                10.0, 90.0, 90, 0, 0.0, True, "bench"))  # fmt: skip
    return out


def store(url: str, positions: list[Position]) -> None:
    async def run() -> None:
        writer = StoreWriter(url)
        await writer.start()
        for k in range(0, len(positions), 50_000):
            await writer.write(StoreBatch(positions=positions[k : k + 50_000]))
        await writer.close()

    asyncio.run(run())
    # As autovacuum would soon after: the planner's statistics of the new rows.
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE positions")


def in_polars(queries: Queries, since: datetime, until: datetime) -> pl.DataFrame:
    """The baseline: every fix read out, credited and summed here."""
    cap = timedelta(seconds=CAP_S)
    fixes = queries.fetch(
        "SELECT mmsi, segment, time, lat, lon FROM positions WHERE time >= $1 AND time < $2 "
        "AND lat IS NOT NULL AND lon IS NOT NULL AND msg_type NOT IN (4, 11, 21) "
        "AND time_quality IS DISTINCT FROM 'suspect'",
        (since - cap, until + cap),
    )
    upper = pl.min_horizontal(
        pl.col("time").shift(-1).over("mmsi", "segment", order_by="time"),
        pl.col("time") + cap, pl.lit(until),
    )  # fmt: skip
    seconds = (upper - pl.max_horizontal(pl.col("time"), pl.lit(since))).dt.total_microseconds()
    return (
        fixes.with_columns((seconds / 1e6).alias("seconds"))
        .filter((pl.col("time") < until) & (pl.col("seconds") > 0))
        .group_by(((pl.col("lon") + 180) / CELL).floor().cast(pl.Int64).alias("ix"),
                  ((pl.col("lat") + 90) / CELL).floor().cast(pl.Int64).alias("iy"))
        .agg((pl.col("seconds").sum() / 3600).alias("vessel_hours"))
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vessels", type=int, default=300)
    parser.add_argument("--hours", type=float, default=12.0)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    positions = traffic(args.vessels, args.hours)
    since, until = START, START + timedelta(hours=args.hours)
    for url in _create_database("postgresql"):
        store(url, positions)
        with Queries(url) as queries:
            mine = density(queries, since, until, cell_deg=CELL)
            theirs = in_polars(queries, since, until)
            assert len(mine) == len(theirs)
            assert abs(mine["vessel_hours"].sum() - theirs["vessel_hours"].sum()) < 1e-6
            ways: dict[str, Callable[[], object]] = {
                "density (SQL sums)": lambda: density(queries, since, until, cell_deg=CELL),
                "density in a polygon": lambda: density(
                    queries, since, until, cell_deg=CELL, where=DensityFilter(area=ZONE)),
                "baseline: fixes to polars": lambda: in_polars(queries, since, until),
            }  # fmt: skip
            runs: dict[str, list[Clocked]] = {name: [] for name in ways}
            for _ in range(args.repeats):
                for name, way in ways.items():
                    with clocked() as clock:
                        way()
                    runs[name].append(clock)
            print(f"{len(positions):,} positions of {args.vessels} vessels over {args.hours:g} h,"
                  f" {len(mine):,} cells of {CELL} degrees; {args.repeats} rounds "
                  "(positions per second, median)")  # fmt: skip
            for name, measured in runs.items():
                print(f"  {name:<28} {rates(len(positions), measured)}")
            print("  SQL sums vs baseline: "
                  f"{ratio(runs['density (SQL sums)'], runs['baseline: fixes to polars'])}")
            pictures(queries, since, until)


def pictures(queries: Queries, since: datetime, until: datetime) -> None:
    import mda.plot

    drawings: dict[str, Callable[[], object]] = {
        "density picture": lambda: mda.plot.density(queries, since, until, cell_deg=CELL),
        "track picture": lambda: mda.plot.track(queries, 622000000, since, until),
    }
    with tempfile.TemporaryDirectory() as folder:
        for name, draw in drawings.items():
            with clocked() as clock:
                figure = draw()
                figure.savefig(Path(folder) / "out.png")  # type: ignore[attr-defined]
            print(f"  {name:<28} wall {clock.wall:6.2f} s   CPU {clock.cpu:6.2f} s "
                  "(query, draw, PNG)")


if __name__ == "__main__":
    main()
