"""TCP sources: a client that dials a receiver or aggregator, and a listener receivers push to."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

from mda.errors import SourceError
from mda.ingest.sources.base import LineBatch, LineSplitter, SourceCounts, log
from mda.net.backoff import Backoff

READ_BYTES = 1 << 16


class TcpClientSource:
    """Connects to ``host:port``, reconnects with backoff, and warns when the feed goes quiet.

    With ``fail_fast`` the first connection must succeed (a one-off ``mda decode``); otherwise
    an unreachable feed is retried forever, as a service must.
    """

    lateness_s: float | None = None  # see LineBatch

    def __init__(
        self,
        host: str,
        port: int,
        *,
        fail_fast: bool = False,
        silence_s: float = 60.0,
        backoff_s: tuple[float, float] = (1.0, 30.0),
        connect_timeout_s: float = 10.0,
    ) -> None:
        self.name = f"tcp://{host}:{port}"
        self._host = host
        self._port = port
        self._fail_fast = fail_fast
        self._silence_s = silence_s
        self._backoff = Backoff(backoff_s)
        self._connect_timeout_s = connect_timeout_s
        self.connections = 0
        self.counts = SourceCounts()

    async def batches(self) -> AsyncIterator[LineBatch]:
        self._backoff.reset()  # each run starts with the shortest wait
        while True:
            try:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection(self._host, self._port), self._connect_timeout_s
                )
            except (OSError, TimeoutError) as exc:
                if self._fail_fast and self.connections == 0:
                    raise SourceError(f"cannot connect to {self.name}: {exc}") from exc
                log.warning(
                    "cannot connect to %s (%s); retrying in %.0f s",
                    self.name,
                    exc,
                    self._backoff.delay,
                )
                await self._backoff.wait()
                continue
            self.connections += 1
            self._backoff.reset()
            log.info("connected to %s", self.name)
            try:
                async for batch in _read_lines(reader, self.name, self._silence_s, self.counts):
                    yield batch
                log.warning("%s closed the connection; reconnecting", self.name)
            except OSError as exc:
                log.warning("connection to %s lost (%s); reconnecting", self.name, exc)
            finally:
                writer.close()


async def _read_lines(
    reader: asyncio.StreamReader, feed: str, silence_s: float, counts: SourceCounts
) -> AsyncIterator[LineBatch]:
    """Batches of complete lines until EOF, logging each stretch of silence once."""
    splitter = LineSplitter(counts)
    silent_since: float | None = None
    while True:
        try:
            chunk = await asyncio.wait_for(reader.read(READ_BYTES), silence_s)
        except TimeoutError:
            silent_since = silent_since or time.monotonic() - silence_s
            log.warning("no data from %s for %.0f s", feed, time.monotonic() - silent_since)
            continue
        if not chunk:
            tail = splitter.flush()
            if tail:
                yield LineBatch(feed, time.time(), tail)
            return
        silent_since = None
        lines = splitter.feed(chunk)
        if lines:
            yield LineBatch(feed, time.time(), lines)


class TcpListenSource:
    """Accepts connections on ``host:port`` from receivers that push; each peer is a feed."""

    lateness_s: float | None = None  # see LineBatch

    def __init__(self, host: str, port: int, *, queue_batches: int = 1_000) -> None:
        self.name = f"tcp-listen://{host}:{port}"
        self._host = host
        self._port = port
        self._queue: asyncio.Queue[LineBatch] = asyncio.Queue(queue_batches)
        self.bound_port: int | None = None
        self.ready = asyncio.Event()  # set once listening (then bound_port is known)
        self.counts = SourceCounts()  # of every receiver that connected

    async def batches(self) -> AsyncIterator[LineBatch]:
        try:
            server = await asyncio.start_server(self._serve, self._host, self._port)
        except OSError as exc:
            raise SourceError(f"cannot listen on {self.name}: {exc}") from exc
        self.bound_port = server.sockets[0].getsockname()[1]
        self.name = f"tcp-listen://{self._host}:{self.bound_port}"  # port 0: the one bound
        self.ready.set()
        log.info("listening on %s", self.name)
        async with server:
            while True:
                yield await self._queue.get()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        feed = f"{self.name}/{peer[0]}:{peer[1]}" if peer else self.name
        log.info("receiver connected: %s", feed)
        try:
            # No silence warnings: a pushing receiver that goes quiet just disconnects later.
            async for batch in _read_lines(reader, feed, 3600.0, self.counts):
                await self._queue.put(batch)  # a full queue slows this receiver (backpressure)
        except OSError as exc:
            log.warning("receiver %s: %s", feed, exc)
        finally:
            writer.close()
