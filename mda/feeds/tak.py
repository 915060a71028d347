"""The TAK server connection of a Cursor-on-Target feed: TCP or TLS, reconnecting with backoff.

Events wait in a bounded buffer while the server is away; when it is full the oldest are
dropped and counted (a track's newer fix supersedes an old one, so the newest matter most).
Events leave the buffer only once written and drained: after a broken connection they are sent
again, and TAK takes a repeated event of a uid as the same update.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl

from mda.net.backoff import Backoff, reconnecting
from mda.net.outbox import Outbox
from mda.net.tls import client_context
from mda.settings.feed_spec import TakServer

log = logging.getLogger("mda.feeds")

WRITE_CHUNK = 256  # events per write and drain
CONNECT_TIMEOUT_S = 10.0


class TakClient:
    """Streams CoT events to one TAK server."""

    def __init__(
        self,
        server: TakServer,
        *,
        max_buffered: int = 10_000,
        backoff_s: tuple[float, float] = (0.5, 30.0),
    ) -> None:
        self.server = server
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
            self.connected = True
            self.connections += 1
            self._backoff.reset()
            log.info("streaming CoT to %s", self.server.url)
            async with asyncio.TaskGroup() as group:
                group.create_task(self._write(writer))
                group.create_task(_until_closed(reader))
        finally:
            self.connected = False
            if writer is not None:
                writer.close()
                with contextlib.suppress(OSError, ssl.SSLError):
                    await writer.wait_closed()

    def _broken(self, failure: BaseException | None) -> None:
        if failure is not None:
            self.last_error = str(failure) or type(failure).__name__
        log.warning("TAK server %s: %s; %d events wait, retrying in %.1f s",
                    self.server.url, self.last_error, len(self._buffer),
                    self._backoff.delay)  # fmt: skip

    async def _write(self, writer: asyncio.StreamWriter) -> None:
        buffer = self._buffer
        while True:
            while buffer.items:
                items = buffer.items
                chunk = [items[i] for i in range(min(WRITE_CHUNK, len(items)))]
                writer.write(b"".join(chunk))
                await writer.drain()
                for event in chunk:
                    buffer.done(event)
                self.sent += len(chunk)
            await buffer.emptied()


async def _until_closed(reader: asyncio.StreamReader) -> None:
    """Read (and ignore) what the server sends; its closing the connection is an error."""
    while await reader.read(65536):
        pass
    raise ConnectionError("the server closed the connection")
