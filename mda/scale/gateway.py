"""``mda gateway``: sources and framing in, one JetStream message per complete AIS message out.

The gateway does everything that needs the raw line order of a feed (checksums, tag blocks,
fragment reassembly, duplicate suppression) and nothing that needs vessel state, so any number
of gateways can run side by side, one per group of receivers. Each message goes to the subject
of its MMSI; the NATS server (or the gateway itself, see ``[scale] partition_by``) maps it to
one of N partitions, so all of a vessel's messages are in one partition, in order.

A source's next read waits until JetStream has stored the previous one: a slow or failing
cluster slows reading rather than losing messages, and a message resent after a lost
acknowledgement is dropped by JetStream's duplicate window (its id is a hash of the message).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

from nats.errors import Error as NatsError
from nats.errors import NoRespondersError
from nats.js.api import PubAck
from nats.js.errors import NoStreamResponseError, NotFoundError

from mda.errors import ServiceUnavailableError
from mda.ingest.framing import Framer
from mda.ingest.message import AisMessage
from mda.ingest.sources import Source
from mda.ingest.stats import IngestStats
from mda.metrics import ServiceFigures
from mda.net.backoff import Backoff
from mda.runtime.stream import merged_batches
from mda.scale import wire
from mda.scale.jetstream import JetStream
from mda.scale.partition import input_subject, partition_of, partition_subject
from mda.settings.scale import ScaleSettings

log = logging.getLogger("mda.scale.gateway")

ACK_TIMEOUT_S = 10.0
PUBLISH_WINDOW = 1000  # publishes in flight at most (the client allows 4,000)
RESEND_BACKOFF_S = (0.2, 5.0)  # between attempts to have one message stored


@dataclass(slots=True)
class GatewayReport:
    """What a gateway did."""

    published: int = 0
    resent: int = 0  # publishes retried after a failure or a lost acknowledgement
    without_mmsi: int = 0  # published to partition of MMSI 0
    not_nmea: int = 0  # already-decoded records (JSON feeds): not carried, counted
    ingest_summary: str = ""


class Gateway:
    """Frames the sources' lines and publishes each message to its vessel's partition."""

    def __init__(
        self, settings: ScaleSettings, sources: Sequence[Source], stream: JetStream, *,
        duplicate_window_s: float | None = 10.0,
    ) -> None:  # fmt: skip
        self.settings = settings
        self.sources = list(sources)
        self.stream = stream
        self.stats = IngestStats()
        self.framer = Framer(self.stats, duplicate_window_s=duplicate_window_s)
        self.report = GatewayReport()
        self._by_gateway = settings.partition_by == "gateway"
        # What /metrics and /healthz read (stalled when nothing was stored for a minute).
        self.figures = ServiceFigures()

    def subject(self, message: AisMessage) -> str:
        """Where a message goes: its MMSI's subject (0 when it has none)."""
        mmsi = wire.mmsi_of(message.payload)
        if mmsi is None:
            self.report.without_mmsi += 1
            mmsi = 0
        if self._by_gateway:
            return partition_subject(partition_of(mmsi, self.settings.partitions), mmsi)
        return input_subject(mmsi)

    async def run(self, stop: asyncio.Event | None = None) -> GatewayReport:
        """Publish until the sources end (recordings) or ``stop`` is set."""
        stop = stop or asyncio.Event()
        reader = asyncio.create_task(self._read())
        stopper = asyncio.create_task(stop.wait())
        try:
            await asyncio.wait({reader, stopper}, return_when=asyncio.FIRST_COMPLETED)
            if reader.done():
                reader.result()  # a source's or the cluster's failure
        finally:
            for task in (reader, stopper):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self.framer.finish()
        self.report.ingest_summary = self.stats.summary()
        return self.report

    async def _read(self) -> None:
        async for batch in merged_batches(self.sources, queue_size=64):
            messages = self.framer.frame_chunks([(batch.lines, batch.arrival)], batch.feed)
            await self.publish(messages)

    async def publish(self, messages: Sequence[AisMessage]) -> None:
        """Publish messages and return once JetStream has stored every one of them."""
        outgoing: list[tuple[str, bytes, dict[str, str]]] = []
        for m in messages:
            if m.decoded is not None:
                self.report.not_nmea += 1
                continue
            body, headers = wire.encode(m)
            outgoing.append((self.subject(m), body, headers))
        for start in range(0, len(outgoing), PUBLISH_WINDOW):
            await self._publish_window(outgoing[start : start + PUBLISH_WINDOW])
        self.report.published += len(outgoing)
        self.figures.last_batch_monotonic = time.monotonic()
        self.figures.lines = self.stats.lines

    async def _publish_window(self, outgoing: Sequence[tuple[str, bytes, dict[str, str]]]) -> None:
        """Publish without waiting for each acknowledgement, then wait for them all; what
        was not acknowledged is resent one by one (same message id: stored once).

        A window at a time, well below the client's limit of in-flight publishes (4,000):
        acknowledgements lost with a dead node never come, and a batch larger than the
        limit waited for a free slot for ever in the middle of publishing it, before any
        unanswered publish could be given up."""
        js = self.stream.js
        futures: list[asyncio.Future[PubAck]] = []
        for subject, body, headers in outgoing:
            try:
                futures.append(await js.publish_async(subject, body, headers=dict(headers),
                                                      wait_stall=ACK_TIMEOUT_S))  # fmt: skip
            except NatsError:
                futures.append(_failed())
        if futures:
            await asyncio.wait(futures, timeout=ACK_TIMEOUT_S)
        for future in futures:
            # Cancelled, an unanswered publish frees its slot (and is resent below).
            future.cancel()
        for (subject, body, headers), future in zip(outgoing, futures, strict=True):
            if future.done() and not future.cancelled() and future.exception() is None:
                continue
            await self._resend(subject, body, headers)

    async def _resend(self, subject: str, body: bytes, headers: dict[str, str]) -> None:
        backoff = Backoff(RESEND_BACKOFF_S)
        while True:
            self.report.resent += 1
            try:
                await self.stream.js.publish(subject, body, headers=dict(headers), timeout=5.0)
                return
            except (NoRespondersError, NoStreamResponseError) as exc:
                # Nobody listens on the subject: a stream without a leader for the moment
                # (an election after a node died) or no stream for it at all.
                if await self._unmapped(subject):
                    raise _no_stream(subject) from exc
                log.warning("no stream leader for %s yet; retrying in %.1f s",
                            subject, backoff.delay)  # fmt: skip
                await backoff.wait()
            except (NatsError, TimeoutError) as exc:
                log.warning(
                    "NATS did not store a message (%s); retrying in %.1f s", exc, backoff.delay
                )
                await backoff.wait()


    async def _unmapped(self, subject: str) -> bool:
        """True when JetStream says no stream stores ``subject`` (not when it cannot say)."""
        try:
            await self.stream.js.find_stream_name_by_subject(subject)
        except NotFoundError:
            return True
        except (NatsError, TimeoutError):
            return False
        return False


def _failed() -> asyncio.Future[PubAck]:
    future: asyncio.Future[PubAck] = asyncio.get_running_loop().create_future()
    future.set_exception(NatsError("publish failed"))
    return future


def _no_stream(subject: str) -> ServiceUnavailableError:
    return ServiceUnavailableError(
        f"no JetStream stream stores {subject}: the NATS server maps no partitions (add the "
        f"output of 'mda scale nats-config' to its configuration) or set [scale] "
        f"partition_by = \"gateway\""
    )
