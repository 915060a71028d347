"""Prometheus metrics and ``/healthz`` for the running service.

Figures are read from the service's own counters when Prometheus scrapes, so the pipeline
pays nothing per message for them. The HTTP side is the standard library's server in a thread
of its own: two read-only endpoints do not need a web framework.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import MISSING, dataclass, field, fields
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from mda.errors import ConfigError
from mda.ingest.stats import LABEL, METRIC, REJECT, IngestStats
from mda.net.address import parse_host_port

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
    # A process's own figures beside these (a scale-out role's), read at each scrape, and
    # what it finds wrong (degraded, not down: reported by /healthz, no restart wanted).
    extra: Callable[[], Iterable[Metric]] = tuple
    problems: Callable[[], list[str]] = list


class _Collector(Collector):
    def __init__(self, figures: ServiceFigures) -> None:
        self.f = figures

    def collect(self) -> Iterator[Metric]:
        f = self.f
        yield from ingest_metrics(f.ingest())
        yield from f.extra()
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


# Help texts of the run's counters that have their own series (the rest say their name).
_HELP: Final[dict[str, str]] = {
    "lines": "Input lines read",
    "messages": "AIS messages decoded",
    "messages_by_type": "Messages per AIS type",
    "late_records": "Records that came after their slice of event time was handed to the rules "
    "(stored, not used to move a vessel back)",
    "evicted_vessels": "Vessels forgotten because the cap on vessels held was reached",
    "rejected_values": "Decoded values out of range, set to null, by field",
}


def ingest_metrics(stats: Mapping[str, Any]) -> Iterator[Metric]:
    """The run's counters (``IngestStats.as_dict``) as Prometheus families, by the fields'
    metadata: each rejected kind of input a reason of ``mda_bad_input_total``, each counter
    kept by key a labelled family, every other count a series of its own. A counter added to
    ``IngestStats`` is scraped without any change here."""
    bad = CounterMetricFamily("mda_bad_input", "Input dropped as damaged or unusable, by reason",
                              labels=["reason"])  # fmt: skip
    for spec in fields(IngestStats):
        value = stats.get(spec.name, {} if spec.default is MISSING else 0)
        name = spec.metadata.get(METRIC, spec.name)
        if spec.metadata.get(REJECT):
            bad.add_metric([spec.name], int(value))
        elif name == "record_times":
            yield _record_times(value, int(stats.get("untimed", 0)))
        elif isinstance(value, Mapping):
            family = CounterMetricFamily(f"mda_{name}", _HELP.get(name, name.replace("_", " ")),
                                         labels=[spec.metadata.get(LABEL, "key")])  # fmt: skip
            for key, n in value.items():
                family.add_metric([str(key)], int(n))
            yield family
        else:
            yield CounterMetricFamily(f"mda_{name}", _HELP.get(name, name.replace("_", " ")),
                                      value=int(value))  # fmt: skip
    yield bad


def _record_times(clocks: Mapping[str, int], untimed: int) -> Metric:
    family = CounterMetricFamily(
        "mda_record_times", "Records by the clock that timed them and how it was judged",
        labels=["clock", "quality"],
    )  # fmt: skip
    for key, n in sorted(clocks.items()):
        clock, _, quality = str(key).partition("/")
        family.add_metric([clock, quality], n)
    family.add_metric(["none", "untimed"], untimed)
    return family


def register_figures(registry: CollectorRegistry, figures: ServiceFigures) -> None:
    """Make a registry scrape ``figures`` (read at each scrape, nothing kept)."""
    registry.register(_Collector(figures))


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
    problems += f.problems()
    details["problems"] = problems
    # Spooling and queued alerts are degraded, not down: nothing is lost. Only a stall is.
    healthy = not any(p.startswith("no input") for p in problems)
    details["status"] = "ok" if not problems else ("degraded" if healthy else "stalled")
    return healthy, details


class _StatusHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # One line, not socketserver's traceback on stderr: a scrape that failed is a
        # warning for the operator, not a crash.
        log.warning("status request from %s failed: %r", client_address[0], sys.exc_info()[1])


class StatusServer:
    """Serves ``/metrics`` (Prometheus text) and ``/healthz`` (JSON) on ``host:port``.

    From a thread of its own, not the event loop: the core runs its steps on the loop, and a
    scrape must be answered while a long step is under way (a flood of new vessels, a
    satellite pass), not after it. What a scrape reads are counters and sizes, each read
    whole under the interpreter lock; a figure may be a step behind, never torn."""

    def __init__(self, listen: str, figures: ServiceFigures, clock: Callable[[], float]) -> None:
        try:
            self.host, self.port = parse_host_port(listen, default_host="127.0.0.1")
        except ValueError as exc:
            raise ConfigError(f"http.listen: {listen!r} is not host:port") from exc
        self.figures = figures
        self.clock = clock
        self.registry = CollectorRegistry()
        register_figures(self.registry, figures)
        self._server: _StatusHTTPServer | None = None
        self._thread: threading.Thread | None = None

    async def start(self) -> None:
        """Listen; a port in use is a clear error."""
        status = self

        class Handler(BaseHTTPRequestHandler):
            timeout = 5.0  # a client that sends no request does not hold a thread
            protocol_version = "HTTP/1.1"  # answers say Connection: close themselves

            def do_GET(self) -> None:
                code, ctype, body = status.respond(self.path)
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                log.debug("status request: " + format, *args)

        try:
            self._server = _StatusHTTPServer((self.host, self.port), Handler)
        except OSError as exc:
            raise ConfigError(
                f"http.listen: cannot listen on {self.host}:{self.port}: {exc.strerror or exc}"
            ) from exc
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={
            "poll_interval": 0.2}, name="mda-status", daemon=True)  # fmt: skip
        self._thread.start()

    async def stop(self) -> None:
        """Stop listening."""
        server, self._server = self._server, None
        if server is not None:
            await asyncio.to_thread(server.shutdown)
            server.server_close()

    def respond(self, path: str) -> tuple[int, str, bytes]:
        """(status, content type, body) for a GET of ``path``."""
        if path == "/metrics":
            return 200, "text/plain; version=0.0.4", generate_latest(self.registry)
        if path == "/healthz":
            ok, details = health(self.figures, self.clock())
            return (200 if ok else 503), "application/json", json.dumps(details).encode()
        return 404, "text/plain", b"not found\n"
