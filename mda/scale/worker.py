"""``mda worker``: the pure pipeline for the partitions this worker owns.

For each partition it owns (see :mod:`mda.scale.leases`), a worker keeps one
:class:`~mda.pipeline.Pipeline`, the same code ``mda run`` runs, fed by the partition's durable
JetStream consumer. A batch is acknowledged only after its positions and alerts are stored,
so a worker that dies loses nothing: the partition's next owner restores the last snapshot,
replays the stream from the snapshot to the last acknowledged message without output (that
was stored and published already), and carries on from there. Anything stored but not yet
acknowledged is processed again; the store's idempotent writes and the alerts' ids absorb it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from nats.aio.msg import Msg
from nats.errors import Error as NatsError
from nats.errors import TimeoutError as NatsTimeout
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, ObjectMeta
from nats.js.errors import NotFoundError

from mda.net.backoff import Backoff
from mda.pipeline import Pipeline, PipelineOutput
from mda.runtime.acks import acknowledge_in
from mda.runtime.outlets import Outlets
from mda.scale import snapshot, wire
from mda.scale.jetstream import JetStream, read_object
from mda.scale.leases import Leases
from mda.scale.membership import Membership
from mda.scale.partition import partition_filter
from mda.settings.scale import ScaleSettings
from mda.store.batch import StoreBatch
from mda.zones.index import ZoneIndex

log = logging.getLogger("mda.scale.worker")

ACK_WAIT_S = 60.0
ACK_TIMEOUT_S = 5.0
ACK_BACKOFF_S = (0.2, 2.0)
CREATE_ATTEMPTS = 6
CREATE_TIMEOUT_S = 4.0
REPLAY_PATIENCE_S = 60.0  # a replay that gets nothing for this long is tried again later
TICK_EVERY_S = 1.0


@dataclass(slots=True)
class WorkerReport:
    """What a worker did (and does: read live by metrics and tests)."""

    messages: int = 0
    positions: int = 0
    alerts: int = 0
    bad_messages: int = 0
    replayed: int = 0  # messages replayed without output after taking a partition over
    acquired: list[int] = field(default_factory=list)
    released: list[int] = field(default_factory=list)
    snapshots: int = 0
    takeover_s: list[float] = field(default_factory=list)  # lease won -> consuming again


@dataclass(slots=True)
class _Partition:
    k: int
    pipeline: Pipeline
    extra: Any  # per-partition state beside the pipeline (the grid resampler), snapshotted too
    sub: JetStreamContext.PullSubscription | None = None
    acked: int = 0  # stream sequence of the last message stored and acknowledged
    snapshot_seq: int = 0
    snapshot_at: float = 0.0
    finished: bool = False  # a replay's end went through: the snapshot must say so
    last_tick: float = 0.0
    stopping: bool = False
    task: asyncio.Task[None] | None = None


class Worker:
    """Owns partitions through leases and runs a pipeline for each."""

    def __init__(
        self,
        settings: ScaleSettings,
        stream: JetStream,
        index: ZoneIndex,
        new_pipeline: Callable[[], Pipeline],
        *,
        name: str,
        outlets: Outlets,
        new_extra: Callable[[], Any] = lambda: None,
        on_output: Callable[[Any, PipelineOutput], Awaitable[None]] | None = None,
        live: bool = True,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.stream = stream
        self.index = index
        self.new_pipeline = new_pipeline
        self.new_extra = new_extra
        self.on_output = on_output
        self.name = name
        self.outlets = outlets
        self.live = live
        self.clock = clock
        self.leases = Leases(stream.leases, name, settings.partitions)
        self.members = Membership(name, settle_s=settings.lease_s)
        self.parts: dict[int, _Partition] = {}
        self.report = WorkerReport()
        self._failure: BaseException | None = None
        self._lost: set[int] = set()  # partitions found taken over, to drop

    # -- ownership --------------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event | None = None) -> WorkerReport:
        """Hold leases and process partitions until ``stop``; then give everything back."""
        stop = stop or asyncio.Event()
        period = self.settings.lease_s / 3.0
        renewer = asyncio.create_task(self._renew_for_ever(), name="leases")
        try:
            while not stop.is_set():
                # A partition processed without its lease held (lost while renewing could
                # not tell) is dropped: its lease is free for another worker.
                self._lost.update(k for k in self.parts if k not in self.leases.held)
                for k in list(self._lost):
                    self._lost.discard(k)
                    await self._release(k, give_back=False)
                await self._balance()
                if self._failure is not None:
                    raise self._failure
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), period)
        finally:
            for k in list(self.parts):
                if not self.live and self._failure is None:
                    await self._finish(k)
                await self._release(k, give_back=True)
            if not self.live and self._failure is None:
                await self._finish_orphans()
            renewer.cancel()
            await asyncio.gather(renewer, return_exceptions=True)
        return self.report

    async def _renew_for_ever(self) -> None:
        """Leases renewed on their own beat, whatever balancing or replay is doing."""
        while True:
            await asyncio.sleep(self.settings.lease_s / 4.0)
            try:
                lost = await self.leases.renew()
            except (NatsError, TimeoutError) as exc:
                log.warning("lease bucket unreachable (%s)", exc)
                continue
            except Exception:  # never silently: a worker that stops renewing loses it all
                log.exception("renewing leases failed")
                continue
            for k in lost:
                if k in self.parts:
                    self.parts[k].stopping = True
                    self._lost.add(k)

    async def _balance(self) -> None:
        try:
            workers, owners = await self.leases.heartbeat()
        except (NatsError, TimeoutError) as exc:
            log.warning("lease bucket unreachable (%s): keeping what this worker holds", exc)
            return
        # Steadied: a worker missed by one read (or seen just before it died) does not move
        # partitions away and back.
        counted = self.members.observe(set(workers), time.monotonic())
        share = self.leases.share(len(counted))
        for k in sorted(self.parts, reverse=True)[: max(len(self.parts) - share, 0)]:
            await self._release(k, give_back=True)
        for k in self.leases.preference():
            if len(self.parts) >= share:
                break
            if k in self.parts or k in owners:
                continue
            won = False
            with contextlib.suppress(NatsError, TimeoutError):
                won = await self.leases.claim(k)
            if won:
                await self._acquire_or_give_up(k)

    async def _acquire_or_give_up(self, k: int) -> bool:
        """Take a partition whose lease was won; if JetStream cannot serve that now (a stream
        or consumer without a leader during an election), give the lease back for a later
        try instead of stopping the worker."""
        try:
            await self._acquire(k)
        except (NatsError, TimeoutError) as exc:
            log.warning("partition %d: not taken (%s); trying again later",
                        k, exc or type(exc).__name__)  # fmt: skip
            with contextlib.suppress(NatsError, TimeoutError):
                await self.leases.release(k)
            return False
        return True

    async def _acquire(self, k: int) -> None:
        started = time.monotonic()
        state, since = await self._restore(k)
        pipeline, extra = state
        part = _Partition(k, pipeline, extra, snapshot_seq=since, snapshot_at=started)
        js, name = self.stream.js, self.settings.stream
        durable = f"p{k}"
        acked = since
        found = False
        with contextlib.suppress(NotFoundError):
            info = await js.consumer_info(name, durable)
            acked = max(acked, info.ack_floor.stream_seq)
            found = True
        if acked > since:
            await self._replay(part, since, acked)
        if found:
            # Deleted, not reused: what the last owner had in flight comes back at once
            # instead of after its acknowledgement wait. Only after the replay, so that an
            # acquisition that fails on the way leaves the acknowledged position in place.
            with contextlib.suppress(NotFoundError):
                await js.delete_consumer(name, durable)
        part.acked = acked
        config = ConsumerConfig(
            durable_name=durable, deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
            opt_start_seq=acked + 1, ack_policy=AckPolicy.ALL, ack_wait=ACK_WAIT_S,
            filter_subject=partition_filter(k), max_ack_pending=-1,
        )  # fmt: skip
        part.sub = await js.pull_subscribe(partition_filter(k), durable=durable, stream=name,
                                           config=config)  # fmt: skip
        self.parts[k] = part
        part.task = asyncio.create_task(self._consume(part), name=f"partition-{k}")
        self.report.acquired.append(k)
        self.report.takeover_s.append(time.monotonic() - started)
        log.info("partition %d: taken (snapshot at %d, replayed to %d) in %.2f s",
                 k, since, acked, time.monotonic() - started)  # fmt: skip

    async def _restore(self, k: int) -> tuple[tuple[Pipeline, Any], int]:
        try:
            data = await read_object(self.stream.js, self.stream.snapshots, f"p{k}")
        except NotFoundError:
            return (self.new_pipeline(), self.new_extra()), 0
        except ValueError as exc:
            log.warning("partition %d: snapshot not used (%s); replaying the stream", k, exc)
            return (self.new_pipeline(), self.new_extra()), 0
        # Any other failure (the store has no leader for the moment) is raised: starting
        # from nothing would replay the whole retained stream for a snapshot that exists.
        try:
            state, sequence = snapshot.load(data, self.index)
        except snapshot.SnapshotError as exc:
            log.warning("partition %d: snapshot not used (%s); replaying the stream", k, exc)
            return (self.new_pipeline(), self.new_extra()), 0
        return state, sequence

    async def _replay(self, part: _Partition, after: int, until: int) -> None:
        """Messages ``after`` < seq <= ``until`` through the pipeline, output dropped."""
        config = ConsumerConfig(
            deliver_policy=DeliverPolicy.BY_START_SEQUENCE, opt_start_seq=after + 1,
            ack_policy=AckPolicy.NONE, inactive_threshold=60.0,
        )  # fmt: skip
        sub = await self._ephemeral(partition_filter(part.k), config)
        deadline = time.monotonic() + REPLAY_PATIENCE_S
        try:
            while True:
                try:
                    msgs = await sub.fetch(self.settings.batch_messages, timeout=2.0)
                except (NatsTimeout, TimeoutError):
                    # Nothing more for this partition (the rest is past the stream's
                    # retention), or a consumer without a leader for the moment: a replay
                    # cut short would leave the pipeline without messages it had seen.
                    if await self._replay_done(sub):
                        return
                    if time.monotonic() > deadline:
                        raise
                    continue
                deadline = time.monotonic() + REPLAY_PATIENCE_S
                msgs = [m for m in msgs if m.metadata.sequence.stream <= until]
                if msgs:
                    part.pipeline.process_messages(self._decode(msgs))
                    self.report.replayed += len(msgs)
                if not msgs or msgs[-1].metadata.sequence.stream >= until:
                    return
        finally:
            with contextlib.suppress(NatsError):
                await sub.unsubscribe()

    async def _ephemeral(
        self, subject: str, config: ConsumerConfig
    ) -> JetStreamContext.PullSubscription:
        """An ephemeral pull consumer, created again if its creation gets no answer: after a
        cluster node died, nats-server 2.9 places about one new consumer in three on the dead
        peer, and that one never answers."""
        for attempt in range(1, CREATE_ATTEMPTS + 1):
            try:
                return await asyncio.wait_for(
                    self.stream.js.pull_subscribe(subject, stream=self.settings.stream,
                                                  config=replace(config)),
                    CREATE_TIMEOUT_S,
                )  # fmt: skip
            except (NatsTimeout, TimeoutError):
                if attempt == CREATE_ATTEMPTS:
                    raise
                log.warning("consumer on %s not created in %.0f s; trying again",
                            subject, CREATE_TIMEOUT_S)  # fmt: skip
        raise AssertionError("unreachable")

    @staticmethod
    async def _replay_done(sub: JetStreamContext.PullSubscription) -> bool:
        """True when the replay's consumer has nothing left to deliver (False when it
        cannot tell: no leader for the moment)."""
        try:
            info = await sub.consumer_info()
        except (NatsError, TimeoutError):
            return False
        return info.num_pending == 0 and info.num_ack_pending == 0

    async def _finish(self, k: int) -> None:
        """A replay is over: what the partition's pipeline holds for late records goes
        through (live, a partition that moves keeps it in its snapshot instead)."""
        part = self.parts.get(k)
        if part is None:
            return
        await self._halt(part)
        part.finished = True
        try:
            await self._deliver(part, part.pipeline.finish(), None)
        except (NatsError, TimeoutError) as exc:
            # Stored and alerted already (those come first); only the grid for the pair
            # worker is short, and a stopping worker must not hang on a broken cluster.
            log.warning("partition %d: last output not published (%s)", k, exc)

    async def _finish_orphans(self) -> None:
        """A replay ends with every partition's held records through, also those of a
        partition given back in a rebalance that no worker had taken again when the replay
        stopped (its snapshot holds them). A partition another worker finished already has
        a finished snapshot: finishing it again gives nothing."""
        try:
            _, owners = await self.leases.heartbeat()
        except (NatsError, TimeoutError) as exc:
            log.warning("lease bucket unreachable (%s): free partitions left unfinished", exc)
            return
        for k in self.leases.preference():
            if k in owners:
                continue
            won = False
            with contextlib.suppress(NatsError, TimeoutError):
                won = await self.leases.claim(k)
            if not won:
                continue
            log.info("partition %d: free at the end of the replay; finishing it", k)
            try:
                if not await self._acquire_or_give_up(k):
                    continue
                await self._finish(k)
            except (NatsError, TimeoutError) as exc:
                log.warning("partition %d: not finished (%s)", k, exc)
            await self._release(k, give_back=True)

    async def give_back(self, k: int) -> None:
        """Hand a partition back (its state saved first) for another worker to take: what
        a rebalance does, and an operator draining this worker."""
        await self._release(k, give_back=True)

    @staticmethod
    async def _halt(part: _Partition) -> None:
        """Stop a partition's consumer and wait for its step in hand."""
        part.stopping = True
        if part.task is not None:
            try:
                await part.task
            except asyncio.CancelledError:
                current = asyncio.current_task()
                if current is not None and current.cancelling():
                    raise  # this worker is being cancelled, not just the partition
            except Exception:  # _consume recorded it as the worker's failure
                pass
            part.task = None

    async def _release(self, k: int, *, give_back: bool) -> None:
        part = self.parts.pop(k, None)
        if part is None:
            return
        await self._halt(part)
        if give_back:
            with contextlib.suppress(NatsError, TimeoutError):
                await self._snapshot(part)
        # Also when dropped without its state saved (an acknowledgement that could not be
        # made): a lease still held would be renewed for a partition nobody processes.
        with contextlib.suppress(NatsError, TimeoutError):
            await self.leases.release(k)
        if part.sub is not None:
            with contextlib.suppress(NatsError):
                await part.sub.unsubscribe()
        self.report.released.append(k)
        log.info("partition %d: released", k)

    # -- processing -------------------------------------------------------------------------------

    def _decode(self, msgs: Sequence[Msg]) -> list[Any]:
        out = []
        for m in msgs:
            try:
                out.append(wire.decode(m.data, m.headers))
            except wire.WireError as exc:
                self.report.bad_messages += 1
                log.warning("%s: %s", m.subject, exc)
        return out

    async def _consume(self, part: _Partition) -> None:
        assert part.sub is not None
        try:
            while not part.stopping:
                try:
                    msgs = await part.sub.fetch(self.settings.batch_messages, timeout=1.0)
                except (NatsTimeout, TimeoutError):
                    msgs = []
                except NatsError as exc:
                    log.warning("partition %d: %s", part.k, exc)
                    await asyncio.sleep(0.5)
                    continue
                if msgs:
                    out = part.pipeline.process_messages(self._decode(msgs))
                    self.report.messages += len(msgs)
                    await self._deliver(part, out, msgs[-1])
                    part.acked = msgs[-1].metadata.sequence.stream
                if self.live and self.clock() - part.last_tick >= TICK_EVERY_S:
                    part.last_tick = self.clock()
                    ticked = part.pipeline.tick(part.last_tick)
                    if ticked.alerts or ticked.positions:
                        await self._deliver(part, ticked, None)
                if time.monotonic() - part.snapshot_at >= self.settings.snapshot_every_s:
                    try:
                        await self._snapshot(part)
                    except (NatsError, TimeoutError) as exc:  # the next one will do
                        log.warning("partition %d: snapshot not saved (%s)",
                                    part.k, exc or type(exc).__name__)  # fmt: skip
        except Exception as exc:  # the worker stops with it: a partition must not go silent
            self._failure = exc
            raise

    async def _deliver(self, part: _Partition, out: PipelineOutput, last: Msg | None) -> None:
        """Store, publish, then acknowledge (the order that makes a crash lose nothing)."""
        writer = self.outlets.writer

        async def store(batch: StoreBatch) -> None:
            assert writer is not None
            await writer.write(batch)
            # Held until stored while a message is ours (JetStream told to wait for it);
            # without one (a tick, the end of a replay) the spool on disk keeps the rows.
            while not await writer.flush(timeout_s=5.0) and last is not None:
                await last.in_progress()

        await self.outlets.deliver(out, part.pipeline.watermark, store=store)
        self.report.positions += len(out.positions)
        self.report.alerts += len(out.alerts)
        if self.on_output is not None:
            await self.on_output(part.extra, out)
        if last is not None:
            await self._acknowledge(part, last)

    async def _acknowledge(self, part: _Partition, last: Msg) -> None:
        """Acknowledge a stored batch, trying again while the lease is ours: a consumer
        whose leader moved (a NATS node died) answers again once the election is over."""
        backoff = Backoff(ACK_BACKOFF_S)
        while True:
            try:
                await last.ack_sync(timeout=ACK_TIMEOUT_S)
                return
            except (NatsError, TimeoutError) as exc:
                if part.k in self.leases.held and not part.stopping:
                    log.warning("partition %d: acknowledgement failed (%s); retrying in %.1f s",
                                part.k, exc or type(exc).__name__, backoff.delay)  # fmt: skip
                    await backoff.wait()
                    continue
                # Being released, or the lease lapsed and another worker has the partition
                # (it reprocesses this batch; store and alert ids absorb the repeat).
                log.warning("partition %d: acknowledgement failed (%s); giving it up",
                            part.k, exc or type(exc).__name__)  # fmt: skip
                if not part.stopping:
                    part.stopping = True
                    self._lost.add(part.k)
                return

    async def _snapshot(self, part: _Partition) -> None:
        part.snapshot_at = time.monotonic()
        if part.acked <= part.snapshot_seq and not part.finished:
            return
        data = snapshot.dump((part.pipeline, part.extra), self.index, part.acked)
        await self.stream.snapshots.put(
            f"p{part.k}", data, meta=ObjectMeta(name=f"p{part.k}", description=str(part.acked))
        )
        part.snapshot_seq = part.acked
        part.finished = False
        self.report.snapshots += 1

    # -- acknowledgements from consoles ---------------------------------------------------------

    def acknowledge(self, alert_id: str, by: str, note: str | None) -> None:
        """An officer's acknowledgement: applied by the partition that holds the alert."""
        pipelines = [part.pipeline for part in self.parts.values()]
        publisher = self.outlets.publisher
        refused = None if publisher is None else publisher.refuse
        alert = acknowledge_in(pipelines, alert_id, by, self.clock(), note, refused)
        if alert is not None:
            task = asyncio.get_running_loop().create_task(self.outlets.deliver_alerts([alert]))
            task.add_done_callback(lambda t: t.exception())
