"""Prometheus metrics and ``/healthz`` for the running service.

Figures are read from the service's own counters when Prometheus scrapes, so the pipeline
pays nothing per message for them. The HTTP side is a few lines of asyncio: two read-only
endpoints do not need a web framework.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from mda.errors import ConfigError

log = logging.getLogger("mda.service")


@dataclass(slots=True)
class ServiceFigures:
    """What the service has done; updated by the service, read by scrapes and health."""

    lines: int = 0
    batches: int = 0
    positions: int = 0
    statics: int = 0
    zone_events: int = 0
    alerts_by_rule_state: dict[tuple[str, str], int] = field(default_factory=dict)
    queue_depths: dict[str, Callable[[], int]] = field(default_factory=dict)
    lag_s: Callable[[], float | None] = lambda: None
    store_connected: Callable[[], bool | None] = lambda: None
    spool_batches: Callable[[], int] = lambda: 0
    # Records the store set aside for good (bad-clock days, rows the database refused).
    store_set_aside: Callable[[], dict[str, int]] = dict
    broker_connected: Callable[[], bool | None] = lambda: None
    alerts_waiting_for_broker: Callable[[], int] = lambda: 0
    ingest: Callable[[], dict[str, Any]] = dict
    last_batch_monotonic: float | None = None
    sources_done: bool = False


class _Collector(Collector):
    def __init__(self, figures: ServiceFigures) -> None:
        self.f = figures

    def collect(self) -> Iterator[Metric]:
        f = self.f
        stats = f.ingest()
        yield CounterMetricFamily("mda_lines", "Input lines read", value=stats.get("lines", 0))
        yield CounterMetricFamily(
            "mda_messages", "AIS messages decoded", value=stats.get("messages", 0)
        )
        by_type = CounterMetricFamily("mda_messages_by_type", "Messages per AIS type",
                                      labels=["type"])  # fmt: skip
        for msg_type, n in dict(stats.get("by_type", {})).items():
            by_type.add_metric([str(msg_type)], n)
        yield by_type
        bad = CounterMetricFamily("mda_bad_input", "Input dropped as damaged, by reason",
                                  labels=["reason"])  # fmt: skip
        for reason in ("bad_checksum", "missing_checksum", "malformed_sentence", "too_long",
                       "non_ascii", "bad_tag_block", "invalid_payload", "short_payload",
                       "orphan_fragments", "bad_json", "decode_errors"):  # fmt: skip
            bad.add_metric([reason], int(stats.get(reason, 0)))
        yield bad
        clocks = CounterMetricFamily(
            "mda_record_times", "Records by the clock that timed them and how it was judged",
            labels=["clock", "quality"],
        )  # fmt: skip
        for key, n in sorted(dict(stats.get("clocks", {})).items()):
            clock, _, quality = str(key).partition("/")
            clocks.add_metric([clock, quality], n)
        clocks.add_metric(["none", "untimed"], int(stats.get("untimed", 0)))
        yield clocks
        yield CounterMetricFamily(
            "mda_late_records", "Records that came after their slice of event time was handed "
            "to the rules (stored, not used to move a vessel back)", value=stats.get("late", 0),
        )  # fmt: skip
        yield CounterMetricFamily("mda_positions", "Position reports", value=f.positions)
        yield CounterMetricFamily("mda_statics", "Static and voyage reports", value=f.statics)
        yield CounterMetricFamily("mda_zone_events", "Zone entries and exits", value=f.zone_events)
        alerts = CounterMetricFamily("mda_alerts", "Alert state changes by rule and state",
                                     labels=["rule", "state"])  # fmt: skip
        for (rule, state), n in sorted(f.alerts_by_rule_state.items()):
            alerts.add_metric([rule, state], n)
        yield alerts
        depth = GaugeMetricFamily("mda_queue_depth", "Items waiting in each queue",
                                  labels=["queue"])  # fmt: skip
        for name, read in f.queue_depths.items():
            depth.add_metric([name], read())
        yield depth
        lag = f.lag_s()
        if lag is not None:
            yield GaugeMetricFamily(
                "mda_event_lag_seconds", "Wall clock minus the pipeline's event time", value=lag
            )
        yield GaugeMetricFamily("mda_spool_batches", "Store batches waiting in the spool",
                                value=f.spool_batches())  # fmt: skip
        set_aside = CounterMetricFamily(
            "mda_store_set_aside", "Records the store set aside (kept in its rejects file), "
            "by reason", labels=["reason"],
        )  # fmt: skip
        for reason, n in sorted(f.store_set_aside().items()):
            set_aside.add_metric([reason], n)
        yield set_aside
        yield GaugeMetricFamily("mda_alerts_waiting_for_broker", "Alerts not yet published",
                                value=f.alerts_waiting_for_broker())  # fmt: skip
        connected: tuple[tuple[str, Callable[[], bool | None]], ...] = (
            ("store", f.store_connected),
            ("broker", f.broker_connected),
        )
        for name, probe in connected:
            up = probe()
            if up is not None:
                yield GaugeMetricFamily(f"mda_{name}_connected", f"Whether the {name} is up",
                                        value=1.0 if up else 0.0)  # fmt: skip


def health(
    f: ServiceFigures, now_monotonic: float, stall_s: float = 60.0
) -> tuple[bool, dict[str, Any]]:
    """(healthy, details): unhealthy when batches stopped flowing while sources are live."""
    idle = None if f.last_batch_monotonic is None else now_monotonic - f.last_batch_monotonic
    details: dict[str, Any] = {
        "lines": f.lines,
        "positions": f.positions,
        "seconds_since_last_batch": None if idle is None else round(idle, 1),
        "event_lag_seconds": f.lag_s(),
        "store_connected": f.store_connected(),
        "spool_batches": f.spool_batches(),
        "store_set_aside": sum(f.store_set_aside().values()),
        "broker_connected": f.broker_connected(),
        "alerts_waiting_for_broker": f.alerts_waiting_for_broker(),
        "queues": {name: read() for name, read in f.queue_depths.items()},
    }
    problems = []
    if idle is not None and idle > stall_s and not f.sources_done:
        problems.append(f"no input for {idle:.0f} s")
    if f.store_connected() is False:
        problems.append("database unreachable (spooling)")
    if f.broker_connected() is False:
        problems.append("MQTT broker unreachable (alerts queued)")
    details["problems"] = problems
    # Spooling and queued alerts are degraded, not down: nothing is lost. Only a stall is.
    healthy = not any(p.startswith("no input") for p in problems)
    details["status"] = "ok" if not problems else ("degraded" if healthy else "stalled")
    return healthy, details


class StatusServer:
    """Serves ``/metrics`` (Prometheus text) and ``/healthz`` (JSON) on ``host:port``."""

    def __init__(self, listen: str, figures: ServiceFigures, clock: Callable[[], float]) -> None:
        host, sep, port = listen.rpartition(":")
        if not sep or not port.isdigit():
            raise ConfigError(f"http.listen: {listen!r} is not host:port")
        self.host, self.port = host or "127.0.0.1", int(port)
        self.figures = figures
        self.clock = clock
        self.registry = CollectorRegistry()
        self.registry.register(_Collector(figures))
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        """Listen; a port in use is a clear error."""
        try:
            self._server = await asyncio.start_server(self._handle, self.host, self.port)
        except OSError as exc:
            raise ConfigError(
                f"http.listen: cannot listen on {self.host}:{self.port}: {exc.strerror or exc}"
            ) from exc
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Stop listening."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await asyncio.wait_for(reader.readline(), 5.0)
            while (await asyncio.wait_for(reader.readline(), 5.0)) not in (b"\r\n", b"\n", b""):
                pass
            parts = request.decode("latin-1").split()
            path = parts[1] if len(parts) > 1 else "/"
            if path == "/metrics":
                status, ctype, body = (
                    200,
                    "text/plain; version=0.0.4",
                    generate_latest(self.registry),
                )
            elif path == "/healthz":
                ok, details = health(self.figures, self.clock())
                status, ctype = (200 if ok else 503), "application/json"
                body = json.dumps(details).encode()
            else:
                status, ctype, body = 404, "text/plain", b"not found\n"
            reason = {200: "OK", 404: "Not Found", 503: "Service Unavailable"}[status]
            writer.write(
                f"HTTP/1.1 {status} {reason}\r\nContent-Type: {ctype}\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                + body
            )
            await writer.drain()
        except (TimeoutError, ConnectionError) as exc:
            log.debug("status request failed: %s", exc)
        finally:
            writer.close()
