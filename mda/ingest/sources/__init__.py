"""Sources: the async shells that bring lines in. Chosen by URL, as PyTAK does:

``file://PATH`` or a plain path (plain, .gz, globs, ``-`` for stdin), ``tcp://host:port``,
``tcp-listen://[host]:port``, ``udp://[host]:port``, ``mqtt[s]://[user:pass@]host[:port]/topic``.
"""

from __future__ import annotations

from mda.errors import ConfigError
from mda.ingest.sources.base import BATCH_LINES, LineBatch, LineSplitter, Source, SourceCounts
from mda.ingest.sources.files import FileSource
from mda.ingest.sources.mqtt import MqttSource
from mda.ingest.sources.tcp import TcpClientSource, TcpListenSource
from mda.ingest.sources.udp import UdpSource
from mda.net.address import parse_host_port
from mda.net.mqtturl import parse_mqtt_url

__all__ = [
    "BATCH_LINES",
    "FileSource",
    "LineBatch",
    "LineSplitter",
    "MqttSource",
    "Source",
    "SourceCounts",
    "TcpClientSource",
    "TcpListenSource",
    "UdpSource",
    "open_source",
]


def _host_port(netloc: str, url: str, default_host: str | None) -> tuple[str, int]:
    try:
        return parse_host_port(netloc, default_host=default_host)
    except ValueError as exc:
        raise ConfigError(f"{url}: {exc}") from exc


def open_source(url: str, *, fail_fast: bool = False) -> Source:
    """The source for ``url``; a bad URL raises ``ConfigError`` naming it."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return FileSource(url)
    scheme = scheme.lower()
    if scheme == "file":
        return FileSource(rest)
    if scheme == "tcp":
        return TcpClientSource(*_host_port(rest.rstrip("/"), url, None), fail_fast=fail_fast)
    if scheme == "tcp-listen":
        return TcpListenSource(*_host_port(rest.rstrip("/"), url, "0.0.0.0"))
    if scheme == "udp":
        return UdpSource(*_host_port(rest.rstrip("/"), url, "0.0.0.0"))
    if scheme in ("mqtt", "mqtts"):
        try:
            parts = parse_mqtt_url(url)
        except ValueError as exc:
            raise ConfigError(f"{url}: {exc}") from exc
        if not parts.topic:
            raise ConfigError(f"{url}: a topic is required (mqtt://host:port/topic)")
        return MqttSource(
            parts.host,
            parts.port,
            parts.topic,
            username=parts.username,
            password=parts.password,
            tls=parts.tls,
            fail_fast=fail_fast,
        )
    raise ConfigError(
        f"{url}: unknown source scheme {scheme!r} (use a path, file://, tcp://, tcp-listen://, "
        "udp:// or mqtt://)"
    )
