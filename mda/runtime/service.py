"""The service: sources -> pipeline -> store and alert publishers, joined by bounded queues.

The pipeline is pure and runs on the event loop one batch at a time; the shells around it are
async tasks. A full queue holds back the one before it (the store holds the pipeline, which
holds the sources), so a slow database slows reading rather than losing lines; with a dead
database the store writer spools to disk. Shutdown (end of a recording, or a signal in live
mode) drains every queue, writes what is left and publishes every alert before returning.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from mda.alerts.sinks import AlertSink
from mda.config import Config
from mda.errors import ConfigError
from mda.ingest.sources import FileSource, LineBatch, Source, open_source
from mda.ingest.stats import IngestStats
from mda.ingest.timing import Timing, check_timed
from mda.metrics import ServiceFigures
from mda.model import Alert
from mda.pipeline import Pipeline, PipelineOutput
from mda.runtime.acks import acknowledge_in
from mda.runtime.core import make_pipeline
from mda.runtime.outlets import (
    Outlets,
    alert_sinks,
    feed_set,
    mqtt_publisher,
    partner_feeds,
    service_api,
    status_server,
)
from mda.runtime.pacing import EventPacer
from mda.runtime.report import ServiceReport
from mda.runtime.store import open_store
from mda.runtime.stream import merged_batches
from mda.store.batch import StoreBatch
from mda.store.writer import StoreWriter

if TYPE_CHECKING:
    from mda.api.service_api import ServiceApi

log = logging.getLogger("mda.service")

# Replays paced by event time are cut finer, so alerts come out as they fire.
PACED_BATCH_LINES = 500
INBOX_CHUNKS = 128
STORE_JOIN_ROWS = 20_000


class Service:
    """One running instance: its pipeline, sources, store writer and alert sinks."""

    def __init__(
        self,
        config: Config,
        pipeline: Pipeline,
        sources: Sequence[Source],
        *,
        writer: StoreWriter | None = None,
        sinks: Sequence[AlertSink] = (),
        live: bool = True,
        speed: float | None = None,
        clock: Callable[[], float] = time.time,
        require_time: str | None = None,
    ) -> None:
        """``require_time``: a recording that must carry time (named so in the error): the
        run stops when its records come with none."""
        self.config = config
        self.pipeline = pipeline
        self.sources = list(sources)
        self.live = live
        self.pacer = EventPacer(speed) if speed else None
        self._pacing: asyncio.Future[None] | None = None
        self.clock = clock
        self.require_time = require_time
        # Live sources hand over small read chunks: the inbox holds many, so that a worker
        # that fell behind can join them into one step.
        self.inbox: asyncio.Queue[LineBatch | None] = asyncio.Queue(INBOX_CHUNKS)
        self.outbox: asyncio.Queue[StoreBatch | None] = asyncio.Queue(config.queue_batches)
        self.figures = ServiceFigures()
        self._background: set[asyncio.Task[None]] = set()
        self._failure: Exception | None = None
        self._core = asyncio.Lock()  # the pipeline is one state: one caller at a time
        publisher = mqtt_publisher(config, on_ack=self.acknowledge)
        shared = feed_set(config, pipeline)
        self.outlets = Outlets(
            writer=writer, sinks=sinks, publisher=publisher,
            feed_set=shared, feeds=partner_feeds(config, shared),
            api=service_api(config, pipeline, self.acknowledge, writer),
            status=status_server(config, self.figures),
        )  # fmt: skip
        self._wire_figures()

    @property
    def writer(self) -> StoreWriter | None:
        """Where the run stores (None: nothing is stored)."""
        return self.outlets.writer

    @property
    def sinks(self) -> list[AlertSink]:
        """Everything alerts are handed to (the MQTT publisher and the API among them)."""
        return self.outlets.sinks

    @property
    def api(self) -> ServiceApi | None:
        """The HTTP API and live map, when served."""
        return self.outlets.api

    def _wire_figures(self) -> None:
        f = self.figures
        f.queue_depths = {"input": self.inbox.qsize, "store": self.outbox.qsize}
        f.ingest = lambda: self.run_stats().as_dict()
        pipeline, clock = self.pipeline, self.clock
        if self.live:
            f.lag_s = lambda: (
                round(clock() - pipeline.watermark, 3) if pipeline.watermark > 0 else None
            )
        writer = self.writer
        if writer is not None:
            f.store_connected = lambda: writer.connected
            f.spool_batches = lambda: len(writer.spool) if writer.spool is not None else 0
            f.store_set_aside = lambda: dict(writer.counts.set_aside_reasons)
        publisher = self.outlets.publisher
        if publisher is not None:
            f.broker_connected = lambda: publisher.connected
            f.alerts_waiting_for_broker = lambda: publisher.queued

    def run_stats(self) -> IngestStats:
        """The run's counts: the core's, and what the sources dropped before it saw a line
        (the same figures for ``/metrics`` and the closing summary)."""
        stats = self.pipeline.stats
        for name in ("oversized_lines", "dropped_datagrams"):
            # Sources written outside mda (a test's, a plug-in's) may keep no counts.
            total = sum(getattr(getattr(s, "counts", None), name, 0) for s in self.sources)
            setattr(stats, name, total)
        return stats

    # -- alerts ---------------------------------------------------------------------------------

    def _count(self, alerts: list[Alert]) -> None:
        counts = self.figures.alerts_by_rule_state
        for a in alerts:
            counts[(a.rule, a.state)] = counts.get((a.rule, a.state), 0) + 1

    def acknowledge(self, alert_id: str, by: str, note: str | None) -> None:
        """An acknowledgement from a console: stored and published like any state change.
        (Called by the MQTT task; applied when the core is free.)"""
        task = asyncio.get_running_loop().create_task(self._acknowledge(alert_id, by, note))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _acknowledge(self, alert_id: str, by: str, note: str | None) -> None:
        publisher = self.outlets.publisher
        refused = None if publisher is None else publisher.refuse
        async with self._core:
            alert = acknowledge_in([self.pipeline], alert_id, by, self.clock(), note, refused)
        if alert is not None:
            self._count([alert])
            await self.outlets.deliver_alerts([alert], store=self.outbox.put)

    # -- running --------------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event | None = None) -> ServiceReport:
        """Run until the sources end (recordings) or ``stop`` is set; then drain and close."""
        stop = stop or asyncio.Event()
        await self.outlets.start()
        clock = asyncio.create_task(self._tick(), name="clock") if self.live else None
        reader = asyncio.create_task(self._read(), name="sources")
        storer = asyncio.create_task(self._store(), name="store")
        worker = asyncio.create_task(self._work(), name="pipeline")
        stopper = asyncio.create_task(stop.wait(), name="stop")
        try:
            await asyncio.wait({worker, stopper}, return_when=asyncio.FIRST_COMPLETED)
            if stopper.done() and not worker.done():
                log.info("stopping: draining queues")
                self.pacer = None  # what is already read goes through at once, not paced
                if self._pacing is not None:
                    self._pacing.cancel()
                reader.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await reader
                await self.inbox.put(None)
            await worker  # re-raises a pipeline failure
        finally:
            stopper.cancel()
            reader.cancel()
            await self._close(storer, clock)
        if self._failure is not None:
            raise self._failure
        return self._report()

    async def _read(self) -> None:
        try:
            async for batch in merged_batches(self.sources, queue_size=INBOX_CHUNKS):
                if self.pacer is not None:
                    step = PACED_BATCH_LINES
                    for i in range(0, len(batch.lines), step):
                        await self.inbox.put(
                            LineBatch(batch.feed, batch.arrival, batch.lines[i : i + step])
                        )
                else:
                    await self.inbox.put(batch)
        except Exception as exc:  # a source failed: drain what came in, then report it
            self._failure = exc
        finally:
            self.figures.sources_done = True
        await self.inbox.put(None)  # not reached when cancelled: run() ends the input then

    async def _work(self) -> None:
        pipeline, f = self.pipeline, self.figures
        ended = False
        while not ended:
            batch = await self.inbox.get()
            if batch is None:
                break
            # Join what else is waiting (a live service that fell behind), up to one batch's
            # worth of lines: fewer, larger steps for the core and the store. Nothing waits
            # for more to arrive, so latency does not grow.
            group = [batch]
            lines = len(batch.lines)
            # (Paced replays keep their small steps: alerts come out as they fire.)
            while self.pacer is None and lines < self.config.batch_lines and not self.inbox.empty():
                more = self.inbox.get_nowait()
                if more is None:
                    ended = True
                    break
                group.append(more)
                lines += len(more.lines)
            # On the event loop, not in a thread: the core is pure Python and numpy, and a
            # thread only adds contention for the interpreter (measured: slower overall).
            for b in group:
                if b.lateness_s is not None:
                    pipeline.feed_lateness[b.feed] = b.lateness_s
            async with self._core:
                out = pipeline.process_batches([(b.lines, b.feed, b.arrival) for b in group])
                if any(b.end_of_input for b in group):
                    out.extend(pipeline.finish())
            f.lines += lines
            f.batches += 1
            await self._deliver(out)
            if self.require_time is not None:
                check_timed(pipeline.stats, self.require_time, ended=False,
                            waiting=pipeline.ingestor.judge.waiting)  # fmt: skip
        async with self._core:
            out = pipeline.finish()
        await self._deliver(out)
        if self.require_time is not None:
            check_timed(pipeline.stats, self.require_time, ended=True)

    async def _deliver(self, out: PipelineOutput) -> None:
        """A step's output to the store, consoles, partners and the live picture."""
        f, pipeline = self.figures, self.pipeline
        f.positions += len(out.positions)
        f.statics += len(out.statics)
        f.zone_events += len(out.zone_events)
        f.last_batch_monotonic = time.monotonic()
        if self.pacer is not None and out.positions:
            latest = max((p.time for p in out.positions if p.time is not None), default=None)
            # A task run() can cancel: a stop must not wait out the replay's pace.
            self._pacing = asyncio.ensure_future(self.pacer.wait_for(latest))
            await asyncio.wait({self._pacing})
            self._pacing = None
        self._count(out.alerts)
        # The store's queue waits when the store is behind: the pipeline waits with it.
        await self.outlets.deliver(out, pipeline.watermark, store=self.outbox.put)
        await asyncio.sleep(0)  # a put into a queue with room does not yield

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(1.0)
            async with self._core:
                out = self.pipeline.tick(self.clock())
            await self._deliver(out)

    async def _store(self) -> None:
        while True:
            batch = await self.outbox.get()
            if batch is None:
                return
            # Batches that queued up while the last one was written go in one transaction.
            done = False
            while len(batch) < STORE_JOIN_ROWS and not self.outbox.empty():
                more = self.outbox.get_nowait()
                if more is None:
                    done = True
                    break
                batch = batch.joined(more)
            if self.writer is not None:
                await self.writer.write(batch)
            if done:
                return

    async def _close(self, storer: asyncio.Task[None], clock: asyncio.Task[None] | None) -> None:
        if clock is not None:
            clock.cancel()
        await self.outbox.put(None)
        try:
            await storer
        finally:
            await self.outlets.close()
            if clock is not None:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await clock

    def _report(self) -> ServiceReport:
        f = self.figures
        counts = self.writer.counts if self.writer is not None else None
        publisher = self.outlets.publisher
        return ServiceReport(
            lines=f.lines,
            positions=f.positions,
            alerts=sum(f.alerts_by_rule_state.values()),
            alerts_by_rule_state=dict(f.alerts_by_rule_state),
            ingest_summary=self.run_stats().summary(),
            stored_batches=counts.batches if counts else 0,
            spooled_batches=counts.spooled_batches if counts else 0,
            published=publisher.published if publisher is not None else 0,
            untimed=self.pipeline.stats.untimed,
            clock_notes=self.pipeline.ingestor.judge.notes()
            + self.pipeline.gate.quarantine.notes(self.pipeline.gate.window_s),
            set_aside=dict(counts.set_aside_reasons) if counts else {},
            rejects_file=str(self.writer.rejects.path) if self.writer is not None
            and self.writer.rejects.path is not None else None,
            spool_left=len(self.writer.spool) if self.writer is not None
            and self.writer.spool is not None else 0,
            spool_folder=str(self.writer.spool.folder) if self.writer is not None
            and self.writer.spool is not None else None,
        )  # fmt: skip


async def start_service(
    config: Config,
    *,
    live: bool,
    speed: float | None = None,
    sinks: Sequence[AlertSink] = (),
    pipeline: Pipeline | None = None,
    timing: Timing | None = None,
) -> Service:
    """A service ready to run: sources opened, store connected and migrated. ``timing``: how
    a replay's lines are timed (without a way to time them, a recording must carry time)."""
    if not config.sources:
        raise ConfigError(f"{config.where}: no sources configured ([[sources]] url = ...)")
    sources: list[Source] = []
    stamp = timing is not None and timing.arrival
    if not live and all("://" not in s.url for s in config.sources):
        # A replay's files are one recording, in the order given (rotated logs, a split file).
        sources.append(FileSource([s.url for s in config.sources], stamp_arrival=stamp))
        sources[0].lateness_s = config.sources[0].lateness_s
    else:
        for settings in config.sources:
            if stamp and "://" not in settings.url:
                source: Source = FileSource(settings.url, stamp_arrival=True)
            else:
                source = open_source(settings.url, fail_fast=not live)
            source.lateness_s = settings.lateness_s
            sources.append(source)
    pipeline = pipeline or make_pipeline(config)
    if timing is not None and timing.start is not None and timing.per_second is not None:
        pipeline.ingestor.framer.assign_times(timing.start, timing.per_second)
    # Live, new days are welcome around today; a replay's around the recording's own span.
    writer = await open_store(config, locate=pipeline.index.zone_sets,
                              clock=time.time if live else None)  # fmt: skip
    require_time = None
    if not live and (timing is None or not timing.says_how):
        require_time = ", ".join(s.url for s in config.sources)
    return Service(config, pipeline, sources, writer=writer, sinks=[*sinks, *alert_sinks(config)],
                   live=live, speed=speed, require_time=require_time)  # fmt: skip
