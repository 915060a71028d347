"""The same recording through one ``mda replay`` and through a gateway and 2 or 3 workers on a
real NATS server (our own, with the partition mapping): the same stored positions and the same
alerts."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from mda.scale.commands import run_worker
from tests.nats_servers import NatsCluster
from tests.scale_kit import (
    Stored,
    base_config,
    drained,
    publish,
    scale_config,
    stored,
)


async def _scaled(config_nats: list[str], url: str, scale_recording: Path, workers: int) -> None:
    config = scale_config(base_config(url, scale_recording), config_nats)
    stop = asyncio.Event()
    running = [asyncio.create_task(run_worker(config, f"w{i}", stop, live=False))
               for i in range(workers)]  # fmt: skip
    published = await publish(config.scale, scale_recording)
    await drained(config.scale, published)
    stop.set()
    reports = await asyncio.gather(*running)
    owned = [set(r.acquired) - set(r.released) | set(r.released) for r in reports]
    assert all(owned), f"a worker got no partition: {owned}"


@pytest.mark.parametrize("workers", [2, 3])
def test_workers_store_what_a_single_process_stores(
    workers: int, scale_recording: Path, scale_reference: Stored,
    scale_database: str, tmp_path: Path,
) -> None:  # fmt: skip
    positions, alerts, _ = scale_reference
    assert "going_dark" in {a[1] for a in alerts}  # type: ignore[index]
    with NatsCluster.start(1, 6, tmp_path) as cluster:
        asyncio.run(_scaled(cluster.urls, scale_database, scale_recording, workers))
    got_positions, got_alerts, got_rows = stored(scale_database)
    assert got_rows == len(got_positions)  # nothing stored twice
    assert got_positions == positions
    assert got_alerts == alerts
