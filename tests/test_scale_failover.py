"""Failures mid-stream, on real NATS servers of our own: a worker process killed (its
partitions move, nothing is lost or stored twice), a NATS node killed (nothing changes)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from nats.errors import Error as NatsError
from nats.js.kv import KeyValue

from mda.scale.jetstream import prepare
from mda.scale.leases import read_bucket
from mda.settings.scale import ScaleSettings
from tests.bounded import run_bounded
from tests.nats_servers import NatsCluster
from tests.scale_kit import (
    PARTITIONS,
    Stored,
    base_config,
    drained,
    publish,
    same_store,
    scale_config,
    start_worker,
    stored,
    worker_file,
)


async def _owners(settings: ScaleSettings) -> dict[int, str]:
    stream = await prepare(settings, "test-leases")
    try:
        return await _read_owners(stream.leases)
    finally:
        await stream.close()


async def _read_owners(kv: KeyValue) -> dict[int, str]:
    return (await read_bucket(kv))[1]


async def _wait_owned(settings: ScaleSettings, by: set[str], timeout_s: float = 60.0) -> float:
    """Seconds until every partition is owned, each of ``by`` owning some and no other
    worker any (a worker that started first holds everything until it has seen the other
    for a lease)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        owners = await _owners(settings)
        if len(owners) == settings.partitions and set(owners.values()) == by:
            return time.monotonic() - started
        await asyncio.sleep(0.1)
    raise AssertionError(f"partitions not taken over within {timeout_s} s: {owners}")


@contextlib.contextmanager
def _logs_on_failure(folder: Path, *names: str) -> Iterator[None]:
    """A failure inside shows the last lines of the workers' logs (their only witness)."""
    try:
        yield
    except AssertionError as exc:
        tails = "".join(
            f"\n--- {name}.log (last 60 lines) ---\n"
            + "\n".join((folder / f"{name}.log").read_text(errors="replace").splitlines()[-60:])
            for name in names
            if (folder / f"{name}.log").exists()
        )
        raise AssertionError(f"{exc}{tails}") from None


def test_a_killed_worker_loses_nothing_and_its_partitions_move(
    scale_recording: Path, scale_reference: Stored, scale_database: str,
    tmp_path: Path,
) -> None:  # fmt: skip
    with _logs_on_failure(tmp_path, "victim", "survivor"):
        with NatsCluster.start(1, PARTITIONS, tmp_path) as cluster:
            config = scale_config(base_config(scale_database, scale_recording), cluster.urls)
            settings = config.scale
            file = worker_file(tmp_path, scale_database, settings)
            victim = start_worker(file, "victim", tmp_path / "victim.log")
            survivor = start_worker(file, "survivor", tmp_path / "survivor.log")
            try:
                run_bounded(_wait_owned(settings, {"victim", "survivor"}), 90.0)

                async def scenario() -> float:
                    publishing = asyncio.create_task(publish(settings, scale_recording))
                    stream = await prepare(settings, "test-probe")
                    try:  # kill once the victim has stored part of the stream
                        while True:
                            owners = await _read_owners(stream.leases)
                            mine = [k for k, w in owners.items() if w == "victim"]
                            floors = [(await stream.js.consumer_info(settings.stream, f"p{k}"))
                                      .ack_floor.stream_seq for k in mine]  # fmt: skip
                            if mine and min(floors) > 0:
                                break
                            await asyncio.sleep(0.2)
                    finally:
                        await stream.close()
                    victim.send_signal(signal.SIGKILL)
                    moved = await _wait_owned(settings, {"survivor"})
                    await drained(settings, await publishing, timeout_s=180.0)
                    return moved

                moved_s = run_bounded(scenario(), 360.0)
                print(f"\npartitions moved {moved_s:.1f} s after the kill "
                      f"(lease {settings.lease_s} s)")
            finally:
                victim.kill()
                survivor.send_signal(signal.SIGTERM)
                survivor.wait(60)
            assert victim.wait(10) == -signal.SIGKILL
            log = (tmp_path / "survivor.log").read_text()
            assert "worker survivor:" in log  # it stopped cleanly and reported
        same_store(stored(scale_database), scale_reference)  # nothing lost, new or twice


def test_a_killed_nats_node_changes_nothing(
    scale_recording: Path, scale_reference: Stored, scale_database: str,
    tmp_path: Path,
) -> None:  # fmt: skip
    with NatsCluster.start(3, PARTITIONS, tmp_path) as cluster:
        config = scale_config(base_config(scale_database, scale_recording), cluster.urls)
        # Three copies of every stream and bucket: any one node can go.
        settings = replace(config.scale, replicas=3)
        file = worker_file(tmp_path, scale_database, settings)
        # Workers in processes of their own: whatever goes wrong, the test ends (a stuck
        # worker is killed and the failure says so) instead of hanging the whole suite.
        workers = [start_worker(file, f"w{i}", tmp_path / f"w{i}.log") for i in range(2)]
        try:

            async def scenario() -> None:
                on: asyncio.Future[int] = asyncio.get_running_loop().create_future()
                publishing = asyncio.create_task(publish(
                    settings, scale_recording,
                    lambda s: on.set_result(s.nc.connected_url.port if s.nc.connected_url else 0),
                ))  # fmt: skip
                port = await on
                await asyncio.sleep(3.0)
                # The gateway's node, mid-stream: the publishes it has in flight lose their
                # acknowledgements; the gateway and the workers on that node move over.
                cluster.kill(next(i for i, n in enumerate(cluster.nodes) if n.port == port))
                published = await asyncio.wait_for(publishing, 200.0)
                await drained(settings, published, timeout_s=200.0)

            try:  # well inside pytest's 600 s, whose alarm an event loop would swallow
                run_bounded(scenario(), 420.0)
            except (AssertionError, TimeoutError, NatsError) as exc:
                # With the workers' logs: the only witness of what they went through.
                logs = "\n".join((tmp_path / f"w{i}.log").read_text()[-3000:] for i in range(2))
                raise AssertionError(f"{exc!r}; the workers' logs end:\n{logs}") from exc
        finally:
            for worker in workers:
                worker.send_signal(signal.SIGTERM)
            stuck = []
            for worker in workers:
                try:
                    worker.wait(60)
                except subprocess.TimeoutExpired:
                    worker.kill()
                    stuck.append(worker.args)
        logs = "\n".join((tmp_path / f"w{i}.log").read_text()[-2000:] for i in range(2))
        assert not stuck, f"workers did not stop within 60 s of SIGTERM:\n{logs}"
        assert all(w.returncode == 0 for w in workers), logs
    same_store(stored(scale_database), scale_reference)
