"""Snapshots read message by message (no consumer, which a cluster that lost a node may never
create): the same bytes as written, over several chunks; a missing object is NotFoundError.
Real nats-server."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from nats.js.errors import NotFoundError

from mda.scale.jetstream import prepare, read_object
from mda.settings.scale import ScaleSettings
from tests.bounded import run_bounded
from tests.nats_servers import NatsCluster


def test_an_object_reads_back_whole_over_several_chunks(tmp_path: Path) -> None:
    # 128 KiB chunks: this one takes four, the last one short; then a smaller replacement.
    rnd = random.Random(16)
    big = bytes(rnd.getrandbits(8) for _ in range(3 * 128 * 1024 + 777))
    small = b"replaced"

    async def scenario() -> tuple[bytes, bytes, bytes]:
        stream = await prepare(ScaleSettings(nats=tuple(cluster.urls), partitions=2), "test")
        try:
            await stream.snapshots.put("p0", big)
            first = await read_object(stream.js, stream.snapshots, "p0")
            await stream.snapshots.put("p0", small)
            second = await read_object(stream.js, stream.snapshots, "p0")
            await stream.snapshots.put("p1", b"")
            empty = await read_object(stream.js, stream.snapshots, "p1")
            with pytest.raises(NotFoundError):
                await read_object(stream.js, stream.snapshots, "p9")
            return first, second, empty
        finally:
            await stream.close()

    with NatsCluster.start(1, 2, tmp_path) as cluster:
        first, second, empty = run_bounded(scenario(), 60.0)
    assert first == big
    assert second == small
    assert empty == b""
