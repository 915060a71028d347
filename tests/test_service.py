"""End to end: a recording through the service into the real PostgreSQL and Mosquitto."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from dataclasses import replace
from pathlib import Path

import psycopg

from mda.config import Config, SourceSettings
from mda.geo import destination
from mda.ingest.sources import open_source
from mda.model import Position
from mda.net.broker import parse_broker_url
from mda.pipeline import Pipeline, build_pipeline
from mda.resources import default_folder
from mda.runtime.service import Service
from mda.simulate.encoder import SentenceWriter
from mda.simulate.traffic import simulate_traffic
from mda.store.writer import StoreWriter
from tests.rule_kit import T0, end_of, leg
from tests.services import MQTT_HOST, MQTT_PORT, require_mosquitto

LISTED = 636_000_010  # watch-listed, transiting the Red Sea
STOPPER = 538_000_011  # stops on the 2Africa cable in the central Red Sea
CABLE_POINT = (17.7682, 40.0355)


def sentences(track: list[Position], writer: SentenceWriter, name: str) -> list[bytes]:
    lines: list[bytes] = []
    first = track[0]
    assert first.time is not None
    lines += writer.encode({"type": 5, "mmsi": first.mmsi, "shipname": name, "ship_type": 70,
                            "callsign": "TEST", "imo": 9_000_001, "to_bow": 150,
                            "to_stern": 40}, first.time)  # fmt: skip
    for p in track:
        assert p.time is not None
        lines += writer.encode({"type": 1, "mmsi": p.mmsi, "lat": p.lat, "lon": p.lon,
                                "speed": p.sog, "course": p.cog, "heading": p.heading,
                                "status": p.nav_status}, p.time)  # fmt: skip
    return lines


def recording(path: Path) -> Path:
    """Background traffic on the Red Sea lane, a listed ship, and a ship stopping on a cable."""
    writer = SentenceWriter("rx-test")
    start = destination(*CABLE_POINT, 270, 6 * 1852)
    stopper = leg(STOPPER, T0, start[0], start[1], 90, 12, 30, every_s=10)
    t, lat, lon = end_of(stopper)
    stopper += leg(STOPPER, t + 10, lat, lon, 90, 0.3, 40, every_s=10)
    t, lat, lon = end_of(stopper)
    stopper += leg(STOPPER, t + 10, lat, lon, 60, 12, 40, every_s=10)
    listed = leg(LISTED, T0 + 600, 20.0, 38.9, 330, 13, 60, every_s=30)
    lines = sentences(stopper, writer, "STOPPER") + sentences(listed, writer, "LISTED ONE")
    lines += simulate_traffic(7, 20, T0, 110 * 60)

    # Sort by receive time, keeping each message's sentences together (only the first sentence
    # of a group carries the time).
    keys, last = [], 0
    for line in lines:
        found = re.search(rb"c:(\d+)", line)
        last = int(found.group(1)) if found else last
        keys.append(last)
    ordered = [line for _, _, line in sorted(zip(keys, range(len(lines)), lines, strict=True))]
    path.write_bytes(b"\n".join(ordered) + b"\n")
    return path


def rules(folder: Path) -> Path:
    folder.mkdir()
    (folder / "watch.toml").write_text(f"[watch_list]\nmmsi = [{LISTED}]\n")
    return folder


def pure_run(rec: Path, rule_folder: Path) -> tuple[Pipeline, list[dict[str, object]]]:
    p = build_pipeline([default_folder("zones")], [default_folder("alerts"), rule_folder])
    lines = rec.read_bytes().split(b"\n")
    bodies = []
    for i in range(0, len(lines), 5000):
        bodies += [a.body for a in p.process(lines[i : i + 5000], str(rec)).alerts]
    bodies += [a.body for a in p.finish().alerts]
    return p, bodies


async def test_a_recording_through_the_service_reaches_the_store_and_a_console(
    tmp_path: Path, database: str
) -> None:
    await require_mosquitto()
    rec = recording(tmp_path / "red-sea.nmea")
    rule_folder = rules(tmp_path / "rules")
    prefix = f"mda-test-{uuid.uuid4().hex[:8]}"
    broker = parse_broker_url(f"mqtt://{MQTT_HOST}:{MQTT_PORT}", topic_prefix=prefix)
    config = Config(
        sources=(SourceSettings(str(rec)),), broker=broker, alert_folders=(rule_folder,),
        http_listen=None,
    )  # fmt: skip
    console = replace(broker, client_id=f"console-{prefix}", session_expiry_s=300)
    received: list[dict[str, object]] = []

    async def watch(ready: asyncio.Event) -> None:
        async with console.client() as client:
            await client.subscribe(f"{prefix}/alerts/#", qos=1)
            ready.set()
            async for message in client.messages:
                assert isinstance(message.payload, bytes)
                received.append(json.loads(message.payload))

    ready = asyncio.Event()
    watcher = asyncio.create_task(watch(ready))
    await asyncio.wait_for(ready.wait(), 10)
    writer = StoreWriter(database, spool_dir=tmp_path / "spool")
    await writer.start()
    pipeline = build_pipeline([default_folder("zones")], [default_folder("alerts"), rule_folder])
    service = Service(config, pipeline, [open_source(str(rec), fail_fast=True)], writer=writer,
                      live=False)  # fmt: skip
    report = await service.run()
    expected_pipeline, expected = pure_run(rec, rule_folder)
    for _ in range(100):
        if len(received) >= len(expected):
            break
        await asyncio.sleep(0.1)
    watcher.cancel()

    # The rules fired as the scenario says, and the console got exactly what the core produced.
    kinds = [(b["rule"], b["state"], b["mmsi"]) for b in expected]
    assert ("watch_list", "open", LISTED) in kinds
    assert ("cable_threat", "open", STOPPER) in kinds
    assert ("cable_threat", "cleared", STOPPER) in kinds
    assert received == expected
    assert report.alerts == len(expected)

    # The store holds what the pipeline produced.
    with psycopg.connect(database) as conn:

        def count(sql: str) -> int:
            row = conn.execute(sql).fetchone()
            assert row is not None
            return int(row[0])

        positions = sum(1 for _ in expected_pipeline.tracks.vessels)  # vessels seen
        assert count("SELECT count(DISTINCT mmsi) FROM positions") == positions
        assert count("SELECT count(*) FROM positions") == report.positions
        assert count("SELECT count(*) FROM alerts") == len({b["alert_id"] for b in expected})
        assert count("SELECT count(*) FROM alert_history") == len(expected)
        assert count("SELECT count(*) FROM alerts WHERE rule = 'cable_threat' "
                     "AND state = 'cleared'") >= 1  # fmt: skip
        assert count("SELECT count(*) FROM zone_events") > 0
