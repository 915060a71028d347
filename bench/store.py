"""Store benchmark: the writer against raw binary COPY, and query latencies on a big table.

    python -m bench.store [--database URL] [--rows N] [--big-rows N]

1. Writer rate: the same positions written by mda's StoreWriter (from Position records:
   conversion, de-duplication, latest-position upsert, one transaction per batch) and by a raw
   psycopg binary COPY of ready-made rows into the same table, alternating, in the same run.
2. Query latency on a table of ``--big-rows`` positions (default 10 million; 2,000 vessels over
   a week): one vessel's day track, and one hour of a 1 x 1 degree box, each read into polars.

A fresh database is created on the server and dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import numpy as np
import psycopg

from mda.model import Position
from mda.store.batch import StoreBatch
from mda.store.copy import (
    POSITION_COLUMNS,
    POSITION_TYPES,
    copy_rows,
    ensure_partitions,
    position_rows,
)
from mda.store.levels import StoreLevel
from mda.store.writer import StoreWriter
from tests.services import PG_URL, database_url

T0 = 1_767_225_600.0  # 2026-01-01


def synthetic_positions(vessels: int, per_vessel: int, seed: int = 1) -> list[Position]:
    """Vessels crossing a 10 x 10 degree sea, a report every two minutes."""
    rng = np.random.default_rng(seed)
    n = vessels * per_vessel
    mmsi = np.repeat(rng.integers(200_000_000, 775_000_000, vessels), per_vessel)
    steps = np.tile(np.arange(per_vessel), vessels)
    time_s = T0 + steps * 120.0 + np.repeat(rng.uniform(0, 120, vessels), per_vessel)
    lat = np.repeat(rng.uniform(30, 40, vessels), per_vessel) + steps * 1e-3
    lon = np.repeat(rng.uniform(10, 20, vessels), per_vessel) + steps * 1e-3
    sog = rng.uniform(0, 20, n).round(1)
    cog = rng.uniform(0, 360, n).round(1)
    return [
        Position(t, m, 1, la, lo, s, c, int(c), 0, 0.0, True, "bench")
        for t, m, la, lo, s, c in zip(
            time_s.tolist(), mmsi.tolist(), lat.tolist(), lon.tolist(), sog.tolist(),
            cog.tolist(), strict=True,
        )
    ]  # fmt: skip


async def truncate(url: str) -> None:
    async with await psycopg.AsyncConnection.connect(url) as conn:
        await conn.execute("TRUNCATE positions, vessels")


async def raw_copy(url: str, rows: list[tuple[Any, ...]], batch: int) -> float:
    async with await psycopg.AsyncConnection.connect(url) as conn:
        start = time.perf_counter()
        for i in range(0, len(rows), batch):
            async with conn.transaction():
                await copy_rows(
                    conn, "positions", POSITION_COLUMNS, POSITION_TYPES, rows[i : i + batch]
                )  # type: ignore[arg-type]
        return time.perf_counter() - start


async def writer_copy(url: str, positions: list[Position], batch: int) -> float:
    writer = StoreWriter(url)
    await writer.start()
    start = time.perf_counter()
    for i in range(0, len(positions), batch):
        await writer.write(StoreBatch(positions=positions[i : i + batch]))
    await writer.close()  # includes the vessels' last positions, written at close
    return time.perf_counter() - start


BIG_VESSELS = 2_000


async def fill_big_table(url: str, rows: int) -> None:
    vessels = BIG_VESSELS
    per_vessel = rows // vessels
    async with await psycopg.AsyncConnection.connect(url) as conn:
        for first in range(0, vessels, 100):
            chunk = synthetic_positions(100, per_vessel, seed=first + 7)
            async with conn.transaction():
                await copy_rows(
                    conn, "positions", POSITION_COLUMNS, POSITION_TYPES, position_rows(chunk)
                )  # type: ignore[arg-type]
        await conn.execute("ANALYZE positions")
        await conn.commit()


def query_latencies(
    url: str, span_s: float, repeats: int = 20
) -> tuple[list[float], list[float], float, float]:
    """Latencies of the two queries, on windows inside the ``span_s`` the table covers, and
    the mean rows each returned."""
    import adbc_driver_postgresql.dbapi as adbc
    import polars as pl

    track_s: list[float] = []
    box_s: list[float] = []
    track_rows: list[int] = []
    box_rows: list[int] = []
    days = max(1, int(span_s // 86_400))
    hours = max(1, int(span_s // 3_600))
    with adbc.connect(url) as conn, conn.cursor() as cur:
        cur.execute("SELECT DISTINCT mmsi FROM positions LIMIT 200")
        mmsis = [row[0] for row in cur.fetchall()]
        rng = np.random.default_rng(3)
        for i in range(repeats):
            day = datetime.fromtimestamp(T0 + 86_400 * int(rng.integers(0, days)), UTC)
            start = time.perf_counter()
            cur.execute(
                "SELECT time, lat, lon, sog, cog FROM positions WHERE mmsi = $1 "
                "AND time >= $2 AND time < $2 + interval '1 day' ORDER BY time",
                parameters=(mmsis[i % len(mmsis)], day),
            )
            track_rows.append(len(pl.from_arrow(cur.fetch_arrow_table())))
            track_s.append(time.perf_counter() - start)
            hour = datetime.fromtimestamp(T0 + 3_600 * int(rng.integers(0, hours)), UTC)
            lat0, lon0 = float(rng.uniform(31, 39)), float(rng.uniform(11, 19))
            start = time.perf_counter()
            cur.execute(
                "SELECT time, mmsi, lat, lon FROM positions WHERE time >= $1 "
                "AND time < $1 + interval '1 hour' AND lat BETWEEN $2 AND $3 "
                "AND lon BETWEEN $4 AND $5",
                parameters=(hour, lat0, lat0 + 1, lon0, lon0 + 1),
            )
            box_rows.append(len(pl.from_arrow(cur.fetch_arrow_table())))
            box_s.append(time.perf_counter() - start)
    return track_s, box_s, statistics.mean(track_rows), statistics.mean(box_rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database", default=PG_URL, help="a server URL (a database is created on it)"
    )
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--big-rows", type=int, default=10_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    name = f"mda_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(args.database, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
    url = database_url(args.database, name)
    try:
        asyncio.run(run(url, args))
    finally:
        with psycopg.connect(args.database, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')  # type: ignore[arg-type]


async def run(url: str, args: argparse.Namespace) -> None:
    writer = StoreWriter(url)
    level = await writer.start()
    await writer.close()
    print(f"server: {level.describe()}")
    positions = synthetic_positions(1_000, args.rows // 1_000)
    rows = position_rows(positions)
    if level is StoreLevel.POSTGRES:
        # Daily partitions for the whole benchmark, so that the raw COPY finds them too.
        async with await psycopg.AsyncConnection.connect(url) as conn:
            days = {datetime.fromtimestamp(T0 + 86_400 * d, UTC).date() for d in range(10)}
            await ensure_partitions(conn, days)
            await conn.commit()
    raw_s, mda_s = [], []
    for _ in range(args.repeats):
        await truncate(url)
        raw_s.append(await raw_copy(url, rows, 5_000))
        await truncate(url)
        mda_s.append(await writer_copy(url, positions, 5_000))
    n = len(rows)
    raw_rate, mda_rate = n / min(raw_s), n / min(mda_s)
    print(f"writer: {n:,} positions in batches of 5,000")
    print(f"  raw psycopg binary COPY   {raw_rate:>10,.0f} rows/s (best of {args.repeats})")
    print(f"  mda StoreWriter           {mda_rate:>10,.0f} rows/s (best of {args.repeats})")
    print(f"  ratio                     {mda_rate / raw_rate:>10.2f}")
    if args.big_rows:
        await truncate(url)
        start = time.perf_counter()
        await fill_big_table(url, args.big_rows)
        print(
            f"big table: {args.big_rows:,} positions loaded in {time.perf_counter() - start:.0f} s"
        )
        span_s = args.big_rows // BIG_VESSELS * 120.0
        track_s, box_s, track_rows, box_rows = await asyncio.to_thread(query_latencies, url, span_s)
        for label, seconds, got in (
            ("one vessel, one day track", track_s, track_rows),
            ("one hour, 1 x 1 degree box", box_s, box_rows),
        ):
            p50 = statistics.median(seconds) * 1e3
            p95 = sorted(seconds)[int(0.95 * (len(seconds) - 1))] * 1e3
            print(
                f"  {label:<28} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  ({got:,.0f} rows on average)"
            )


if __name__ == "__main__":
    main()
