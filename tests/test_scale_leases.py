"""Leases that hold under load: membership read reliably and steadied, so partitions move
only when a worker really comes or goes. Real nats-server and worker processes."""

from __future__ import annotations

import asyncio
import contextlib
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from nats.js.api import KeyValueConfig
from nats.js.errors import KeyWrongLastSequenceError

from mda.scale.jetstream import prepare
from mda.scale.leases import read_bucket
from mda.scale.membership import Membership
from mda.settings.scale import ScaleSettings
from tests.bounded import run_bounded
from tests.nats_servers import NatsCluster
from tests.scale_kit import base_config, publish, scale_config, start_worker, worker_file

# -- the steadied view, pure ------------------------------------------------------------------


def test_the_first_read_is_taken_as_it_is() -> None:
    members = Membership("a", settle_s=6.0)
    assert members.observe({"b", "c"}, 100.0) == {"a", "b", "c"}


def test_a_worker_missed_by_some_reads_stays_counted() -> None:
    members = Membership("a", settle_s=6.0)
    members.observe({"a", "b", "c"}, 0.0)
    # "c" missing from reads 2 s and 4 s apart, seen again in between: never gone 6 s.
    for now, seen in ((2.0, {"a", "b"}), (4.0, {"a", "b", "c"}), (6.0, {"a", "b"}),
                      (10.0, {"a", "b"}), (11.0, {"a", "b", "c"})):  # fmt: skip
        assert members.observe(seen, now) == {"a", "b", "c"}


def test_a_worker_gone_for_the_settling_time_leaves() -> None:
    members = Membership("a", settle_s=6.0)
    members.observe({"a", "b", "c"}, 0.0)
    assert members.observe({"a", "b"}, 2.0) == {"a", "b", "c"}
    assert members.observe({"a", "b"}, 7.9) == {"a", "b", "c"}
    assert members.observe({"a", "b"}, 8.0) == {"a", "b"}


def test_a_new_worker_counts_once_seen_for_the_settling_time() -> None:
    members = Membership("a", settle_s=6.0)
    members.observe({"a"}, 0.0)
    assert members.observe({"a", "d"}, 1.0) == {"a"}
    assert members.observe({"a"}, 3.0) == {"a"}  # a glimpse: the run of sightings starts again
    assert members.observe({"a", "d"}, 4.0) == {"a"}
    assert members.observe({"a", "d"}, 9.9) == {"a"}
    assert members.observe({"a", "d"}, 10.0) == {"a", "d"}


def test_this_worker_always_counts() -> None:
    members = Membership("a", settle_s=6.0)
    members.observe(set(), 0.0)
    assert members.observe(set(), 100.0) == {"a"}


# -- reading the bucket while it is written ---------------------------------------------------


def test_the_bucket_reads_every_key_once_while_keys_are_renewed(tmp_path: Path) -> None:
    """Every read during a storm of renewals (what workers do all the time) sees exactly the
    workers and owners there are: no key twice, none missed, no error."""

    async def scenario() -> list[tuple[list[str], dict[int, str]]]:
        settings = ScaleSettings(nats=tuple(cluster.urls), partitions=16)
        stream = await prepare(settings, "test-bucket")
        kv = await stream.js.create_key_value(
            KeyValueConfig(bucket="TEST_bucket", history=1, ttl=60.0)
        )
        try:
            workers = [f"w{i}" for i in range(6)]
            revisions = {}
            for i in range(16):
                revisions[i] = await kv.create(f"p.{i}", workers[i % 6].encode())
            for w in workers:
                await kv.put(f"w.{w}", b"1")
            stop = asyncio.Event()

            async def renew() -> None:
                while not stop.is_set():
                    for w in workers:
                        await kv.put(f"w.{w}", b"1")
                    for i in range(16):
                        with contextlib.suppress(KeyWrongLastSequenceError):
                            revisions[i] = await kv.update(f"p.{i}", workers[i % 6].encode(),
                                                           last=revisions[i])  # fmt: skip

            renewers = [asyncio.create_task(renew()) for _ in range(3)]
            reads = []
            for _ in range(60):
                reads.append(await read_bucket(kv))
            stop.set()
            await asyncio.gather(*renewers)
            return reads
        finally:
            await stream.close()

    with NatsCluster.start(1, 16, tmp_path) as cluster:
        reads = run_bounded(scenario(), 120.0)
    want_owners = {i: f"w{i % 6}" for i in range(16)}
    bad = [r for r in reads if r != ([f"w{i}" for i in range(6)], want_owners)]
    assert not bad, f"{len(bad)} of {len(reads)} reads wrong, first: {bad[0]}"


# -- a cluster of workers on a loaded machine ---------------------------------------------------

WORKERS = 3
CONTENTION_S = 45.0


@contextlib.contextmanager
def _busy_loops(count: int) -> Iterator[None]:
    """``count`` processes spinning on the CPU (this machine's cores are all taken)."""
    loops = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]
    try:
        yield
    finally:
        for loop in loops:
            loop.kill()
            loop.wait(10)


def _moves(log: Path, after: int) -> list[str]:
    """The partition takeovers and releases a worker logged past byte ``after``."""
    text = log.read_bytes()[after:].decode(errors="replace")
    return re.findall(r"partition \d+: (?:taken|released)[^\n]*", text)


def test_partitions_stay_put_under_cpu_contention(
    scale_recording: Path, scale_database: str, tmp_path: Path
) -> None:
    """Workers settled on their shares keep them while the machine is saturated (busy loops
    on every core) and traffic flows: no partition changes owner."""
    with NatsCluster.start(1, 12, tmp_path) as cluster:
        config = scale_config(base_config(scale_database, scale_recording), cluster.urls)
        settings = replace(config.scale, partitions=12)
        file = worker_file(tmp_path, scale_database, settings)
        names = [f"w{i}" for i in range(WORKERS)]
        workers = [start_worker(file, n, tmp_path / f"{n}.log") for n in names]
        try:

            async def settled() -> dict[int, str]:
                """Every partition owned, an equal share each, unchanged for a lease."""
                stream = await prepare(settings, "test-leases")
                try:
                    last: dict[int, str] = {}
                    since = time.monotonic()
                    while True:
                        owners = (await read_bucket(stream.leases))[1]
                        if owners != last:
                            last, since = owners, time.monotonic()
                        counts = [list(owners.values()).count(n) for n in names]
                        even = len(owners) == settings.partitions and counts == [4] * WORKERS
                        if even and time.monotonic() - since >= settings.lease_s * 2:
                            return owners
                        await asyncio.sleep(0.5)
                finally:
                    await stream.close()

            before = run_bounded(settled(), 180.0)
            marks = {n: (tmp_path / f"{n}.log").stat().st_size for n in names}

            async def loaded() -> tuple[list[dict[int, str]], int]:
                stream = await prepare(settings, "test-leases")
                publishing = asyncio.create_task(publish(settings, scale_recording))
                seen = []
                try:
                    started = time.monotonic()
                    while time.monotonic() - started < CONTENTION_S or not publishing.done():
                        seen.append((await read_bucket(stream.leases))[1])
                        await asyncio.sleep(0.5)
                    return seen, await publishing
                finally:
                    await stream.close()

            with _busy_loops(2):
                seen, published = run_bounded(loaded(), CONTENTION_S + 240.0)
            # Read before the workers stop (stopping gives every partition back).
            moves = {n: _moves(tmp_path / f"{n}.log", marks[n]) for n in names}
        finally:
            for worker in workers:
                worker.send_signal(signal.SIGTERM)
            for worker in workers:
                try:
                    worker.wait(60)
                except subprocess.TimeoutExpired:
                    worker.kill()
    changed = [owners for owners in seen if owners != before]
    print(f"\n{len(seen)} reads of the owners under contention, {published} messages published")
    assert published > 0
    assert not changed, f"owners changed in {len(changed)} reads, e.g. {changed[0]}; {moves}"
    assert not any(moves.values()), moves
