"""Import speed: ``mda import`` of a CSV archive against a raw binary COPY of the same rows.

    python -m bench.import_speed [--database URL] [--copies N] [--repeats N] [--step S]

The NOAA MarineCadastre sample (1,000 vessels, one row each) is written ``--copies`` times
(default 200: 200,000 rows) into one CSV of the same layout: copy k of a vessel's row comes
20 s after copy k-1, a little further north, so every (MMSI, time) is distinct and the file
has the density of a real MarineCadastre day (about 80 rows a second of event time).

Measured, in the same run, on a database created on the server and dropped afterwards:

1. ``mda import``'s path (the Importer: read, parse and check the CSV, event-time order, vessel
   state and segments, zones with mda's default catalogue, the store writer: positions,
   statics, vessels, zone events and hours), wall and CPU time of this process, from a
   truncated store each time (the pipeline is built outside the clock: loading the zone
   catalogue takes about 2 s once per command);
2. the raw baseline: psycopg binary COPY of the same rows, ready-made, into a plain table
   (no index, no partitions), and into ``positions`` itself (partitioned, unique index);
3. stages without the database: the CSV into records (mda.archive), records through the core,
   and the csv module only splitting rows and converting seven fields (a floor for a reader
   in Python).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

from bench.common import tune_gc
from mda.archive.layout import read_layout, split_header
from mda.archive.rows import ArchiveRows, rows_table
from mda.importing.run import Importer, ImportOptions, import_pipeline
from mda.model import Position
from mda.resources import default_folder
from mda.sequencer import SLICE_S
from mda.store.copy import POSITION_COLUMNS, POSITION_TYPES, copy_rows, position_rows
from tests.data import shared
from tests.services import PG_URL, database_url

NOAA = "ais/AISdb/test_data_noaa_20230101.csv"
STEP_S = 20.0  # event time between two copies of a vessel's row
TABLES = "positions, zone_events, zone_hours, vessels, vessel_identity"


def replicated_csv(copies: int, out: Path) -> int:
    """The sample written ``copies`` times, in time order; returns the rows written."""
    with shared(NOAA).open(newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = list(reader)
    t, lat = header.index("BaseDateTime"), header.index("LAT")
    out_rows = []
    for k in range(copies):
        for row in rows:
            copy = list(row)
            stamp = datetime.fromisoformat(row[t]).replace(tzinfo=UTC).timestamp() + k * STEP_S
            copy[t] = datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%dT%H:%M:%S")
            copy[lat] = f"{min(89.9, float(row[lat]) + k * 1e-4):.5f}"
            out_rows.append(copy)
    out_rows.sort(key=lambda r: r[t])
    with out.open("w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(out_rows)
    return len(out_rows)


def options(step_s: float) -> ImportOptions:
    return ImportOptions(zone_paths=[default_folder("zones")], step_s=step_s)


def records_of(path: Path) -> list[Any]:
    """The CSV's records, as the import reads them (chunks of 4 MB)."""
    data = path.read_bytes()
    header, _, body = data.partition(b"\n")
    layout = read_layout(split_header(header.decode()), str(path))
    rows = ArchiveRows(layout, str(path))
    out: list[Any] = []
    step = 4 << 20
    start = 0
    while start < len(body):
        end = body.find(b"\n", start + step)
        end = len(body) if end < 0 else end + 1
        out += rows.decode(rows_table(body[start:end], layout))
        start = end
    return out


def csv_module_floor(path: Path) -> int:
    """Rows split by the csv module, seven fields converted, nothing checked."""
    n = 0
    with path.open(newline="") as f:
        reader = csv.reader(f)
        next(reader)
        for row in reader:
            (int(row[0]), datetime.fromisoformat(row[1]), float(row[2]), float(row[3]),
             float(row[4]), float(row[5]), float(row[6]))  # fmt: skip
            n += 1
    return n


def timed(fn: Callable[[], object]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


async def truncate(url: str) -> None:
    async with await psycopg.AsyncConnection.connect(url) as conn:
        await conn.execute(f"TRUNCATE {TABLES}".encode())


async def mda_import(url: str, path: Path, step_s: float) -> tuple[float, float, int]:
    importer = Importer(url, options(step_s))
    wall, cpu = time.perf_counter(), time.process_time()
    report = await importer.run([path])
    return time.perf_counter() - wall, time.process_time() - cpu, report.written


async def raw_copy(url: str, table: str, rows: list[tuple[Any, ...]]) -> tuple[float, float]:
    async with await psycopg.AsyncConnection.connect(url) as conn:
        await conn.execute(f"TRUNCATE {table}".encode())
        await conn.commit()
        wall, cpu = time.perf_counter(), time.process_time()
        for i in range(0, len(rows), 50_000):
            async with conn.transaction():
                await copy_rows(conn, table, POSITION_COLUMNS, POSITION_TYPES, rows[i : i + 50_000])
        return time.perf_counter() - wall, time.process_time() - cpu


def line(label: str, rows: int, wall: float, cpu: float, baseline: float | None = None) -> str:
    ratio = f"  {rows / wall / baseline:5.2f} x raw" if baseline else ""
    return f"  {label:<44} {rows / wall:>9,.0f} rows/s  wall {wall:6.2f} s  CPU {cpu:6.2f} s{ratio}"


async def run(url: str, path: Path, n: int, args: argparse.Namespace) -> None:
    # Schema and partitions first (an import creates them), so the raw COPY finds them too.
    await mda_import(url, path, args.step)
    records = records_of(path)
    rows = position_rows(r for r in records if isinstance(r, Position))
    async with await psycopg.AsyncConnection.connect(url) as conn:
        await conn.execute(b"CREATE TABLE raw_positions (LIKE positions)")
        await conn.commit()
    best: dict[str, tuple[float, float]] = {}
    written = 0
    for _ in range(args.repeats):
        for label, job in (
            ("raw", lambda: raw_copy(url, "raw_positions", rows)),
            ("raw_indexed", lambda: raw_copy(url, "positions", rows)),
        ):
            result = await job()
            best[label] = min(best.get(label, result), result)
        await truncate(url)
        wall, cpu, written = await mda_import(url, path, args.step)
        best["mda"] = min(best.get("mda", (wall, cpu)), (wall, cpu))
    raw = n / best["raw"][0]
    print(f"{n:,} CSV rows ({args.size_mb:.1f} MB), {written:,} positions "
          f"written; best of {args.repeats}; slices of {args.step:.0f} s")  # fmt: skip
    print(line("raw binary COPY into a plain table", n, *best["raw"]))
    print(line("raw binary COPY into positions (indexed)", n, *best["raw_indexed"], raw))
    print(line("mda import (CSV to store, whole path)", n, *best["mda"], raw))
    print("stages without the database:")
    print(line("CSV into records (mda.archive, polars)", n, *timed(lambda: records_of(path))))
    print(line("csv module: split, 7 fields, no checks", n, *timed(lambda: csv_module_floor(path))))
    pipeline = import_pipeline(options(args.step))
    print(line("records through the core (no rules)", n,
               *timed(lambda: (pipeline.process_records(records), pipeline.finish()))))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database", default=PG_URL, help="a server URL (a database is created on it)"
    )
    parser.add_argument("--copies", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--step", type=float, default=SLICE_S, help="event-time slice (s)")
    args = parser.parse_args()
    tune_gc()
    name = f"mda_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(args.database, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
    url = database_url(args.database, name)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "noaa_replicated.csv"
            n = replicated_csv(args.copies, path)
            args.size_mb = path.stat().st_size / 1e6
            asyncio.run(run(url, path, n, args))
    finally:
        with psycopg.connect(args.database, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
