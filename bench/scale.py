"""Scale-out throughput: one ``mda replay`` against a gateway and 1, 2 and 3 worker processes,
in the same run, on the same recording and the same PostgreSQL.

    python -m bench.scale [--vessels N] [--minutes M] [--partitions P] [--batch B]

The recording is the simulator's Red Sea traffic: N vessels for M minutes, two receivers,
a few damaged lines (tag-blocked NMEA, event time in the lines). Dense on purpose: a worker's
pipeline has a fixed cost per minute of event time per partition, which a national or global
feed amortises over thousands of messages, while a sparse recording (a few vessels over a
day) would measure little else. Each scale-out run gets its own nats-server (single node, the
partition mapping in its configuration, started here on a free port) and its own database:

1. baseline: ``mda replay FILE --database URL`` in this process (framing, decoding, vessel
   state, zones, every default rule, store), messages per second from start to last commit;
2. gateway: the recording framed and published to JetStream (each publish acknowledged);
3. workers: with the stream already loaded, 1, 2 or 3 ``mda worker --replay`` processes are
   started and the clock stops when every partition's consumer has acknowledged its last
   message (acknowledged = stored). Process start-up (zones, rules: about 2 s) is included.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg

from mda.config import Config, SourceSettings
from mda.ingest.sources import open_source
from mda.runtime.service import start_service
from mda.scale.gateway import Gateway
from mda.scale.jetstream import prepare
from mda.scale.natsconf import server_config
from mda.settings.scale import ScaleSettings
from mda.simulate.scenarios import DEFAULT_START
from mda.simulate.traffic import simulate_traffic

PG = "postgresql://postgres@127.0.0.1:5432"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Database:
    def __init__(self) -> None:
        self.name = f"mda_bench_{uuid.uuid4().hex[:10]}"

    def __enter__(self) -> str:
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"')  # type: ignore[arg-type]
        return f"{PG}/{self.name}"

    def __exit__(self, *exc: object) -> None:
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            drop = f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'
            conn.execute(drop)  # type: ignore[arg-type]


class NatsServer:
    def __init__(self, folder: Path, partitions: int) -> None:
        self.port = free_port()
        conf = folder / "nats.conf"
        text = server_config(name="bench", port=self.port, store_dir=str(folder / "js"),
                             partitions=partitions)  # fmt: skip
        conf.write_text(text)
        binary = shutil.which("nats-server") or "/usr/sbin/nats-server"
        self.process = subprocess.Popen([binary, "-c", str(conf)], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)  # fmt: skip
        for _ in range(100):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise SystemExit(f"nats-server did not start ({binary})")

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


async def baseline(recording: Path, url: str) -> float:
    config = Config(sources=(SourceSettings(str(recording)),), database_url=url,
                    http_listen=None)  # fmt: skip
    started = time.perf_counter()
    service = await start_service(config, live=False)
    await service.run()
    return time.perf_counter() - started


async def load(settings: ScaleSettings, recording: Path) -> tuple[int, float]:
    stream = await prepare(settings, "bench-gateway")
    try:
        started = time.perf_counter()
        report = await Gateway(settings, [open_source(str(recording))], stream).run()
        return report.published, time.perf_counter() - started
    finally:
        await stream.close()


async def drained(settings: ScaleSettings, total: int) -> None:
    stream = await prepare(settings, "bench-probe")
    try:
        last = (await stream.js.stream_info(settings.stream)).state.last_seq
        while True:
            floors = []
            for k in range(settings.partitions):
                try:
                    info = await stream.js.consumer_info(settings.stream, f"p{k}")
                except Exception:
                    floors.append(-1)
                    continue
                floors.append(info.ack_floor.stream_seq if not info.num_pending
                              and not info.num_ack_pending else -1)  # fmt: skip
            if min(floors) >= 0 and max(floors) == last:
                return
            await asyncio.sleep(0.05)
    finally:
        await stream.close()


def workers_run(
    recording: Path, workers: int, partitions: int, folder: Path, batch: int
) -> tuple[float, int]:
    server = NatsServer(folder, partitions)
    settings = ScaleSettings(nats=(server.url,), partitions=partitions)
    try:
        with Database() as url:
            total, _ = asyncio.run(load(settings, recording))
            config = folder / "worker.toml"
            config.write_text(f'[database]\nurl = "{url}"\nspool_dir = "{folder / "spool"}"\n'
                              f'[scale]\nnats = ["{server.url}"]\npartitions = {partitions}\n'
                              f"batch_messages = {batch}\n")  # fmt: skip
            started = time.perf_counter()
            procs = [subprocess.Popen(
                [sys.executable, "-c", "from mda.cli import main; main()", "worker", "--config",
                 str(config), "--name", f"w{i}", "--replay"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                for i in range(workers)]  # fmt: skip
            try:
                asyncio.run(drained(settings, total))
                elapsed = time.perf_counter() - started
            finally:
                for p in procs:
                    p.terminate()
                for p in procs:
                    p.wait(60)
            return elapsed, total
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--vessels", type=int, default=2000)
    parser.add_argument("--minutes", type=float, default=20.0)
    parser.add_argument("--partitions", type=int, default=12)
    parser.add_argument("--batch", type=int, default=1000, help="messages per worker step")
    parser.add_argument("--workers", default="1,2,3")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        recording = folder / "traffic.nmea"
        lines = simulate_traffic(1, args.vessels, DEFAULT_START, args.minutes * 60.0)
        recording.write_bytes(b"\n".join(lines) + b"\n")
        with Database() as url:
            seconds = asyncio.run(baseline(recording, url))
        (folder / "gw").mkdir()
        server = NatsServer(folder / "gw", args.partitions)
        try:
            settings = ScaleSettings(nats=(server.url,), partitions=args.partitions)
            messages, publish_s = asyncio.run(load(settings, recording))
        finally:
            server.stop()
        print(f"recording: {messages:,} AIS messages, {args.vessels} vessels, "
              f"{args.minutes:g} minutes; {args.partitions} partitions")
        print(f"mda replay (one process, baseline): {messages / seconds:10,.0f} msg/s "
              f"({seconds:.1f} s)")
        print(f"gateway publish (JetStream acks):   {messages / publish_s:10,.0f} msg/s "
              f"({publish_s:.1f} s)")
        for n in (int(w) for w in args.workers.split(",")):
            sub = folder / f"w{n}"
            sub.mkdir()
            elapsed, total = workers_run(recording, n, args.partitions, sub, args.batch)
            label = f"{n} worker process{'es' if n > 1 else ''}:"
            print(f"{label:<36}{total / elapsed:10,.0f} "
                  f"msg/s ({elapsed:.1f} s, {total / elapsed / (messages / seconds):.2f} x "
                  f"baseline)")  # fmt: skip


if __name__ == "__main__":
    main()
