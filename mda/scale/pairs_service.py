"""The pair worker's shell: grid points from JetStream in, encounter alerts out (MQTT, store).

One durable pull consumer per home cell (nats-server 2.9 has no multi-subject consumers), named
after the cell group, so a restarted worker resumes where it acked. Messages are acked after
their alerts are handed to the publisher and the store: at least once, and the core drops
points it has already seen.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import nats
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.api import AckPolicy, ConsumerConfig
from nats.js.errors import NotFoundError
from prometheus_client.core import Metric

from mda.alerts.sinks import AlertSink
from mda.config import Config
from mda.metrics import ServiceFigures
from mda.model import Alert
from mda.runtime.outlets import Outlets, mqtt_publisher
from mda.runtime.store import open_store
from mda.scale.grid import (
    DEFAULT_CELL_DEG,
    GRID_STREAM,
    GRID_STREAM_SUBJECT,
    Cell,
    GridPoint,
    decode_points,
    grid_subject,
)
from mda.scale.pairs import PairDetector
from mda.scale.status import (
    counters,
    nats_gauge,
    nats_problems,
    start_status,
    wire_outlets,
)

log = logging.getLogger("mda.scale.pairs")


@dataclass(slots=True)
class PairsReport:
    """What a pair worker did."""

    messages: int = 0
    points: int = 0
    bad_messages: int = 0
    alerts: int = 0
    duplicates: int = 0
    late: int = 0


def _figures(
    report: PairsReport, detector: PairDetector, outlets: Outlets, nc: Any
) -> ServiceFigures:
    """A pair worker's /metrics and /healthz: grid points judged, late or repeated ones."""
    figures = ServiceFigures()
    wire_outlets(figures, outlets)

    def extra() -> Iterator[Metric]:
        yield from counters("mda_pairs", {
            "messages": ("Grid messages fetched", report.messages),
            "points": ("Grid points judged", report.points),
            "bad_messages": ("Grid messages that could not be read", report.bad_messages),
            "late_points": ("Grid points older than the pair worker's event time",
                            detector.late),
            "duplicate_points": ("Grid points seen before", detector.duplicates),
        })  # fmt: skip
        yield nats_gauge(nc)

    figures.extra = extra
    figures.problems = nats_problems(nc)
    return figures


def count_alerts(figures: ServiceFigures, alerts: Sequence[Alert]) -> None:
    counts = figures.alerts_by_rule_state
    for a in alerts:
        counts[(a.rule, a.state)] = counts.get((a.rule, a.state), 0) + 1


async def ensure_grid_stream(js: Any, stream: str = GRID_STREAM) -> None:
    """Create the grid stream unless it exists (several workers may race: both ask the same)."""
    try:
        await js.stream_info(stream)
    except NotFoundError:
        await js.add_stream(name=stream, subjects=[GRID_STREAM_SUBJECT])


async def run_pairs(
    nats_urls: list[str], cells: Iterable[Cell] | None, config: Config, stop: asyncio.Event, *,
    cell_deg: float = DEFAULT_CELL_DEG, group: str = "pairs", stream: str = GRID_STREAM,
    lag_s: float = 300.0, live: bool = True, sinks: Sequence[AlertSink] = (),
    fetch: int = 500,
) -> PairsReport:  # fmt: skip
    """Judge encounters in ``cells`` until ``stop`` is set. ``live``: the clock (less
    ``lag_s``) moves event time on while no points come, so alerts clear on time."""
    home = None if cells is None else set(cells)
    detector = PairDetector.build(config.zone_paths(), config.rule_paths(), home, cell_deg,
                                  lag_s=lag_s)  # fmt: skip
    report = PairsReport()
    nc = await nats.connect(servers=nats_urls)
    outlets = Outlets(writer=await open_store(config), sinks=sinks,
                      publisher=mqtt_publisher(config, member=f"pairs-{group}"))  # fmt: skip
    await outlets.start()
    figures = _figures(report, detector, outlets, nc)
    status = await start_status(config, figures)
    try:
        js = nc.jetstream()
        await ensure_grid_stream(js, stream)
        # One consumer over every cell, filtered here: the whole world's grid is ~500 messages
        # a second, and nats-server 2.9 cannot filter one consumer on several subjects.
        sub = await js.pull_subscribe(
            GRID_STREAM_SUBJECT, durable=group, stream=stream,
            config=ConsumerConfig(ack_policy=AckPolicy.ALL, max_ack_pending=-1),
        )  # fmt: skip
        wanted = None if home is None else {grid_subject(c) for c in home}
        while not stop.is_set():
            msgs: list[Any] = []
            with contextlib.suppress(NatsTimeoutError, asyncio.TimeoutError):
                msgs = await sub.fetch(fetch, timeout=1.0)
            judged = [m for m in msgs if wanted is None or m.subject in wanted]
            points: list[GridPoint] = []
            for msg in judged:
                try:
                    points += decode_points(msg.data)
                except ValueError as exc:
                    report.bad_messages += 1
                    log.warning("%s: %s", msg.subject, exc)
            report.messages += len(msgs)
            report.points += len(points)
            alerts = detector.add(points)
            if live:
                alerts += detector.tick(time.time() - lag_s)
            report.alerts += len(alerts)
            count_alerts(figures, alerts)
            await outlets.deliver_alerts(alerts)
            if msgs:
                await msgs[-1].ack()  # acknowledges the batch (the consumer acks all)
    finally:
        report.duplicates, report.late = detector.duplicates, detector.late
        if status is not None:
            await status.stop()
        await outlets.close()
        # Everything fetched is acked; draining pull subscriptions only waits out its timeout.
        await nc.close()
    return report

