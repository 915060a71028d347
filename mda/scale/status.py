"""``/metrics`` and ``/healthz`` of the scale-out roles (gateway, worker, pair worker).

Each role fills the service's :class:`~mda.metrics.ServiceFigures` with what it shares with
``mda run`` (store, broker, positions, alerts) and adds its own series: messages published or
consumed, partitions owned and how far each is acknowledged, the NATS connection. Read at
each scrape from the role's own counters; nothing is kept per message for them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Protocol

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from mda.config import Config
from mda.errors import ConfigError
from mda.metrics import ServiceFigures, StatusServer
from mda.pipeline import PipelineOutput
from mda.runtime.outlets import Outlets, status_server
from mda.scale.gateway import Gateway
from mda.scale.worker import Worker

log = logging.getLogger("mda.scale")


async def start_status(config: Config, figures: ServiceFigures) -> StatusServer | None:
    """The status server on ``[http] listen``, started; None when none is configured or its
    port is taken. Not fatal, unlike ``mda run``'s: several roles of one configuration often
    share a machine for a trial (each container of a deployment has the port to itself)."""
    status = status_server(config, figures)
    if status is None:
        return None
    try:
        await status.start()
    except ConfigError as exc:
        log.warning("no /metrics or /healthz: %s", exc)
        return None
    log.info("metrics and health on http://%s:%d/", status.host, status.port)
    return status


class _Connection(Protocol):
    @property
    def is_connected(self) -> bool: ...


def nats_gauge(nc: _Connection) -> Metric:
    return GaugeMetricFamily("mda_nats_connected", "Whether the NATS connection is up",
                             value=1.0 if nc.is_connected else 0.0)  # fmt: skip


def nats_problems(nc: _Connection) -> Callable[[], list[str]]:
    """What /healthz reports about NATS: down is degraded (the client reconnects by itself,
    a restart would not help)."""
    return lambda: [] if nc.is_connected else ["NATS unreachable (reconnecting)"]


def wire_outlets(figures: ServiceFigures, outlets: Outlets) -> None:
    """The store's and the broker's state, as ``mda run`` reports them."""
    writer, publisher = outlets.writer, outlets.publisher
    if writer is not None:
        figures.store_connected = lambda: writer.connected
        figures.spool_batches = lambda: len(writer.spool) if writer.spool is not None else 0
        figures.store_set_aside = lambda: dict(writer.counts.set_aside_reasons)
    if publisher is not None:
        figures.broker_connected = lambda: publisher.connected
        figures.alerts_waiting_for_broker = lambda: publisher.queued


def count_output(figures: ServiceFigures, out: PipelineOutput) -> None:
    """A delivered step's positions, statics and alert state changes."""
    figures.positions += len(out.positions)
    figures.statics += len(out.statics)
    counts = figures.alerts_by_rule_state
    for a in out.alerts:
        counts[(a.rule, a.state)] = counts.get((a.rule, a.state), 0) + 1


def counters(prefix: str, values: dict[str, tuple[str, int]]) -> Iterator[Metric]:
    """One counter per name: ``{name: (help, value)}``."""
    for name, (text, value) in values.items():
        yield CounterMetricFamily(f"{prefix}_{name}", text, value=value)


def worker_metrics(worker: Worker, nc: _Connection) -> Iterator[Metric]:
    """A worker's partitions and messages."""
    r = worker.report
    yield from counters("mda_scale", {
        "messages": ("Messages processed from the partitions' consumers", r.messages),
        "replayed": ("Messages replayed without output after taking a partition over",
                     r.replayed),
        "takeovers": ("Partitions this worker took", len(r.acquired)),
        "releases": ("Partitions this worker gave back or lost", len(r.released)),
        "snapshots": ("Partition snapshots saved", r.snapshots),
        "bad_messages": ("Messages that were not mda AIS messages", r.bad_messages),
    })  # fmt: skip
    parts = dict(worker.parts)
    yield GaugeMetricFamily("mda_scale_partitions_owned", "Partitions this worker owns",
                            value=len(parts))  # fmt: skip
    acked = GaugeMetricFamily("mda_scale_partition_acked_sequence",
                              "Stream sequence of the last message stored and acknowledged",
                              labels=["partition"])  # fmt: skip
    for k, part in sorted(parts.items()):
        acked.add_metric([str(k)], part.acked)
    yield acked
    yield nats_gauge(nc)


def wire_gateway(gateway: Gateway, nc: _Connection) -> ServiceFigures:
    """A gateway's figures: its sources' counts (as ``mda run``'s) and what it published."""
    figures = gateway.figures
    figures.ingest = gateway.stats.as_dict

    def extra() -> Iterator[Metric]:
        r = gateway.report
        yield from counters("mda_scale", {
            "published": ("Messages JetStream stored", r.published),
            "resent": ("Publishes tried again after a failure or a lost acknowledgement",
                       r.resent),
            "without_mmsi": ("Messages published to the partition of MMSI 0", r.without_mmsi),
            "not_nmea": ("Already-decoded records, not carried", r.not_nmea),
        })  # fmt: skip
        yield nats_gauge(nc)

    figures.extra = extra
    figures.problems = nats_problems(nc)
    return figures
