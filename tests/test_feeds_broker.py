"""Partner feeds through a real Mosquitto locked down by `mda feeds acl`.

Each test session starts its own Mosquitto on a free port: a TLS listener with a certificate
from a CA made in the test, the password file and ACL the command wrote, and no anonymous
access. Mosquitto's ACL grants any subscription and filters delivery, so isolation is proved by
non-delivery: known messages go to every forbidden topic, then a marker to the observer's own
topic; the observer must have received the marker and nothing forbidden before it.
"""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import json
import shutil
import socket
import ssl
import subprocess
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import aiomqtt
import pytest
from typer.testing import CliRunner

from mda.cli import app
from mda.model import Alert, Position
from mda.net.broker import BrokerSettings
from mda.settings.feeds import load_feeds
from mda.timefmt import iso
from tests.feed_kit import decoded, partner_feeds, send_step
from tests.test_feeds_pki import Pki, make_pki

MOSQUITTO = "/usr/sbin/mosquitto"
FEEDS = """
[feeds]
service_user = "mda"

[feeds.navy-a]
formats = ["mqtt", "nmea"]
bbox = [40.0, 10.0, 42.0, 11.0]
rules = ["cable_threat"]

[feeds.navy-b]
formats = ["mqtt"]
bbox = [50.0, 10.0, 52.0, 11.0]
rules = ["cable_threat"]
round_decimals = 2
"""


@dataclass
class Broker:
    """The test's own Mosquitto and the credentials `mda feeds acl` made for it."""

    port: int
    pki: Pki
    passwords: dict[str, str]
    feeds_file: Path

    def settings(self, user: str, password: str | None = None) -> BrokerSettings:
        return BrokerSettings("127.0.0.1", self.port, username=user,
                              password=self.passwords[user] if password is None else password,
                              tls=True, ca_file=str(self.pki.ca))  # fmt: skip

    def client(self, user: str, ident: str | None = None) -> aiomqtt.Client:
        return self.settings(user).client(ident)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Broker]:
    if not Path(MOSQUITTO).exists() and shutil.which("mosquitto") is None:
        raise AssertionError(f"these tests need Mosquitto at {MOSQUITTO} (apt install mosquitto)")
    folder = tmp_path_factory.mktemp("feeds-broker")
    pki = make_pki(folder / "pki")
    feeds = folder / "feeds.toml"
    feeds.write_text(FEEDS)
    result = CliRunner().invoke(app, ["feeds", "acl", "--feeds", str(feeds), "--out",
                                      str(folder / "broker")])  # fmt: skip
    assert result.exit_code == 0, result.stderr
    passwords = dict(line.split("\t") for line in result.stdout.splitlines())
    port = _free_port()
    log = folder / "mosquitto.log"
    conf = folder / "mosquitto.conf"
    conf.write_text(
        f"per_listener_settings false\nallow_anonymous false\n"
        f"password_file {folder / 'broker' / 'passwd'}\nacl_file {folder / 'broker' / 'acl'}\n"
        f"persistence false\nuser {getpass.getuser()}\nlog_dest file {log}\n"
        f"listener {port} 127.0.0.1\ncafile {pki.ca}\ncertfile {pki.server_cert}\n"
        f"keyfile {pki.server_key}\n"
    )
    process = subprocess.Popen([MOSQUITTO if Path(MOSQUITTO).exists() else "mosquitto",
                                "-c", str(conf)], stderr=subprocess.PIPE)  # fmt: skip
    try:
        b = Broker(port, pki, passwords, feeds)
        asyncio.run(_until_ready(b, process, log))
        yield b
    finally:
        process.terminate()
        process.wait(10)


async def _until_ready(b: Broker, process: subprocess.Popen[bytes], log: Path) -> None:
    for _ in range(400):
        if process.poll() is not None:
            stderr = process.stderr.read().decode() if process.stderr else ""
            text = log.read_text() if log.exists() else ""  # noqa: ASYNC240 (failing anyway)
            raise AssertionError(f"the test's Mosquitto did not start: {stderr}{text}")
        try:
            async with b.client("mda"):
                return
        except aiomqtt.MqttError:
            await asyncio.sleep(0.05)
    raise AssertionError("the test's Mosquitto never accepted the service user")


@contextlib.asynccontextmanager
async def observing(client: aiomqtt.Client, *topics: str) -> AsyncIterator[list[tuple[str, bytes]]]:
    """Subscribe and collect (topic, payload) in the background."""
    got: list[tuple[str, bytes]] = []
    for topic in topics:
        await client.subscribe(topic, qos=1)

    async def collect() -> None:
        async for message in client.messages:
            payload = message.payload if isinstance(message.payload, bytes) else b""
            got.append((message.topic.value, payload))

    task = asyncio.create_task(collect())
    try:
        yield got
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def until_marker(got: list[tuple[str, bytes]], marker: bytes) -> list[tuple[str, bytes]]:
    """Everything received up to the marker (which must arrive)."""
    for _ in range(2000):
        if any(payload == marker for _, payload in got):
            return got[: [p for _, p in got].index(marker)]
        await asyncio.sleep(0.005)
    raise AssertionError(f"the marker {marker!r} never arrived; got {got}")


def position(mmsi: int, lat: float, lon: float, t: float = 1000.0) -> Position:
    return Position(t, mmsi, 1, lat, lon, 8.0, 45.0, 44, 0, None, True, "rx-1")


def alert(mmsi: int, lat: float, lon: float) -> Alert:
    body: dict[str, object] = {
        "alert_id": f"alert-{mmsi}", "dedup_key": "k", "rule": "cable_threat",
        "severity": "alarm", "state": "open", "mmsi": mmsi, "vessel": {"ship_type": 70},
        "position": {"lat": lat, "lon": lon, "time": iso(1000.0)}, "track": [],
        "evidence": {}, "message": "apparently stopped on a cable", "earlier_alerts": 0,
    }  # fmt: skip
    return Alert(f"alert-{mmsi}", "k", "cable_threat", "alarm", "open", 1000.0, 1000.0, mmsi,
                 None, "m", body)  # fmt: skip


async def test_the_broker_lets_in_only_configured_users_with_their_passwords(
    broker: Broker,
) -> None:
    for user in ("mda", "navy-a", "navy-b"):
        async with broker.client(user):
            pass
    with pytest.raises(aiomqtt.MqttError):
        async with broker.settings("navy-a", "not-the-password").client():
            pass
    with pytest.raises(aiomqtt.MqttError):
        async with aiomqtt.Client(
            "127.0.0.1",
            broker.port,
            tls_context=ssl.create_default_context(cafile=str(broker.pki.ca)),
        ):
            pass  # anonymous  # fmt: skip


async def test_partner_a_receives_its_feed_and_nothing_else(broker: Broker) -> None:
    feeds = partner_feeds(load_feeds(broker.feeds_file), broker.settings("mda"))
    assert feeds.transports.broker_publisher is not None
    publisher = asyncio.create_task(feeds.run())
    async with (
        broker.client("navy-a") as a,
        broker.client("navy-a") as everything,
        observing(a, "mda/feeds/navy-a/#", "mda/feeds/navy-b/#", "mda/alerts/#", "mda/ack/#",
                  "mda/input/#", "ais/#") as got_a,
        observing(everything, "#") as got_everything,
        broker.client("mda") as service,
    ):  # fmt: skip
        # Vessel 1 in A's waters, vessel 2 in B's: one batch through the real feeds.
        send_step(feeds, [position(1, 10.5, 41.0), position(2, 10.5, 51.0)], [],
                   [alert(1, 10.5, 41.0), alert(2, 10.5, 51.0)], 1000.0)  # fmt: skip
        assert await feeds.flush(10.0)
        # Known messages on every topic A must not see, published as the service.
        for topic in ("mda/alerts/cable_threat/2", "mda/ack/alert-1", "mda/input/nmea",
                      "mda/feeds/navy-b/positions", "mda/status"):  # fmt: skip
            await service.publish(topic, b"forbidden", qos=1)
        await service.publish("mda/feeds/navy-a/marker", b"marker", qos=1)
        before_a = await until_marker(got_a, b"marker")
        before_all = await until_marker(got_everything, b"marker")
    publisher.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await publisher
    for got in (before_a, before_all):
        assert {topic for topic, _ in got} == {"mda/feeds/navy-a/positions",
                                               "mda/feeds/navy-a/alerts"}  # fmt: skip
        assert all(payload != b"forbidden" for _, payload in got)
    positions = [json.loads(p) for t, p in before_a if t.endswith("/positions")]
    assert [[q["mmsi"] for q in m["positions"]] for m in positions] == [[1]]
    (alert_message,) = [json.loads(p) for t, p in before_a if t.endswith("/alerts")]
    assert alert_message["mmsi"] == 1 and "dedup_key" not in alert_message


async def test_a_partners_publishes_go_nowhere(broker: Broker) -> None:
    async with (
        broker.client("navy-a") as a,
        broker.client("navy-a") as a_watch,
        broker.client("navy-b") as b,
        broker.client("mda") as service,
        observing(a_watch, "#") as got_a,
        observing(b, "#") as got_b,
        observing(service, "mda/ack/#") as got_service,
    ):  # fmt: skip
        # A tries its own feed (forging data for itself), B's feed, alerts and a forged
        # acknowledgement of an alert.
        for topic in (
            "mda/feeds/navy-a/positions",
            "mda/feeds/navy-b/alerts",
            "mda/alerts/cable_threat/1",
            "mda/ack/alert-1",
            "mda/feeds/navy-a",
        ):
            with contextlib.suppress(aiomqtt.MqttError):  # a refusal is as good as silence
                await a.publish(topic, b"from-a", qos=1)  # fmt: skip
        await service.publish("mda/feeds/navy-a/marker", b"marker-a", qos=1)
        await service.publish("mda/feeds/navy-b/marker", b"marker-b", qos=1)
        await service.publish("mda/ack/marker", b"marker-ack", qos=1)
        assert await until_marker(got_a, b"marker-a") == []
        assert await until_marker(got_b, b"marker-b") == []
        assert await until_marker(got_service, b"marker-ack") == []


async def test_raw_nmea_reaches_its_partner_on_its_nmea_topic(broker: Broker) -> None:
    from tests.nmea import position as nmea_position
    from tests.nmea import tag_block

    stamp = b"s:rx-1,c:1767225600"  # 2026-01-01T00:00:00Z
    lines = [
        tag_block(stamp) + nmea_position(366_000_001, lat=10.5, lon=41.0),
        tag_block(stamp) + nmea_position(366_000_002, lat=10.5, lon=51.0),
    ]
    decoded_records, messages = decoded(lines)
    records = [r for r in decoded_records if isinstance(r, Position)]
    feeds = partner_feeds(load_feeds(broker.feeds_file), broker.settings("mda"))
    publisher = asyncio.create_task(feeds.run())
    async with broker.client("navy-a") as a, observing(a, "mda/feeds/navy-a/#") as got:
        send_step(feeds, records, [], [], 1_767_225_600.0, messages)
        assert await feeds.flush(10.0)
        async with broker.client("mda") as service:
            await service.publish("mda/feeds/navy-a/marker", b"marker", qos=1)
        before = await until_marker(got, b"marker")
    publisher.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await publisher
    (nmea,) = [payload for topic, payload in before if topic == "mda/feeds/navy-a/nmea"]
    assert nmea == tag_block(b"c:1767225600") + nmea_position(366_000_001, lat=10.5, lon=41.0)
