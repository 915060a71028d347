"""Where a shell's output goes: the store, the alert sinks, the partner feeds and the live API,
with the status server beside them; built from a configuration, started, fed and drained the
same way by every shell."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from mda.alerts.mqtt import AckHandler, MqttAlertPublisher
from mda.alerts.sinks import AlertSink, ConsoleAlertPrinter, JsonlAlertWriter
from mda.config import Config
from mda.feeds.core import FeedSet
from mda.feeds.service import PartnerFeeds
from mda.metrics import ServiceFigures, StatusServer
from mda.model import Alert
from mda.pipeline import Pipeline, PipelineOutput
from mda.store.batch import StoreBatch
from mda.store.writer import StoreWriter

if TYPE_CHECKING:
    from mda.api.service_api import ServiceApi

log = logging.getLogger("mda.runtime")

Store = Callable[[StoreBatch], Awaitable[None]]
"""How a shell hands a batch to the store (at once, through a queue, held until stored)."""


def alert_sinks(config: Config) -> list[AlertSink]:
    """The local sinks a configuration asks for: a JSON-lines file, the console."""
    sinks: list[AlertSink] = []
    if config.alerts_jsonl is not None:
        sinks.append(JsonlAlertWriter(config.alerts_jsonl))
    if config.console:
        sinks.append(ConsoleAlertPrinter())
    return sinks


def mqtt_publisher(
    config: Config, on_ack: AckHandler | None = None, *, member: str | None = None
) -> MqttAlertPublisher | None:
    """The MQTT alert publisher when a broker is configured; ``on_ack``: officers'
    acknowledgements coming back from the consoles. ``member``: this process's name among
    processes sharing one configuration (scale-out workers, pair workers), appended to a
    configured client id: a broker disconnects the older of two clients with one id, so
    workers sharing it would throw each other off for ever."""
    broker = config.broker
    if broker is None:
        return None
    if member is not None and broker.client_id is not None:
        broker = replace(broker, client_id=f"{broker.client_id}-{member}")
    return MqttAlertPublisher(broker, on_ack=on_ack)


def feed_set(config: Config, pipeline: Pipeline) -> FeedSet | None:
    """The one feed pass of a process, when partner feeds are configured: it serves the
    publishers and the HTTP partner API alike (the pipeline keeps messages if it wants)."""
    if config.feeds is None or not config.feeds.feeds:
        return None
    feeds = FeedSet(config.feeds, pipeline.index, pipeline.tracks, rules=pipeline.engine.scopes)
    pipeline.keep_messages = feeds.wants_messages
    return feeds


def partner_feeds(config: Config, feeds: FeedSet | None) -> PartnerFeeds | None:
    """The publishers of the partner feeds (MQTT, TAK) over the process's feed pass."""
    return None if feeds is None else PartnerFeeds(feeds, config.broker)


def status_server(config: Config, figures: ServiceFigures) -> StatusServer | None:
    """Metrics and health over HTTP when a listen address is configured."""
    if not config.http_listen:
        return None
    return StatusServer(config.http_listen, figures, time.monotonic)


def service_api(
    config: Config, pipeline: Pipeline, acknowledge: AckHandler, writer: StoreWriter | None
) -> ServiceApi | None:
    """The HTTP API and the live map over this pipeline when ``[api] listen`` is set."""
    if config.api is None or not config.api.listen:
        return None
    from mda.api.service_api import ServiceApi  # the web stack, only when serving

    return ServiceApi(config.api, pipeline, feeds=config.feeds, acknowledge=acknowledge,
                      store_url=writer.url if writer is not None else None)  # fmt: skip


class Outlets:
    """A shell's store writer, alert sinks, MQTT publisher, partner feeds, API and status server.

    The publisher and the API are alert sinks too: every alert goes to ``sinks``."""

    def __init__(
        self,
        *,
        writer: StoreWriter | None = None,
        sinks: Sequence[AlertSink] = (),
        publisher: MqttAlertPublisher | None = None,
        feed_set: FeedSet | None = None,
        feeds: PartnerFeeds | None = None,
        api: ServiceApi | None = None,
        status: StatusServer | None = None,
    ) -> None:
        self.writer = writer
        self.publisher = publisher
        self.feed_set = feed_set
        self.feeds = feeds
        self.api = api
        self.status = status
        self.sinks: list[AlertSink] = list(sinks)
        self.sinks += [s for s in (publisher, api) if s is not None]
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        """Listen (status server, API) and connect (broker, partner feeds) in the background."""
        if self.status is not None:
            await self.status.start()
            log.info("metrics and health on http://%s:%d/", self.status.host, self.status.port)
        if self.api is not None:
            await self.api.start()
        if self.publisher is not None:
            self._tasks.append(asyncio.create_task(self.publisher.run(), name="mqtt"))
        if self.feeds is not None:
            self._tasks.append(asyncio.create_task(self.feeds.run(), name="feeds"))

    def publish(self, alerts: list[Alert]) -> None:
        """Alert state changes to every sink."""
        if not alerts:
            return
        for sink in self.sinks:
            sink.publish(alerts)

    async def deliver(
        self, out: PipelineOutput, watermark: float, store: Store | None = None
    ) -> None:
        """A step's output to the store, then the consoles and the live picture, then the
        partners: what a crash loses after a batch is handed on is in the store or its spool.
        ``store``: how this shell stores (default: the writer, at once)."""
        if self.writer is not None:
            batch = out.store_batch()
            if len(batch):
                await (store or self.writer.write)(batch)
        releases = [] if self.feed_set is None else self.feed_set.step(out, watermark)
        if self.api is not None:  # before the alerts: a vessel's identity comes first
            self.api.observe(out.positions, out.statics, releases)
        self.publish(out.alerts)
        if self.feeds is not None:
            self.feeds.send(releases)

    async def deliver_alerts(self, alerts: list[Alert], store: Store | None = None) -> None:
        """Alerts alone (an acknowledgement, the pair worker's encounters): stored, then
        published."""
        if self.writer is not None and alerts:
            await (store or self.writer.write)(StoreBatch(alerts=alerts))
        self.publish(alerts)

    async def close(self) -> None:
        """Drain and close: the store first (its spool keeps what the database did not take),
        then the alerts the broker has not taken, then the partner feeds; then stop serving."""
        if self.writer is not None:
            if not await self.writer.flush(timeout_s=30.0):
                log.warning("the database is still away: the spool keeps what is left")
            await self.writer.close()
        if self.publisher is not None and not await self.publisher.flush(10.0):
            log.warning(
                "MQTT broker %s unreachable: %d alerts were not published (they are in "
                "the store)", self.publisher.broker.url, self.publisher.queued,
            )  # fmt: skip
        if self.feeds is not None and not await self.feeds.flush(10.0):
            log.warning("partner feeds: some records could not be delivered before stopping")
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self.status is not None:
            await self.status.stop()
        if self.api is not None:
            await self.api.stop()
