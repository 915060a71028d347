"""Streaming CoT to a TAK server over TCP and TLS: the opening identity, order, reconnection, a
bounded buffer.

The TAK server here is a small asyncio server in the test that collects what it is sent. It
mimics how FreeTAKServer opens a connection (its ReceiveConnections, read here, not run): the
first read must hold exactly one event, the client's identity, else the connection is dropped;
then it answers (FreeTAKServer's welcome). The real FreeTAKServer is driven in
tests/test_feeds_freetakserver.py."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from mda.errors import ConfigError
from mda.feeds.tak import TakClient
from mda.settings.feed_spec import TakServer
from tests.test_feeds_pki import Pki, make_pki

FAST = (0.01, 0.05)  # backoff: the tests wait for reconnection, never for a fixed time


def event(n: int) -> bytes:
    return b'<?xml version="1.0" encoding="UTF-8"?>\n<event version="2.0" uid="e%d"></event>' % n


ANSWER = b'<event version="2.0" uid="GeoChat.SERVER-UID.welcome" type="b-t-f"/>'


class FakeTak:
    """Takes each connection's identity, then collects events; can drop every connection."""

    def __init__(self, ssl_context: ssl.SSLContext | None = None, answer: bool = True) -> None:
        self.ssl = ssl_context
        self.answer = answer
        self.identities: list[bytes] = []
        self.refused: list[bytes] = []  # first reads that held more than an identity
        self.received: list[bytes] = []
        self.peers: list[object] = []
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._changed = asyncio.Event()

    async def start(self, port: int = 0) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", port, ssl=self.ssl)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        self.peers.append(writer.get_extra_info("peercert"))
        data = b""
        with contextlib.suppress(ConnectionError, ssl.SSLError):
            first = await reader.read(65536)
            identity, end, rest = first.partition(b"</event>")
            if not end or rest.strip():
                self.refused.append(first)
                self._changed.set()
                writer.close()
                return
            self.identities.append(identity.strip() + end)
            if self.answer:
                writer.write(ANSWER)
                await writer.drain()
            while chunk := await reader.read(4096):
                data += chunk
                *done, data = data.split(b"</event>")
                self.received += [d.strip() + b"</event>" for d in done]
                self._changed.set()
        self._writers.discard(writer)

    async def wait_for_refusal(self) -> list[bytes]:
        while not self.refused:
            self._changed.clear()
            await asyncio.wait_for(self._changed.wait(), 10.0)
        return self.refused

    async def wait_for(self, count: int) -> list[bytes]:
        while len(self.received) < count:
            self._changed.clear()
            await asyncio.wait_for(self._changed.wait(), 10.0)
        return self.received

    def drop_connections(self) -> None:
        for writer in list(self._writers):
            writer.transport.abort()

    async def close(self) -> None:
        self.drop_connections()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()


@contextlib.asynccontextmanager
async def streaming(client: TakClient) -> AsyncIterator[asyncio.Task[None]]:
    task = asyncio.create_task(client.run())
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def until(condition: object) -> None:
    """Wait (without a deadline of its own) for a condition on the client to hold."""
    for _ in range(2000):
        if callable(condition) and condition():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("the condition never held")


@pytest.fixture
def pki(tmp_path: Path) -> Pki:
    return make_pki(tmp_path / "pki")


async def test_events_reach_a_tcp_server_in_order() -> None:
    tak = FakeTak()
    await tak.start()
    client = TakClient(TakServer("127.0.0.1", tak.port, tls=False), backoff_s=FAST)
    async with streaming(client):
        client.send([event(n) for n in range(300)])
        got = await tak.wait_for(300)
        assert await client.flush(10.0)
    await tak.close()
    assert got == [event(n) for n in range(300)]
    assert client.sent == 300 and client.dropped == 0
    assert tak.refused == [] and len(tak.identities) == 1


async def test_a_connection_opens_with_mdas_identity_alone_and_waits_for_the_answer() -> None:
    tak = FakeTak()
    await tak.start()
    client = TakClient(TakServer("127.0.0.1", tak.port, tls=False), backoff_s=FAST,
                       identity=("MDA-FEED-navy-a", "MDA"),
                       clock=lambda: 1_767_225_600.0)  # fmt: skip
    client.send([event(n) for n in range(300)])  # queued before the connection opens
    async with streaming(client):
        got = await tak.wait_for(300)
    await tak.close()
    assert tak.refused == [] and got == [event(n) for n in range(300)]
    (identity,) = tak.identities
    parsed = ET.fromstring(identity)
    assert parsed.get("uid") == "MDA-FEED-navy-a" and parsed.get("type") == "a-f-G-E-S"
    assert parsed.get("time") == parsed.get("stale") == "2026-01-01T00:00:00.000Z"
    contact = parsed.find("detail/contact")
    assert contact is not None and contact.get("callsign") == "MDA"


async def test_events_written_with_the_identity_are_refused_as_freetakserver_does() -> None:
    """The mimic is strict enough to catch what broke FreeTAKServer: events after the
    identity in the same write (mda before issue 18 sent no identity and 256 events a write)."""
    tak = FakeTak()
    await tak.start()
    reader, writer = await asyncio.open_connection("127.0.0.1", tak.port)
    writer.write(event(0) + event(1))
    await writer.drain()
    (refused,) = await tak.wait_for_refusal()
    assert await reader.read() == b""  # dropped
    writer.close()
    await tak.close()
    assert refused == event(0) + event(1) and tak.identities == []


async def test_a_server_that_never_answers_gets_the_stream_after_a_short_wait() -> None:
    tak = FakeTak(answer=False)
    await tak.start()
    client = TakClient(TakServer("127.0.0.1", tak.port, tls=False), backoff_s=FAST,
                       handshake_wait_s=0.05)  # fmt: skip
    client.send([event(1), event(2)])
    async with streaming(client):
        got = await tak.wait_for(2)
    await tak.close()
    assert got == [event(1), event(2)] and len(tak.identities) == 1


async def test_events_reach_a_tls_server_that_requires_a_client_certificate(pki: Pki) -> None:
    tak = FakeTak(pki.server_context(require_client=True))
    await tak.start()
    server = TakServer("127.0.0.1", tak.port, tls=True, ca_file=pki.ca,
                       cert_file=pki.client_cert, key_file=pki.client_key)  # fmt: skip
    client = TakClient(server, backoff_s=FAST)
    async with streaming(client):
        client.send([event(1), event(2)])
        got = await tak.wait_for(2)
    await tak.close()
    assert got == [event(1), event(2)]
    assert "mda-feeds" in repr(tak.peers[0])


async def test_a_server_with_a_certificate_of_another_ca_gets_nothing(
    pki: Pki, tmp_path: Path
) -> None:
    other = make_pki(tmp_path / "other")
    tak = FakeTak(pki.server_context())
    await tak.start()
    client = TakClient(TakServer("127.0.0.1", tak.port, tls=True, ca_file=other.ca),
                       backoff_s=FAST)  # fmt: skip
    async with streaming(client):
        client.send([event(1)])
        await until(lambda: "CERTIFICATE_VERIFY_FAILED" in client.last_error)
    await tak.close()
    assert tak.received == [] and client.queued == 1 and client.connections == 0


async def test_the_client_reconnects_and_sends_what_comes_next() -> None:
    tak = FakeTak()
    await tak.start()
    client = TakClient(TakServer("127.0.0.1", tak.port, tls=False), backoff_s=FAST)
    async with streaming(client):
        client.send([event(1)])
        await tak.wait_for(1)
        tak.drop_connections()
        await until(lambda: client.connections == 2)
        client.send([event(2)])
        got = await tak.wait_for(2)
    await tak.close()
    assert got == [event(1), event(2)]
    assert len(tak.identities) == 2  # each connection opens with the identity


async def test_while_the_server_is_away_the_buffer_keeps_the_newest_and_counts_drops() -> None:
    with socket.socket() as probe:  # a port nothing listens on, for now
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = TakClient(TakServer("127.0.0.1", port, tls=False), max_buffered=3, backoff_s=FAST)
    async with streaming(client):
        client.send([event(n) for n in range(5)])
        await until(lambda: client.last_error != "")
        assert (client.queued, client.dropped) == (3, 2)
        tak = FakeTak()
        await tak.start(port)
        got = await tak.wait_for(3)
    await tak.close()
    assert got == [event(2), event(3), event(4)]


def test_unreadable_tls_files_are_a_config_error(tmp_path: Path) -> None:
    server = TakServer("tak", 8089, tls=True, cert_file=tmp_path / "no.pem",
                       key_file=tmp_path / "no.key")  # fmt: skip
    with pytest.raises(ConfigError, match="TLS files for the TAK server tls://tak:8089"):
        TakClient(server)


async def test_partner_feeds_stream_only_the_partners_vessels_to_its_tak_server() -> None:
    from mda.model import Position
    from mda.settings.feeds import parse_feeds
    from tests.feed_kit import partner_feeds, send_step

    tak = FakeTak()
    await tak.start()
    table = {"formats": ["cot"], "cot": {"url": f"tcp://127.0.0.1:{tak.port}"},
             "bbox": [40.0, 10.0, 42.0, 11.0], "round_decimals": 2}  # fmt: skip
    feeds = partner_feeds(parse_feeds({"navy-a": table}, "feeds.toml", Path()), None,
                          tak_backoff_s=FAST)  # fmt: skip
    fixes = [Position(1000.0, m, 1, 10.5123, lon, 8.0, 45.0, 44, 0, None, True, "rx")
             for m, lon in ((1, 41.0), (2, 51.0))]  # fmt: skip
    task = asyncio.create_task(feeds.run())
    send_step(feeds, fixes, [], [], 1000.0)
    assert await feeds.flush(10.0)
    (got,) = await tak.wait_for(1)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await tak.close()
    assert b'uid="MDA-AIS-1"' in got and b'lat="10.51"' in got
    assert feeds.figures()["navy-a"]["withheld_positions"] == 1
