"""The same recording through one ``mda replay`` and through a gateway and 2 or 3 workers on a
real NATS server (our own, with the partition mapping): the same stored positions and the same
alerts, which also reach a console on the real Mosquitto."""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import replace
from pathlib import Path

import pytest

from mda.net.broker import parse_broker_url
from mda.runtime.scaleout import run_worker
from mda.scale.worker import Worker
from tests.bounded import run_bounded
from tests.nats_servers import NatsCluster
from tests.scale_kit import (
    Stored,
    base_config,
    drained,
    publish,
    same_store,
    scale_config,
    stored,
)
from tests.services import MQTT_HOST, MQTT_PORT, require_mosquitto


async def _scaled(
    config_nats: list[str], url: str, recording: Path, workers: int
) -> set[tuple[str, str]]:
    """Gateway and workers over the recording; the (alert id, state) pairs the workers
    published to the real Mosquitto."""
    await require_mosquitto()
    prefix = f"mda-scale-{uuid.uuid4().hex[:8]}"
    broker = parse_broker_url(f"mqtt://{MQTT_HOST}:{MQTT_PORT}", topic_prefix=prefix)
    config = replace(scale_config(base_config(url, recording), config_nats), broker=broker)
    received: set[tuple[str, str]] = set()
    async with broker.client() as console:
        await console.subscribe(f"{prefix}/alerts/#", qos=1)

        async def listen() -> None:
            async for message in console.messages:
                body = json.loads(message.payload)  # type: ignore[arg-type]
                received.add((body["alert_id"], body["state"]))

        listener = asyncio.create_task(listen())
        stop = asyncio.Event()
        running = [asyncio.create_task(run_worker(config, f"w{i}", stop, live=False))
                   for i in range(workers)]  # fmt: skip
        published = await publish(config.scale, recording)
        await drained(config.scale, published)
        stop.set()
        reports = await asyncio.gather(*running)  # each flushes its MQTT publisher first
        await asyncio.sleep(1.0)  # the broker's last deliveries to the console
        listener.cancel()
        await asyncio.gather(listener, return_exceptions=True)
    owned = [set(r.acquired) for r in reports]
    assert all(owned), f"a worker got no partition: {owned}"
    return received


@pytest.mark.parametrize("workers", [2, 3])
def test_workers_store_what_a_single_process_stores(
    workers: int, scale_recording: Path, scale_reference: Stored,
    scale_database: str, tmp_path: Path,
) -> None:  # fmt: skip
    _, alerts, _ = scale_reference
    assert "going_dark" in {a[1] for a in alerts}  # type: ignore[index]
    with NatsCluster.start(1, 6, tmp_path) as cluster:
        over_mqtt = run_bounded(
            _scaled(cluster.urls, scale_database, scale_recording, workers), 420.0
        )
    same_store(stored(scale_database), scale_reference)  # nothing lost, new or stored twice
    # Every alert state change reached the watch floor too.
    assert over_mqtt == {(a[0], a[3]) for a in alerts}  # type: ignore[index]


async def _given_back_at_the_end(config_nats: list[str], url: str, recording: Path) -> None:
    """One worker replays the recording; once the stream is drained, it gives a partition
    back (as a rebalance does) and the replay stops before anyone takes it again."""
    config = scale_config(base_config(url, recording), config_nats)
    stop = asyncio.Event()
    started: list[Worker] = []
    running = asyncio.create_task(run_worker(config, "w0", stop, live=False,
                                             on_start=started.append))  # fmt: skip
    published = await publish(config.scale, recording)
    await drained(config.scale, published)
    (worker,) = started
    await worker.give_back(min(worker.parts))
    stop.set()
    await running


def test_a_partition_given_back_as_a_replay_ends_is_finished_all_the_same(
    scale_recording: Path, scale_reference: Stored, scale_database: str, tmp_path: Path,
) -> None:  # fmt: skip
    """Its late records (held for lateness, in its snapshot) are stored like the others'."""
    with NatsCluster.start(1, 6, tmp_path) as cluster:
        run_bounded(_given_back_at_the_end(cluster.urls, scale_database, scale_recording), 420.0)
    same_store(stored(scale_database), scale_reference)
