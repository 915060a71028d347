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
from collections import deque

from mda.errors import ConfigError
from mda.feeds.spec import TakServer

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
        self._ssl = tls_context(server) if server.tls else None
        self._buffer: deque[bytes] = deque()
        self._max = max_buffered
        self._backoff = backoff_s
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self.connected = False
        self.connections = 0
        self.sent = 0
        self.dropped = 0
        self.last_error = ""

    @property
    def queued(self) -> int:
        """Events waiting for the server."""
        return len(self._buffer)

    def send(self, events: list[bytes]) -> None:
        """Queue events (never blocks the caller)."""
        if not events:
            return
        for event in events:
            if len(self._buffer) >= self._max:
                self._buffer.popleft()
                self.dropped += 1
            self._buffer.append(event)
        self._idle.clear()
        self._wake.set()

    async def flush(self, timeout_s: float) -> bool:
        """Wait until every queued event is written; False if the time ran out."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout_s)
        except TimeoutError:
            return False
        return True

    async def run(self) -> None:
        """Connect and stream, reconnecting after any failure, until cancelled."""
        delay = self._backoff[0]
        while True:
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
                delay = self._backoff[0]
                log.info("streaming CoT to %s", self.server.url)
                async with asyncio.TaskGroup() as group:
                    group.create_task(self._write(writer))
                    group.create_task(_until_closed(reader))
            except* (OSError, ConnectionError, ssl.SSLError) as failure:
                self.last_error = str(failure.exceptions[0]) or type(failure.exceptions[0]).__name__
            finally:
                self.connected = False
                if writer is not None:
                    writer.close()
                    with contextlib.suppress(OSError, ssl.SSLError):
                        await writer.wait_closed()
            log.warning("TAK server %s: %s; %d events wait, retrying in %.1f s",
                        self.server.url, self.last_error, len(self._buffer), delay)  # fmt: skip
            await asyncio.sleep(delay)
            delay = min(delay * 2, self._backoff[1])

    async def _write(self, writer: asyncio.StreamWriter) -> None:
        buffer = self._buffer
        while True:
            while buffer:
                chunk = [buffer[i] for i in range(min(WRITE_CHUNK, len(buffer)))]
                writer.write(b"".join(chunk))
                await writer.drain()
                # The buffer may have dropped its oldest while draining: remove what was sent
                # only if it is still at the front.
                for event in chunk:
                    if buffer and buffer[0] is event:
                        buffer.popleft()
                self.sent += len(chunk)
            self._idle.set()
            self._wake.clear()
            await self._wake.wait()


async def _until_closed(reader: asyncio.StreamReader) -> None:
    """Read (and ignore) what the server sends; its closing the connection is an error."""
    while await reader.read(65536):
        pass
    raise ConnectionError("the server closed the connection")


def tls_context(server: TakServer) -> ssl.SSLContext:
    """The client TLS context: the server verified against the CA file (else the system's),
    with a client certificate when given (TAK servers usually require one)."""
    try:
        context = ssl.create_default_context(cafile=str(server.ca_file) if server.ca_file else None)
        if server.cert_file is not None:
            context.load_cert_chain(
                server.cert_file, server.key_file if server.key_file is not None else None
            )
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(f"TLS files for the TAK server {server.url}: {exc}") from exc
    return context
