"""The same recording through one ``mda replay`` and through a gateway and 2 or 3 workers on a
real NATS server (our own, with the partition mapping): the same stored positions and the same
alerts."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from mda.scale.commands import run_worker
from mda.simulate.scenarios import simulate
from tests.conftest import _create_database
from tests.nats_servers import NatsCluster
from tests.scale_kit import base_config, drained, publish, scale_config, single_process, stored


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # A tanker going dark among ordinary traffic (one scenario: recordings joined end to end
    # would run event time backwards in the middle).
    path = tmp_path_factory.mktemp("scale") / "dark-tanker.nmea"
    path.write_bytes(b"\n".join(simulate("dark-tanker", vessels=40).lines) + b"\n")
    return path


@pytest.fixture(scope="module")
def reference(recording: Path) -> Iterator[tuple[set[object], set[object], int]]:
    """What a single ``mda replay`` stores for the recording."""
    for url in _create_database("postgresql"):
        asyncio.run(single_process(base_config(url, recording)))
        yield stored(url)  # type: ignore[misc]


@pytest.fixture
def database() -> Iterator[str]:
    yield from _create_database("postgresql")


async def _scaled(config_nats: list[str], url: str, recording: Path, workers: int) -> None:
    config = scale_config(base_config(url, recording), config_nats)
    stop = asyncio.Event()
    running = [asyncio.create_task(run_worker(config, f"w{i}", stop, live=False))
               for i in range(workers)]  # fmt: skip
    published = await publish(config.scale, recording)
    await drained(config.scale, published)
    stop.set()
    reports = await asyncio.gather(*running)
    owned = [set(r.acquired) - set(r.released) | set(r.released) for r in reports]
    assert all(owned), f"a worker got no partition: {owned}"


@pytest.mark.parametrize("workers", [2, 3])
def test_workers_store_what_a_single_process_stores(
    workers: int, recording: Path, reference: tuple[set[object], set[object], int],
    database: str, tmp_path: Path,
) -> None:  # fmt: skip
    positions, alerts, _ = reference
    assert "going_dark" in {a[1] for a in alerts}  # type: ignore[index]
    with NatsCluster.start(1, 6, tmp_path) as cluster:
        asyncio.run(_scaled(cluster.urls, database, recording, workers))
    got_positions, got_alerts, got_rows = stored(database)
    assert got_rows == len(got_positions)  # nothing stored twice
    assert got_positions == positions
    assert got_alerts == alerts
