"""Partitions computed in Python agree with nats-server's own ``{{partition(N,1)}}`` mapping, and
the JetStream cluster mda scales out on survives losing a node. Real nats-server throughout."""

from __future__ import annotations

import asyncio
import random
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import nats
import pytest
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.api import AckPolicy, ConsumerConfig
from nats.js.errors import APIError, NoStreamResponseError

from mda.scale.natsconf import mapping_block, server_config
from mda.scale.partition import (
    PARTITION_SUBJECT_PREFIX,
    STREAM_NAME,
    STREAM_SUBJECT,
    input_subject,
    partition_filter,
    partition_of,
    partition_subject,
)
from tests.nats_servers import NatsCluster, free_ports, nats_cluster, require_nats_server


def varied_mmsis(count: int) -> list[int]:
    """MMSIs of every shape AIS carries: ships (MID + 6 digits), coast stations (00MID...),
    SAR aircraft (111MID...), handhelds (8MID...), craft with a parent ship (98MID...), AIS-SART
    (970...), MOB (972...), EPIRB (974...), unknown (0) and a few short, malformed numbers."""
    rnd = random.Random(20240601)
    shapes: list[Callable[[int], int]] = [
        lambda mid: mid * 1_000_000 + rnd.randrange(1_000_000),
        lambda mid: mid * 10_000 + rnd.randrange(10_000),  # 00MIDxxxx: leading zeros vanish
        lambda mid: 111_000_000 + mid * 1_000 + rnd.randrange(1_000),
        lambda mid: 800_000_000 + mid * 100_000 + rnd.randrange(100_000),
        lambda mid: 980_000_000 + mid * 10_000 + rnd.randrange(10_000),
        lambda _: rnd.choice((970, 972, 974)) * 1_000_000 + rnd.randrange(1_000_000),
    ]
    mmsis = {0, 1, 9, 10, 123, 99_999_999, 999_999_999}
    while len(mmsis) < count:
        mmsis.add(rnd.choice(shapes)(rnd.randrange(201, 776)))
    return sorted(mmsis)


def test_subjects_and_argument_checks() -> None:
    assert input_subject(244_123_456) == "mda.ais.in.244123456"
    assert partition_subject(5, 244_123_456) == "mda.ais.p.5.244123456"
    assert partition_filter(5) == "mda.ais.p.5.*"
    assert f"{PARTITION_SUBJECT_PREFIX}.>" == STREAM_SUBJECT
    assert {partition_of(m, 1) for m in (0, 1, 244_123_456)} == {0}
    with pytest.raises(ValueError, match="partitions"):
        partition_of(1, 0)
    with pytest.raises(ValueError, match="negative"):
        input_subject(-1)


@pytest.fixture(params=[8, 7], ids=["N=8", "N=7"])
def single(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[NatsCluster]:
    with nats_cluster(1, request.param, tmp_path) as cluster:
        yield cluster


async def test_partition_of_agrees_with_the_server_mapping(single: NatsCluster) -> None:
    """Every message published to ``mda.ais.in.<mmsi>`` is stored by the server under the
    partition ``partition_of`` predicts, for ~2,000 MMSIs and N = 8 (a power of two) and 7."""
    n = single.partitions
    mmsis = varied_mmsis(2_000)
    client = await nats.connect(single.urls[0])
    try:
        js = client.jetstream()
        await js.add_stream(name=STREAM_NAME, subjects=[STREAM_SUBJECT])
        for m in mmsis:
            assert (await js.publish(input_subject(m), b"")).stream == STREAM_NAME
        stored: dict[int, int] = {}
        # No acks: the default allows only 1,000 unacknowledged messages in flight.
        reader = await js.pull_subscribe(
            STREAM_SUBJECT,
            "check",
            stream=STREAM_NAME,
            config=ConsumerConfig(ack_policy=AckPolicy.NONE),
        )
        while len(stored) < len(mmsis):
            for message in await reader.fetch(500, timeout=5):
                k, mmsi = message.subject.removeprefix(f"{PARTITION_SUBJECT_PREFIX}.").split(".")
                stored[int(mmsi)] = int(k)
        assert set(stored) == set(mmsis)
        wrong = {m: (k, partition_of(m, n)) for m, k in stored.items() if k != partition_of(m, n)}
        assert not wrong, (
            f"server vs partition_of differ for {len(wrong)}: {list(wrong.items())[:5]}"
        )
        assert set(stored.values()) == set(range(n))  # every partition gets traffic
    finally:
        await client.close()


async def _publish_until_acked(js: nats.js.JetStreamContext, subject: str, deadline: float) -> int:
    """Publish once the stream has a leader again: a killed node may have led it."""
    while True:
        try:
            return (await js.publish(subject, b"after", timeout=2)).seq
        except (NatsTimeoutError, NoRespondersError, NoStreamResponseError, APIError):
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.2)


@pytest.mark.timeout(60)
async def test_a_three_replica_stream_survives_killing_a_node(tmp_path: Path) -> None:
    started = time.monotonic()
    with nats_cluster(3, 8, tmp_path) as cluster:
        client = await nats.connect(servers=cluster.urls, max_reconnect_attempts=-1,
                                    reconnect_time_wait=0.2)  # fmt: skip
        try:
            js = client.jetstream()
            info = await js.add_stream(name=STREAM_NAME, subjects=[STREAM_SUBJECT], num_replicas=3)
            assert info.config.num_replicas == 3
            for m in range(100):
                await js.publish(input_subject(m), b"before")
            # Kill the node leading the stream (not just any node), so the publish below needs
            # a new leader elected from the surviving replicas.
            assert info.cluster is not None and info.cluster.leader is not None
            leader = [node.name for node in cluster.nodes].index(info.cluster.leader)
            cluster.kill(leader)
            seq = await _publish_until_acked(js, input_subject(244_123_456), time.monotonic() + 20)
            assert seq == 101
            state = await js.stream_info(STREAM_NAME)
            assert state.state.messages == 101
            assert state.cluster is not None and state.cluster.leader
            assert state.cluster.leader != info.cluster.leader
            # The mapping works on the surviving nodes: the message landed in its partition.
            k = partition_of(244_123_456, 8)
            last = await js.get_last_msg(STREAM_NAME, partition_filter(k))
            assert last.subject == partition_subject(k, 244_123_456)
        finally:
            await client.close()
    assert time.monotonic() - started < 30


def _check(conf: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([require_nats_server(), "-c", str(conf), "-t"],
                          check=False, capture_output=True, text=True, timeout=30)  # fmt: skip


def test_server_config_is_accepted_by_the_real_server(tmp_path: Path) -> None:
    port, cluster_port, other, monitor = free_ports(4)
    single = server_config(name="solo", port=port, store_dir=str(tmp_path / "js solo"),
                           partitions=16, monitor_port=monitor)  # fmt: skip
    clustered = server_config(name="n1", port=port, store_dir=str(tmp_path / "js"), partitions=16,
                              cluster_name="mda", cluster_port=cluster_port,
                              routes=[f"127.0.0.1:{other}"], host="0.0.0.0")  # fmt: skip
    assert mapping_block(16) in single and mapping_block(16) in clustered
    assert f'"nats-route://127.0.0.1:{other}"' in clustered
    for name, text in {"single": single, "clustered": clustered}.items():
        (tmp_path / f"{name}.conf").write_text(text)
        checked = _check(tmp_path / f"{name}.conf")
        assert checked.returncode == 0, f"{name}: {checked.stderr}"
    # -t does read the mapping: a destination it cannot parse is refused.
    broken = single.replace("partition(16,1)", "partition(16,2)")
    (tmp_path / "broken.conf").write_text(broken)
    assert _check(tmp_path / "broken.conf").returncode != 0


def test_server_config_refuses_half_a_cluster() -> None:
    with pytest.raises(ValueError, match="cluster"):
        server_config(name="a", port=1, store_dir="/x", partitions=2, cluster_name="mda")
    with pytest.raises(ValueError, match="routes"):
        server_config(name="a", port=1, store_dir="/x", partitions=2, routes=["b:6222"])
    with pytest.raises(ValueError, match="partitions"):
        mapping_block(0)
