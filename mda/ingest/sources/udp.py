"""UDP source: receivers that send NMEA datagrams (each sender is its own feed)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

from mda.errors import SourceError
from mda.ingest.sources.base import LineBatch, SourceCounts, log


class _Protocol(asyncio.DatagramProtocol):
    def __init__(self, source: UdpSource) -> None:
        self._source = source

    def datagram_received(self, data: bytes, addr: tuple[str | object, ...]) -> None:
        self._source._received(data, addr)


class UdpSource:
    """Listens on ``host:port``. UDP cannot push back on a sender, so when the consumer falls
    behind by ``queue_batches`` datagrams the newest are dropped, counted and logged."""

    lateness_s: float | None = None  # see LineBatch

    def __init__(self, host: str, port: int, *, queue_batches: int = 10_000) -> None:
        self.name = f"udp://{host}:{port}"
        self._host = host
        self._port = port
        self._queue: asyncio.Queue[LineBatch] = asyncio.Queue(queue_batches)
        self.counts = SourceCounts()
        self.bound_port: int | None = None
        self.ready = asyncio.Event()  # set once listening (then bound_port is known)

    def _received(self, data: bytes, addr: tuple[str | object, ...]) -> None:
        feed = f"{self.name}/{addr[0]}:{addr[1]}"
        try:
            self._queue.put_nowait(LineBatch(feed, time.time(), data.split(b"\n")))
        except asyncio.QueueFull:
            self.counts.dropped_datagrams += 1
            dropped = self.counts.dropped_datagrams
            if dropped in (1, 10, 100) or dropped % 1000 == 0:
                log.error("%s: consumer behind, %d datagrams dropped so far", self.name, dropped)

    @property
    def dropped_datagrams(self) -> int:
        """Datagrams dropped because the consumer was behind."""
        return self.counts.dropped_datagrams

    async def batches(self) -> AsyncIterator[LineBatch]:
        loop = asyncio.get_running_loop()
        try:
            transport, _ = await loop.create_datagram_endpoint(
                lambda: _Protocol(self), local_addr=(self._host, self._port)
            )
        except OSError as exc:
            raise SourceError(f"cannot listen on {self.name}: {exc}") from exc
        self.bound_port = transport.get_extra_info("sockname")[1]
        self.name = f"udp://{self._host}:{self.bound_port}"  # port 0: the one bound
        self.ready.set()
        log.info("listening on %s", self.name)
        try:
            while True:
                yield await self._queue.get()
        finally:
            transport.close()
