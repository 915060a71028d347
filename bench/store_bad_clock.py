"""The 3,000-bad-days case of issue 13, measured on both servers.

    python -m bench.store_bad_clock [--bad N]

A real recording (OpenCPN/Go_to_Guernesey.txt) with ``--bad`` fixes mixed in, each stamped
on a different day of 1995-2100, written as one batch (one transaction's worth, as the service
joins them). Prints, per server: good positions stored, records set aside (by reason),
partitions or chunks created, the write's wall time, and the planning time of a one-vessel
query afterwards. A fresh database per server, dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from pathlib import Path

import psycopg

from mda.store.batch import StoreBatch
from mda.store.writer import StoreWriter
from tests.services import SERVERS, database_url
from tests.test_store_hostile import bad_clock_fixes
from tests.test_store_writer import expected_positions, recording


async def one(server: str, bad_n: int) -> None:
    admin_url = SERVERS[server][0]
    name = f"mda_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
    url = database_url(admin_url, name)
    try:
        good, _ = recording()
        times = [p.time for p in good if p.time is not None]
        bad = bad_clock_fixes(bad_n, (min(times), max(times)))
        mixed = [p for pair in zip(good, bad, strict=False) for p in pair] + good[len(bad) :]
        with tempfile.TemporaryDirectory() as spool:
            writer = StoreWriter(url, spool_dir=Path(spool))
            await writer.start()
            start = time.perf_counter()
            await writer.write(StoreBatch(positions=mixed))
            flushed = await writer.flush(timeout_s=120)
            took = time.perf_counter() - start
            await writer.close()
        async with await psycopg.AsyncConnection.connect(url) as conn:
            cur = await conn.execute(
                "SELECT count(*) FILTER (WHERE source <> 'bad-clock'), "
                "count(*) FILTER (WHERE source = 'bad-clock') FROM positions"
            )
            stored_good, stored_bad = await cur.fetchone() or (0, 0)
            cur = await conn.execute(
                "SELECT count(*) FROM pg_inherits WHERE inhparent = 'positions'::regclass"
            )
            parts = (await cur.fetchone() or (0,))[0]
            cur = await conn.execute(
                "EXPLAIN (ANALYZE, FORMAT JSON) SELECT * FROM positions WHERE mmsi = 338781000 "
                "AND time >= '2011-07-26' AND time < '2011-07-27'"
            )
            plan = (await cur.fetchone() or ([{}],))[0][0]
        print(f"{server}: {bad_n} bad-clock fixes mixed into {len(good)} positions "
              f"({expected_positions(good)} distinct) -> good stored {stored_good}, bad stored "
              f"{stored_bad}, set aside {writer.counts.set_aside} "
              f"{dict(writer.counts.set_aside_reasons)}, partitions/chunks {parts}, "
              f"spool empty {flushed}, write {took:.2f} s, one-vessel query planning "
              f"{plan.get('Planning Time', float('nan')):.2f} ms")  # fmt: skip
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bad", type=int, default=3000)
    args = parser.parse_args()
    for server in sorted(SERVERS):
        asyncio.run(one(server, args.bad))


if __name__ == "__main__":
    main()
