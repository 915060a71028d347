"""MQTT source: NMEA lines, AIS-catcher JSON or gpsd JSON published on a broker topic."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import aiomqtt

from mda.errors import SourceError
from mda.ingest.sources.base import LineBatch, SourceCounts, log
from mda.net.backoff import Backoff
from mda.net.tls import client_context


class MqttSource:
    """Subscribes to ``topic`` (wildcards allowed); each message topic is its own feed.

    Reconnects with backoff; with ``fail_fast`` the first connection must succeed.
    """

    lateness_s: float | None = None  # see LineBatch

    def __init__(
        self,
        host: str,
        port: int,
        topic: str,
        *,
        username: str | None = None,
        password: str | None = None,
        tls: bool = False,
        fail_fast: bool = False,
        backoff_s: tuple[float, float] = (1.0, 30.0),
    ) -> None:
        self.name = f"mqtt{'s' if tls else ''}://{host}:{port}/{topic}"
        self._host = host
        self._port = port
        self._topic = topic
        self._username = username
        self._password = password
        self._tls = client_context(f"the MQTT broker of {self.name}") if tls else None
        self._fail_fast = fail_fast
        self._backoff = Backoff(backoff_s)
        self.connections = 0
        self.subscribed = asyncio.Event()
        self.counts = SourceCounts()  # messages are whole: nothing to drop before framing

    async def batches(self) -> AsyncIterator[LineBatch]:
        self._backoff.reset()  # each run starts with the shortest wait
        while True:
            try:
                async with aiomqtt.Client(
                    self._host,
                    self._port,
                    username=self._username,
                    password=self._password,
                    tls_context=self._tls,
                ) as client:
                    self.connections += 1
                    self._backoff.reset()
                    await client.subscribe(self._topic, qos=1)
                    self.subscribed.set()
                    log.info("subscribed to %s", self.name)
                    async for message in client.messages:
                        payload = message.payload
                        if isinstance(payload, str):
                            payload = payload.encode()
                        elif not isinstance(payload, (bytes, bytearray)):
                            continue
                        feed = f"mqtt://{self._host}:{self._port}/{message.topic.value}"
                        yield LineBatch(feed, time.time(), bytes(payload).split(b"\n"))
            except aiomqtt.MqttError as exc:
                self.subscribed.clear()
                if self._fail_fast and self.connections == 0:
                    raise SourceError(f"cannot subscribe to {self.name}: {exc}") from exc
                log.warning("MQTT %s: %s; retrying in %.0f s", self.name, exc, self._backoff.delay)
                await self._backoff.wait()
