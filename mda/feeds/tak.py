"""The TAK server connection of a Cursor-on-Target feed: TCP or TLS, reconnecting with backoff.

Events wait in a bounded buffer while the server is away; when it is full the oldest are
dropped and counted (a track's newer fix supersedes an old one, so the newest matter most).
Events leave the buffer only once written and drained: after a broken connection they are sent
again, and TAK takes a repeated event of a uid as the same update.

A connection opens the way TAK clients open theirs: one event saying who mda is, alone in its
write, then a pause until the server answers (FreeTAKServer sends its welcome) or
``handshake_wait_s`` passes (TAK servers that answer nothing). FreeTAKServer reads a
connection's first chunk as the client's identity and drops a connection whose first read holds
more than that event. The stream follows one event per write: FreeTAKServer parses each read as
whole events, so a read must not end inside one, which a large write split by the network can do.

A server may drop what it cannot route at once: FreeTAKServer 2.2.1 lost everything past about
a thousand waiting events of a burst (it routed 70 to 100 a second on the test machine). For
such a server ``events_per_s`` paces the stream, in writes a tenth of a second apart.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
import time
from collections.abc import Callable

from mda.feeds.cot import identity_event
from mda.net.backoff import Backoff, reconnecting
from mda.net.outbox import Outbox
from mda.net.tls import client_context
from mda.settings.feed_spec import TakServer

log = logging.getLogger("mda.feeds")

WRITE_CHUNK = 256  # events per drain (each its own write)
CONNECT_TIMEOUT_S = 10.0
HANDSHAKE_WAIT_S = 2.0


class TakClient:
    """Streams CoT events to one TAK server."""

    def __init__(
        self,
        server: TakServer,
        *,
        max_buffered: int = 10_000,
        backoff_s: tuple[float, float] = (0.5, 30.0),
        identity: tuple[str, str] = ("MDA-FEED", "MDA"),
        handshake_wait_s: float = HANDSHAKE_WAIT_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.server = server
        self.uid, self.callsign = identity
        self._handshake_wait_s = handshake_wait_s
        self._clock = clock
        # TAK servers usually require a client certificate: given with the CA in the settings.
        self._ssl = (
            client_context(
                f"the TAK server {server.url}", server.ca_file, server.cert_file, server.key_file
            )
            if server.tls
            else None
        )
        self._buffer: Outbox[bytes] = Outbox(max_buffered)
        self._backoff = Backoff(backoff_s)
        self.connected = False
        self.connections = 0
        self.sent = 0
        self.last_error = ""

    @property
    def queued(self) -> int:
        """Events waiting for the server."""
        return len(self._buffer)

    @property
    def dropped(self) -> int:
        """Events pushed out of a full buffer while the server was away."""
        return self._buffer.dropped

    def send(self, events: list[bytes]) -> None:
        """Queue events (never blocks the caller)."""
        self._buffer.put(events)

    async def flush(self, timeout_s: float) -> bool:
        """Wait until every queued event is written; False if the time ran out."""
        return await self._buffer.flush(timeout_s)

    async def run(self) -> None:
        """Connect and stream, reconnecting after any failure, until cancelled."""
        await reconnecting(
            self._session, self._backoff, (OSError, ConnectionError, ssl.SSLError), self._broken
        )

    async def _session(self) -> None:
        writer: asyncio.StreamWriter | None = None
        try:
            async with asyncio.timeout(CONNECT_TIMEOUT_S):
                reader, writer = await asyncio.open_connection(
                    self.server.host, self.server.port, ssl=self._ssl,
                    server_hostname=(self.server.server_hostname or self.server.host)
                    if self._ssl else None,
                )  # fmt: skip
            await self._introduce(reader, writer)
            self.connected = True
            self.connections += 1
            self._backoff.reset()
            log.info("streaming CoT to %s as %s", self.server.url, self.uid)
            async with asyncio.TaskGroup() as group:
                group.create_task(self._write(writer))
                group.create_task(_until_closed(reader))
        finally:
            self.connected = False
            if writer is not None:
                writer.close()
                with contextlib.suppress(OSError, ssl.SSLError):
                    await writer.wait_closed()

    async def _introduce(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Send mda's identity alone, then wait for the server's answer (or a short while)."""
        writer.write(identity_event(self.uid, self.callsign, self._clock()))
        await writer.drain()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self._handshake_wait_s):
                if not await reader.read(65536):
                    raise ConnectionError("the server closed the connection on mda's identity")

    def _broken(self, failure: BaseException | None) -> None:
        if failure is not None:
            self.last_error = str(failure) or type(failure).__name__
        log.warning("TAK server %s: %s; %d events wait, retrying in %.1f s",
                    self.server.url, self.last_error, len(self._buffer),
                    self._backoff.delay)  # fmt: skip

    async def _write(self, writer: asyncio.StreamWriter) -> None:
        buffer = self._buffer
        rate = self.server.events_per_s
        size = WRITE_CHUNK if rate is None else max(1, min(WRITE_CHUNK, round(rate / 10)))
        while True:
            while buffer.items:
                items = buffer.items
                chunk = [items[i] for i in range(min(size, len(items)))]
                for event in chunk:
                    writer.write(event)
                await writer.drain()
                for event in chunk:
                    buffer.done(event)
                self.sent += len(chunk)
                if rate is not None:
                    await asyncio.sleep(len(chunk) / rate)
            await buffer.emptied()


async def _until_closed(reader: asyncio.StreamReader) -> None:
    """Read (and ignore) what the server sends; its closing the connection is an error."""
    while await reader.read(65536):
        pass
    raise ConnectionError("the server closed the connection")
