"""Partner feeds in the running service: a recording through ``Service`` reaches a partner's
MQTT topics filtered to its waters, rounded, and its raw NMEA feed unaltered."""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import replace
from pathlib import Path

from mda.config import Config, SourceSettings, load_config
from mda.feeds.nmea import bare_sentence
from mda.ingest.core import Ingestor
from mda.ingest.sources import open_source
from mda.net.broker import parse_broker_url
from mda.pipeline import build_pipeline
from mda.resources import default_folder
from mda.runtime.service import Service
from tests.services import MQTT_HOST, MQTT_PORT, require_mosquitto
from tests.test_service import LISTED, STOPPER, recording, rules

# The stopper's waters (it stops on the 2Africa cable near 17.77 N, 40.04 E); the listed ship
# sails far to the south-west of them.
BBOX = [39.8, 17.6, 40.3, 17.9]


async def test_partner_feeds_get_only_their_waters_rounded_and_raw_nmea_unaltered(
    tmp_path: Path,
) -> None:
    await require_mosquitto()
    rec = recording(tmp_path / "red-sea.nmea")
    rule_folder = rules(tmp_path / "rules")
    prefix = f"mda-test-{uuid.uuid4().hex[:8]}"
    (tmp_path / "mda.toml").write_text(
        f'[mqtt]\nurl = "mqtt://{MQTT_HOST}:{MQTT_PORT}"\ntopic_prefix = "{prefix}"\n'
        f'[feeds]\ntopic_prefix = "{prefix}"\n'
        f'[feeds.navy-a]\nformats = ["mqtt"]\nbbox = {BBOX}\nrules = ["cable_threat"]\n'
        f'round_decimals = 2\n'
        f'[feeds.coastguard-b]\nformats = ["nmea"]\nbbox = {BBOX}\n'
    )  # fmt: skip
    loaded = load_config(tmp_path / "mda.toml", env={})
    assert loaded.feeds is not None and len(loaded.feeds.feeds) == 2
    broker = parse_broker_url(f"mqtt://{MQTT_HOST}:{MQTT_PORT}", topic_prefix=prefix)
    config = Config(sources=(SourceSettings(str(rec)),), broker=broker,
                    alert_folders=(rule_folder,), http_listen=None, feeds=loaded.feeds)  # fmt: skip
    partner = replace(broker, client_id=f"partner-{prefix}")
    received: list[tuple[str, bytes]] = []

    async def watch(ready: asyncio.Event) -> None:
        async with partner.client() as client:
            await client.subscribe(f"{prefix}/feeds/#", qos=1)
            ready.set()
            async for message in client.messages:
                assert isinstance(message.payload, bytes)
                received.append((str(message.topic), message.payload))

    ready = asyncio.Event()
    watcher = asyncio.create_task(watch(ready))
    await asyncio.wait_for(ready.wait(), 10)
    pipeline = build_pipeline([default_folder("zones")], [default_folder("alerts"), rule_folder])
    service = Service(config, pipeline, [open_source(str(rec), fail_fast=True)], live=False)
    await service.run()
    before = -1
    while len(received) != before:  # until nothing more arrives
        before = len(received)
        await asyncio.sleep(0.5)
    watcher.cancel()

    topics = {t for t, _ in received}
    assert f"{prefix}/feeds/navy-a/positions" in topics
    assert f"{prefix}/feeds/navy-a/alerts" in topics
    positions = [json.loads(p) for t, p in received if t.endswith("navy-a/positions")]
    records = [r for p in positions for r in p["positions"]]
    mmsis = {r["mmsi"] for r in records}
    assert STOPPER in mmsis and LISTED not in mmsis
    for r in records:
        lat, lon = r["lat"], r["lon"]
        assert round(lat, 2) == lat and round(lon, 2) == lon
        assert BBOX[1] - 0.01 <= lat <= BBOX[3] + 0.01 and BBOX[0] - 0.01 <= lon <= BBOX[2] + 0.01
    alerts = [json.loads(p) for t, p in received if t.endswith("navy-a/alerts")]
    assert {a["rule"] for a in alerts} == {"cable_threat"}
    assert all(a["mmsi"] == STOPPER for a in alerts)

    raw = [p for t, p in received if "coastguard-b" in t]
    assert raw, "the raw NMEA feed sent nothing"
    # Sentences byte for byte; the tag block is mda's own (event time, group), not the
    # receiving station's.
    original = {bare_sentence(line) for line in rec.read_bytes().split(b"\n")}
    sent = [line for p in raw for line in p.split(b"\n") if line]
    assert sent and all(bare_sentence(line) in original for line in sent)
    assert not any(b"rx-" in line for line in sent)
    assert all(line.startswith(b"\\c:") for line in sent)
    shared = {r.mmsi for r in Ingestor().ingest_all(sent, "partner")}
    assert STOPPER in shared and LISTED not in shared
