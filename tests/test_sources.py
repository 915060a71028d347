"""Sources against real files, real sockets on loopback and the real Mosquitto."""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
import socket
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import aiomqtt
import pytest

from mda.errors import ConfigError, SourceError
from mda.ingest.core import Ingestor
from mda.ingest.sources import (
    FileSource,
    LineBatch,
    MqttSource,
    TcpClientSource,
    TcpListenSource,
    UdpSource,
    open_source,
)
from mda.model import Position
from tests.data import AIS, read_lines
from tests.nmea import position
from tests.services import MQTT_HOST, MQTT_PORT, require_mosquitto

SAMPLE = AIS / "pyais/nmea_data_sample.txt"


def expected_lines(path: Path) -> list[bytes]:
    """Lines of a file as a source yields them: no empty line after a final newline."""
    lines = read_lines(path)
    return lines[:-1] if lines and lines[-1] == b"" else lines


async def collect(
    batches: AsyncIterator[LineBatch], n_lines: int, limit_s: float = 10.0
) -> list[LineBatch]:
    """Batches until ``n_lines`` non-empty lines have arrived."""
    out: list[LineBatch] = []

    async def run() -> None:
        seen = 0
        async for batch in batches:
            out.append(batch)
            seen += sum(1 for line in batch.lines if line.strip())
            if seen >= n_lines:
                return

    await asyncio.wait_for(run(), limit_s)
    return out


def lines_of(batches: list[LineBatch]) -> list[bytes]:
    return [line.strip() for b in batches for line in b.lines if line.strip()]


# --- files -------------------------------------------------------------------------------


async def test_file_source_reads_every_line_in_batches() -> None:
    source = FileSource(str(SAMPLE), batch_lines=100)
    batches = [b async for b in source.batches()]
    assert [line for b in batches for line in b.lines] == expected_lines(SAMPLE)
    assert max(len(b.lines) for b in batches) == 100
    assert all(b.arrival is None and b.feed == str(SAMPLE) for b in batches)


async def test_gzip_is_recognised_by_content(tmp_path: Path) -> None:
    packed = tmp_path / "recording.nmea"  # no .gz suffix on purpose
    packed.write_bytes(gzip.compress(SAMPLE.read_bytes()))
    lines = [line async for b in FileSource(str(packed)).batches() for line in b.lines]
    assert lines == expected_lines(SAMPLE)


async def test_glob_reads_matches_in_order_as_one_recording(tmp_path: Path) -> None:
    (tmp_path / "b.nmea").write_bytes(b"second\n")
    (tmp_path / "a.nmea").write_bytes(b"first\n")
    batches = [b async for b in FileSource(str(tmp_path / "*.nmea")).batches()]
    assert [line for b in batches for line in b.lines] == [b"first", b"second"]
    # A rotated log is one feed: a message split across two files is still reassembled.
    assert {Path(b.feed).name for b in batches} == {"a.nmea"}


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("/no/such/file.nmea", "no such file"),
        ("/no/such/*.nmea", "no file matches"),
        ("/", "directory"),
    ],
)
def test_unreadable_inputs_get_one_clear_error(spec: str, message: str) -> None:
    with pytest.raises(SourceError, match=message):
        FileSource(spec)


def test_urls_choose_the_source() -> None:
    assert isinstance(open_source(str(SAMPLE)), FileSource)
    assert isinstance(open_source(f"file://{SAMPLE}"), FileSource)
    assert isinstance(open_source("tcp://127.0.0.1:5631"), TcpClientSource)
    assert isinstance(open_source("tcp-listen://:10110"), TcpListenSource)
    assert isinstance(open_source("udp://:10110"), UdpSource)
    mqtt = open_source("mqtt://user:secret@broker.example/ais/#")
    assert isinstance(mqtt, MqttSource)
    assert mqtt.name == "mqtt://broker.example:1883/ais/#"


@pytest.mark.parametrize(
    "url", ["tcp://nohostport", "tcp://host:notaport", "mqtt://broker", "gopher://x:1"]
)
def test_bad_urls_name_themselves(url: str) -> None:
    with pytest.raises(ConfigError, match=url.split("//", 1)[0]):
        open_source(url)


# --- TCP ---------------------------------------------------------------------------------


async def test_tcp_client_reads_lines_split_across_reads_and_reconnects() -> None:
    connections = 0
    sent = [position(mmsi=211000000 + i) for i in range(6)]

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        half = sent[:3] if connections == 1 else sent[3:]
        data = b"\r\n".join(half) + b"\r\n"
        # Cut in the middle of a sentence: the source must not split a line between reads.
        writer.write(data[:17])
        await writer.drain()
        await asyncio.sleep(0.05)
        writer.write(data[17:])
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        source = TcpClientSource("127.0.0.1", port, backoff_s=(0.05, 0.1))
        batches = await collect(source.batches(), 6)
    assert lines_of(batches) == sent
    assert connections == 2
    assert all(b.arrival is not None for b in batches)
    records = Ingestor().ingest_all(lines_of(batches), source.name)
    assert [r.mmsi for r in records] == [211000000 + i for i in range(6)]


async def test_tcp_client_fails_fast_with_one_line_when_nothing_listens() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    source = TcpClientSource("127.0.0.1", port, fail_fast=True)
    with pytest.raises(SourceError, match=f"cannot connect to tcp://127.0.0.1:{port}"):
        await collect(source.batches(), 1)


async def test_tcp_client_warns_when_the_feed_goes_quiet(caplog: pytest.LogCaptureFixture) -> None:
    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(position() + b"\n")
        await writer.drain()
        await asyncio.sleep(1.0)
        writer.write(position(mmsi=211000001) + b"\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    caplog.set_level(logging.WARNING, logger="mda.sources")
    async with server:
        source = TcpClientSource("127.0.0.1", port, silence_s=0.3)
        await collect(source.batches(), 2)
    assert any(f"no data from tcp://127.0.0.1:{port} for" in r.getMessage() for r in caplog.records)


async def test_tcp_listener_takes_each_pushing_receiver_as_its_own_feed() -> None:
    source = TcpListenSource("127.0.0.1", 0)
    batches = source.batches()
    first = asyncio.ensure_future(collect(batches, 2))
    await asyncio.wait_for(source.ready.wait(), 5)
    assert source.bound_port is not None
    for mmsi in (211000010, 211000020):
        _, writer = await asyncio.open_connection("127.0.0.1", source.bound_port)
        writer.write(position(mmsi=mmsi) + b"\n")
        await writer.drain()
        writer.close()
    got = await first
    await batches.aclose()  # type: ignore[attr-defined]
    assert len({b.feed for b in got}) == 2
    assert all(
        b.feed.startswith(f"tcp-listen://127.0.0.1:{source.bound_port}/127.0.0.1:") for b in got
    )


# --- UDP ---------------------------------------------------------------------------------


async def test_udp_source_takes_datagrams_of_several_lines() -> None:
    source = UdpSource("127.0.0.1", 0)
    batches = source.batches()
    pending = asyncio.ensure_future(collect(batches, 3))
    await asyncio.wait_for(source.ready.wait(), 5)
    assert source.bound_port is not None
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.sendto(
            position(mmsi=211000001) + b"\r\n" + position(mmsi=211000002) + b"\r\n",
            ("127.0.0.1", source.bound_port),
        )
        s.sendto(position(mmsi=211000003), ("127.0.0.1", source.bound_port))
    got = await pending
    await batches.aclose()  # type: ignore[attr-defined]
    records = Ingestor().ingest_all(lines_of(got), "udp")
    assert [r.mmsi for r in records] == [211000001, 211000002, 211000003]
    assert source.dropped_datagrams == 0


# --- MQTT (real Mosquitto) ------------------------------------------------------------------


async def test_mqtt_source_reads_nmea_and_ais_catcher_json_from_the_broker() -> None:
    await require_mosquitto()
    topic = f"mda-test/{uuid.uuid4().hex}/ais"
    source = MqttSource(MQTT_HOST, MQTT_PORT, topic)
    batches = source.batches()
    pending = asyncio.ensure_future(collect(batches, 3))
    await asyncio.wait_for(source.subscribed.wait(), 10)
    catcher = {
        "class": "AIS",
        "device": "AIS-catcher",
        "rxuxtime": 1_700_000_000,
        "station_id": "dongle-7",
        "channel": "A",
        "nmea": [position(mmsi=211000003).decode()],
        "signalpower": -38.2,
    }
    async with aiomqtt.Client(MQTT_HOST, MQTT_PORT) as client:
        await client.publish(
            topic, position(mmsi=211000001) + b"\n" + position(mmsi=211000002), qos=1
        )
        await client.publish(topic, json.dumps(catcher), qos=1)
    got = await pending
    await batches.aclose()  # type: ignore[attr-defined]
    assert {b.feed for b in got} == {f"mqtt://{MQTT_HOST}:{MQTT_PORT}/{topic}"}
    records = Ingestor().ingest_all(lines_of(got), "mqtt")
    assert [r.mmsi for r in records] == [211000001, 211000002, 211000003]
    from_catcher = records[2]
    assert isinstance(from_catcher, Position)
    assert from_catcher.time == 1_700_000_000
    assert from_catcher.source == "dongle-7"


async def test_mqtt_source_fails_fast_when_no_broker_answers() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    source = MqttSource("127.0.0.1", port, "ais", fail_fast=True)
    with pytest.raises(SourceError, match=f"cannot subscribe to mqtt://127.0.0.1:{port}/ais"):
        await collect(source.batches(), 1)


def test_every_source_is_opened_from_one_table_by_its_scheme() -> None:
    from mda.errors import ConfigError
    from mda.ingest.sources import SCHEMES, open_source

    assert set(SCHEMES) == {"file", "tcp", "tcp-listen", "udp", "mqtt", "mqtts"}
    assert type(open_source("TCP://127.0.0.1:10110")).__name__ == "TcpClientSource"
    with pytest.raises(ConfigError, match=r"unknown source scheme 'serial' \(use a path, file://"):
        open_source("serial:///dev/ttyUSB0")
