"""Soak: a bad night on the watch floor, end to end, with the real database and broker.

A scenario recording with ground truth (a bulk carrier dragging its anchor over a cable among
200 vessels of traffic) has the faults of issue 13 mixed in: a receiver whose clock puts each
fix on another day, NUL-prefixed and random lines, a flood of invalid MMSIs and a flood of
valid ones heard once. ``mda replay --speed`` paces it over a few minutes into PostgreSQL and
a Mosquitto of the test's own, while the test freezes the database link (packets held, as a
link that drops them), then kills it, then restarts the broker. It ends with every good
position stored once and every alert state change delivered to a console with a persistent
session, and prints the figures.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import resource
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import aiomqtt
import psycopg
import pytest

from mda.pipeline import PipelineOutput
from tests.nmea import position, tag_block
from tests.proxy import Proxy
from tests.test_determinism import fresh

SPEED = 100.0  # the scenario's hours in a few minutes
MOSQUITTO = "/usr/sbin/mosquitto"


class Broker:
    """A Mosquitto of the test's own that keeps sessions on disk across restarts."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.conf = folder / "mosquitto.conf"
        self.conf.write_text(
            f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence true\n"
            f"persistence_location {folder}/\nmax_queued_messages 100000\n"
        )
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        binary = MOSQUITTO if Path(MOSQUITTO).exists() else shutil.which("mosquitto")
        assert binary, "the soak test needs the mosquitto binary (Debian package mosquitto)"
        self.process = subprocess.Popen([binary, "-c", str(self.conf)],
                                        stderr=subprocess.DEVNULL)  # fmt: skip
        for _ in range(100):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise AssertionError("the soak test's own mosquitto did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


def build_input(folder: Path) -> tuple[Path, dict[str, int]]:
    """The scenario with every fault of the issue mixed in; figures of what went in."""
    scenario = folder / "drag.nmea"
    subprocess.run(
        [sys.executable, "-c", "from mda.cli import main; main()", "simulate", "anchor-drag",
         "--out", str(scenario)],
        check=True, capture_output=True,
    )  # fmt: skip
    good = scenario.read_bytes().splitlines()
    rng = random.Random(13)
    # Each fault goes in beside a line of the scenario and takes that line's time, as a
    # receiver in the same feed would have stamped it.
    timed = [(i, int(line.split(b"c:")[1].split(b"*")[0])) for i, line in enumerate(good)
             if b"c:" in line]  # fmt: skip
    after: dict[int, list[bytes]] = {}
    figures = {"broken clock": 3000, "invalid MMSIs": 10_000, "vessels heard once": 10_000,
               "garbage": 4000}  # fmt: skip

    def beside(line_of: Callable[[int], bytes]) -> None:
        at, t = timed[rng.randrange(len(timed))]
        after.setdefault(at, []).append(line_of(t))

    for i in range(figures["broken clock"]):  # a receiver whose clock puts each fix on another day
        days = rng.choice((-1, 1)) * rng.randrange(2, 9000)
        beside(lambda t, i=i, days=days: tag_block(b"s:broken,c:%d" % (t + days * 86400))
               + position(235_000_000 + i % 50, lat=35.0 + i * 1e-4, lon=20.0,
                          second=t % 60))  # fmt: skip
    for i in range(figures["invalid MMSIs"] + figures["vessels heard once"]):
        mmsi = 1_000 + i if i % 2 else 200_000_000 + i  # numbers no vessel has; vessels once
        lat, lon = 34.0 + rng.random(), 21.0 + rng.random()
        beside(lambda t, mmsi=mmsi, lat=lat, lon=lon: tag_block(b"s:flood,c:%d" % t)
               + position(mmsi, lat=lat, lon=lon, second=t % 60))  # fmt: skip
    for i in range(figures["garbage"]):
        noise = bytes(rng.randrange(1, 256) for _ in range(rng.randrange(1, 120)))
        garbage = b"\x00" * rng.randrange(1, 40) + good[i] if i % 2 else noise
        beside(lambda t, garbage=garbage: garbage)
    lines = []
    for i, line in enumerate(good):
        lines.append(line)
        lines += after.get(i, [])
    path = folder / "soak.nmea"
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path, {"lines": len(lines), "scenario lines": len(good), **figures}


def expected(path: Path) -> tuple[set[tuple[int, float]], PipelineOutput, int]:
    """What a clean replay in this process gives: vessel-seconds to store, output, quarantine."""
    pipeline = fresh()
    out = pipeline.process(path.read_bytes().splitlines(), "soak")
    out.extend(pipeline.finish())
    seconds = {(p.mmsi, p.time) for p in out.positions if p.time is not None}
    return seconds, out, pipeline.stats.quarantined


@pytest.mark.slow
async def test_a_bad_night_ends_with_every_good_position_stored_once_and_every_alert_delivered(
    plain_database: str, tmp_path: Path
) -> None:
    path, figures = build_input(tmp_path)
    want_rows, clean, quarantined = expected(path)
    assert quarantined == figures["broken clock"]
    host_port = plain_database.split("@", 1)[1].split("/", 1)[0]
    db_link = Proxy("127.0.0.1", int(host_port.rsplit(":", 1)[1]))
    await db_link.start()
    url = plain_database.replace(host_port, f"127.0.0.1:{db_link.port}")
    broker = Broker(tmp_path)
    broker.start()
    prefix = "soak"
    delivered: list[tuple[str, str]] = []

    async def console() -> None:
        """A watch console: persistent session, QoS 1, reconnecting across broker restarts."""
        while True:
            try:
                async with aiomqtt.Client("127.0.0.1", broker.port, identifier="soak-console",
                                          clean_session=False) as client:  # fmt: skip
                    await client.subscribe(f"{prefix}/alerts/#", qos=1)
                    async for message in client.messages:
                        body = json.loads(bytes(message.payload))  # type: ignore[arg-type]
                        delivered.append((body["alert_id"], body["state"]))
            except aiomqtt.MqttError:
                await asyncio.sleep(0.5)

    watcher = asyncio.create_task(console())
    await asyncio.sleep(1.0)
    config = tmp_path / "soak.toml"
    config.write_text(f'[database]\nspool_dir = "{tmp_path / "spool"}"\n'
                      f'[mqtt]\nurl = "mqtt://127.0.0.1:{broker.port}"\n'
                      f'topic_prefix = "{prefix}"\n')  # fmt: skip
    run = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "from mda.cli import main; main()", "replay", str(path),
        "--speed", str(SPEED), "-c", str(config), "-d", url, "--out", str(tmp_path / "a.jsonl"),
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    started = time.monotonic()
    events: list[str] = []

    async def at(seconds: float) -> None:
        await asyncio.sleep(max(0.0, started + seconds - time.monotonic()))

    await at(20)
    db_link.freeze()  # the database freezes: bytes held, connections open
    events.append("database frozen 20 s")
    await at(40)
    db_link.thaw()
    await at(60)
    db_link.refusing = True  # the database goes away
    db_link.cut()
    events.append("database unreachable 20 s")
    await at(80)
    db_link.refusing = False
    await at(100)
    broker.stop()  # the broker restarts
    events.append("broker down 10 s")
    await at(110)
    broker.start()
    _, err = await asyncio.wait_for(run.communicate(), 900)
    elapsed = time.monotonic() - started
    stderr = err.decode()
    assert run.returncode == 0, stderr[-3000:]
    want_alerts = [(a.alert_id, a.state) for a in clean.alerts]
    for _ in range(200):  # the console's last messages
        if len(set(delivered)) >= len(set(want_alerts)):
            break
        await asyncio.sleep(0.1)
    watcher.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await watcher
    broker.stop()
    await db_link.close()
    with psycopg.connect(plain_database) as conn:
        rows = conn.execute("SELECT count(*), count(DISTINCT (mmsi, time)) FROM positions"
                            ).fetchone()  # fmt: skip
        broken = conn.execute("SELECT count(*) FROM positions WHERE source = 'broken'").fetchone()
    assert rows is not None
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"\nsoak: {figures}; {' then '.join(events)}; {elapsed:.0f} s")
    print(f"soak: positions stored {rows[0]:,} (distinct {rows[1]:,}, expected {len(want_rows):,}),"
          f" quarantined {quarantined:,}, alert state changes delivered "
          f"{len(set(delivered))} of {len(set(want_alerts))} (messages {len(delivered)}),"
          f" peak memory of the replay {peak_mb:.0f} MB")  # fmt: skip
    assert broken == (0,)
    assert rows[0] == rows[1] == len(want_rows)  # every good position, once
    assert set(delivered) == set(want_alerts)  # every alert state change, none invented
    assert "cable_threat" in {a.rule for a in clean.alerts}  # the scenario's own alert
