"""A database frozen for ``--freeze`` seconds under a writer fed at a live pace (issue 13).

    python -m bench.store_frozen [--freeze 20] [--timeout 10]

A TCP proxy that holds every byte (tests.proxy) stands for a SIGSTOPped server. Batches of a
real recording are written every 0.25 s throughout. Prints the longest a write held its
caller, batches spooled, how long the spool took to drain after the thaw, and whether the
store then holds every position once. A fresh database, dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from pathlib import Path

import psycopg

from mda.store.writer import StoreWriter
from tests.services import PG_URL, database_url
from tests.test_store_hostile import started_proxy, via_proxy
from tests.test_store_writer import batches, count, expected_positions, recording


async def run(freeze_s: float, timeout_s: float) -> None:
    name = f"mda_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
    url = database_url(PG_URL, name)
    try:
        proxy = await started_proxy(url)
        positions, statics = recording()
        parts = batches(positions, statics, size=250)
        with tempfile.TemporaryDirectory() as spool:
            writer = StoreWriter(via_proxy(url, proxy), spool_dir=Path(spool),
                                 retry_s=(0.5, 2.0), write_timeout_s=timeout_s)  # fmt: skip
            await writer.start()
            longest = 0.0
            start = time.monotonic()
            frozen_at = thawed_at = None
            for part in parts:
                elapsed = time.monotonic() - start
                if frozen_at is None and elapsed > 2.0:
                    proxy.freeze()
                    frozen_at = time.monotonic()
                if frozen_at and thawed_at is None and time.monotonic() - frozen_at > freeze_s:
                    proxy.thaw()
                    thawed_at = time.monotonic()
                t = time.monotonic()
                await writer.write(part)
                longest = max(longest, time.monotonic() - t)
                await asyncio.sleep(0.25)
            if thawed_at is None:
                proxy.thaw()
                thawed_at = time.monotonic()
            drained = await writer.flush(timeout_s=120)
            drain_s = time.monotonic() - thawed_at
            await writer.close()
            await proxy.close()
        stored = await count(url, "positions")
        print(f"frozen {freeze_s:g} s, write timeout {timeout_s:g} s: {len(parts)} batches, "
              f"longest write held its caller {longest:.1f} s, spooled "
              f"{writer.counts.spooled_batches}, timeouts {writer.counts.timeouts}, spool "
              f"drained {drained} {drain_s:.1f} s after the thaw; stored {stored} + set aside "
              f"{writer.counts.set_aside} of {expected_positions(positions)} distinct "
              f"positions")  # fmt: skip
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--freeze", type=float, default=20.0)
    parser.add_argument("--timeout", type=float, default=10.0)
    args = parser.parse_args()
    asyncio.run(run(args.freeze, args.timeout))


if __name__ == "__main__":
    main()
