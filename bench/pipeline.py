"""The whole service against raw pyais decoding, and alert latency under a paced live load.

    python -m bench.pipeline [--repeats N] [--database URL] [--rate MSG_PER_S] [--seconds S]

1. Throughput. Every AIS line of the real recordings in ../shared/data/ais, in batches of
   5,000 stamped with an arrival time as a live source stamps them, through the service:
   framing and decoding, vessel state, zones, every default rule plus a watch list of 500 of
   the corpus's vessels (so alerts are published), the alert lifecycle, the store writer into
   a fresh PostgreSQL database (COPY, zone events and hours, alerts) and the MQTT publisher
   to Mosquitto (QoS 1). The clock stops when the last row is committed and the last alert
   acknowledged by the broker. The baseline is ``pyais.decode`` on the same messages, in the
   same run, alternating with mda.
2. Latency. The corpus is sent over TCP to a live service (``tcp-listen://``) at a paced
   rate (default 10,000 messages per second) with probe messages of watch-listed vessels
   mixed in (20 per second); a real MQTT subscriber notes when each probe's alert arrives.
   Latency = delivery time - the time the probe line was written to the socket. Records
   are put in event-time order first: an alert comes the lateness and up to one step of event
   time after its fix (``--lateness``, ``--step``: 2m and 1m by default, as in the service;
   ``--lateness 0s --step 1s`` for a terrestrial feed that wants alerts at once).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import psycopg
import pyais

from bench.common import Clocked, ais_lines, clocked, rates, ratio, tune_gc
from bench.decode import group_messages
from mda.config import Config, SourceSettings
from mda.ingest.sources import LineBatch, open_source
from mda.ingest.sources.base import SourceCounts
from mda.model import Position
from mda.net.broker import parse_broker_url
from mda.pipeline import build_pipeline
from mda.resources import default_folder
from mda.runtime.service import Service
from mda.sequencer import Sequencer
from mda.simulate.encoder import SentenceWriter
from mda.store.writer import StoreWriter
from mda.timefmt import parse_duration
from tests.services import MQTT_HOST, MQTT_PORT, PG_URL, database_url

CHUNK = 100  # lines per read chunk: 10 ms of a 10,000 lines/s feed
ARRIVAL0 = 1_767_225_600.0  # the synthetic live clock of the throughput run


class MemorySource:
    """Pre-read lines handed over as a live TCP source hands them over: read chunks of
    ``CHUNK`` lines, each stamped with its arrival (the corpus as a 10,000 lines/s feed)."""

    def __init__(self, lines: list[bytes]) -> None:
        self.name = "memory"
        self.lateness_s: float | None = None  # the pipeline's own
        self.lines = lines
        self.counts = SourceCounts()  # nothing is dropped before the core

    async def batches(self) -> AsyncIterator[LineBatch]:
        for i in range(0, len(self.lines), CHUNK):
            yield LineBatch("bench", ARRIVAL0 + i / 10_000, self.lines[i : i + CHUNK])


def watch_rules(folder: Path, mmsis: list[int]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "bench.toml").write_text(f"[watch_list]\nmmsi = {sorted(mmsis)}\n")
    return folder


def corpus_vessels(lines: list[bytes], count: int) -> list[int]:
    from mda.ingest.core import Ingestor

    seen: dict[int, None] = {}
    for r in Ingestor().ingest(lines, "bench", ARRIVAL0):
        if isinstance(r, Position):
            seen.setdefault(r.mmsi)
    return list(seen)[:count]


@contextlib.asynccontextmanager
async def fresh_database(server: str) -> AsyncIterator[str]:
    name = f"mda_bench_{uuid.uuid4().hex[:8]}"
    async with await psycopg.AsyncConnection.connect(server, autocommit=True) as conn:
        await conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield database_url(server, name)
    finally:
        async with await psycopg.AsyncConnection.connect(server, autocommit=True) as conn:
            await conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


async def empty_tables(url: str) -> None:
    """Remove every row, keeping the schema and the daily partitions (a running service
    creates each day's partition once; the corpus spans 17 days)."""
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        cur = await conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename <> 'mda_schema_migrations' AND tablename NOT LIKE 'positions_p%'"
        )
        tables = [row[0] for row in await cur.fetchall()]
        if tables:
            await conn.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in tables))


async def service_run(lines: list[bytes], url: str, rules: Path) -> tuple[Clocked, int, int]:
    """Wall and CPU time (this process: PostgreSQL's and Mosquitto's own work is not in it)
    for the corpus through the whole service, rows stored, alerts published."""
    prefix = f"mda-bench-{uuid.uuid4().hex[:8]}"
    broker = parse_broker_url(f"mqtt://{MQTT_HOST}:{MQTT_PORT}", topic_prefix=prefix)
    pipeline = build_pipeline([default_folder("zones")], [default_folder("alerts"), rules])
    await empty_tables(url)
    writer = StoreWriter(url)
    await writer.start()
    config = Config(broker=broker, http_listen=None)
    service = Service(config, pipeline, [MemorySource(lines)], writer=writer, live=False)
    with clocked() as took:
        report = await service.run()
    return took, writer.counts.positions, report.published


def pyais_run(groups: list[tuple[bytes, ...]]) -> Clocked:
    with clocked() as took:
        for group in groups:
            # What pyais cannot decode is skipped, as its users do.
            with contextlib.suppress(Exception):
                pyais.decode(*group)
    return took


def throughput(args: argparse.Namespace, lines: list[bytes], rules: Path) -> None:
    groups = group_messages(lines)
    pyais_s: list[Clocked] = []
    mda_s: list[Clocked] = []
    positions = published = 0

    async def runs() -> None:
        nonlocal positions, published
        async with fresh_database(args.database) as url:
            await service_run(lines, url, rules)  # creates the schema and the partitions
            for _ in range(args.repeats):
                pyais_s.append(pyais_run(groups))
                seconds, positions, published = await service_run(lines, url, rules)
                mda_s.append(seconds)

    asyncio.run(runs())
    n = len(groups)
    print(f"corpus: {len(lines):,} AIS sentences, {n:,} messages; the service stored "
          f"{positions:,} positions (one per vessel and second) and published {published:,} "
          "alert messages per run")  # fmt: skip
    for name, runs_of in (("raw pyais.decode", pyais_s), ("mda service, end to end", mda_s)):
        print(f"{name:<26} {rates(n, runs_of)}")
    print(f"ratio mda / pyais (medians)  {ratio(mda_s, pyais_s)}")


# -- latency --------------------------------------------------------------------------------


async def latency(args: argparse.Namespace, lines: list[bytes], folder: Path) -> None:
    probes = list(range(990_000_000, 990_000_000 + int(args.seconds * 20) + 20))
    rules = watch_rules(folder / "latency-rules", probes)
    prefix = f"mda-bench-{uuid.uuid4().hex[:8]}"
    broker = parse_broker_url(f"mqtt://{MQTT_HOST}:{MQTT_PORT}", topic_prefix=prefix)
    port = 20_000 + uuid.uuid4().int % 20_000
    sent: dict[int, float] = {}
    delivered: dict[int, float] = {}
    pipeline = build_pipeline([default_folder("zones")], [default_folder("alerts"), rules])
    pipeline.lateness_s = parse_duration(args.lateness, "--lateness")
    pipeline.sequencer = Sequencer(parse_duration(args.step, "--step"))
    async with fresh_database(args.database) as url:
        writer = StoreWriter(url)
        await writer.start()
        config = Config(
            sources=(SourceSettings(f"tcp-listen://127.0.0.1:{port}"),), broker=broker,
            http_listen=None,
        )  # fmt: skip
        source = open_source(f"tcp-listen://127.0.0.1:{port}")
        service = Service(config, pipeline, [source], writer=writer, live=True)
        stop = asyncio.Event()
        running = asyncio.create_task(service.run(stop))

        ready = asyncio.Event()

        async def subscribe() -> None:
            async with broker.client() as client:
                await client.subscribe(f"{prefix}/alerts/watch_list/#", qos=1)
                ready.set()
                async for message in client.messages:
                    now = time.time()
                    if isinstance(message.payload, bytes):
                        body = json.loads(message.payload)
                        if body.get("state") == "open":
                            delivered.setdefault(int(body["mmsi"]), now)

        subscriber = asyncio.create_task(subscribe())
        await asyncio.wait_for(ready.wait(), 10)
        await asyncio.sleep(1.0)  # the service's listener and publisher are up
        _, writer_stream = await asyncio.open_connection("127.0.0.1", port)
        encoder = SentenceWriter("probe")
        rate, tick = args.rate, 0.01
        per_tick = max(1, int(rate * tick))
        start = time.perf_counter()
        k = 0
        probe = 0
        total = int(rate * args.seconds)
        while k < total:
            chunk = [lines[(k + j) % len(lines)] for j in range(per_tick)]
            k += per_tick
            if k // max(1, int(rate / 20)) > probe and probe < len(probes):
                m = probes[probe]
                probe += 1
                now = time.time()
                line = encoder.encode({"type": 1, "mmsi": m, "lat": 20.0, "lon": 38.5,
                                       "speed": 12.0, "course": 330.0}, now)[0]  # fmt: skip
                chunk.append(line)
                sent[m] = now
            writer_stream.write(b"\n".join(chunk) + b"\n")
            await writer_stream.drain()
            # Pace against the schedule, not the last sleep: no drift.
            ahead = start + k / rate - time.perf_counter()
            if ahead > 0:
                await asyncio.sleep(ahead)
        sent_s = time.perf_counter() - start
        # The last probes' alerts: the lateness and a step later, and a few seconds more.
        await asyncio.sleep(pipeline.lateness_s + pipeline.sequencer.slice_s + 3.0)
        writer_stream.close()
        stop.set()
        await running
        subscriber.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await subscriber
    latencies = sorted((delivered[m] - sent[m]) * 1000 for m in sent if m in delivered)
    if not latencies:
        print("latency: no probe alert arrived")
        return
    p50 = statistics.median(latencies)
    p99 = latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))]
    print(f"paced load: {total:,} lines in {sent_s:.1f} s ({total / sent_s:,.0f} lines/s) "
          f"with {len(sent)} probes; {len(latencies)} alerts delivered")  # fmt: skip
    print(f"alert latency, line written -> MQTT delivery: p50 {p50:.0f} ms, p99 {p99:.0f} ms, "
          f"max {latencies[-1]:.0f} ms")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--database", default=PG_URL, help="server to create databases on")
    parser.add_argument("--rate", type=float, default=10_000.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("--lateness", default="2m", help="The live service's lateness.")
    parser.add_argument("--step", default="1m", help="The live service's step of event time.")
    args = parser.parse_args()
    tune_gc()
    lines = ais_lines()
    with tempfile.TemporaryDirectory() as folder:
        rules = watch_rules(Path(folder) / "rules", corpus_vessels(lines, 500))
        throughput(args, lines, rules)
        if not args.skip_latency:
            asyncio.run(latency(args, lines, Path(folder)))


if __name__ == "__main__":
    main()
