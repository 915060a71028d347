"""Sources: the async shells that bring lines in. Chosen by URL, as PyTAK does:

``file://PATH`` or a plain path (plain, .gz, globs, ``-`` for stdin), ``tcp://host:port``,
``tcp-listen://[host]:port``, ``udp://[host]:port``, ``mqtt[s]://[user:pass@]host[:port]/topic``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

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
    "SCHEMES",
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
        return parse_host_port(netloc.rstrip("/"), default_host=default_host)
    except ValueError as exc:
        raise ConfigError(f"{url}: {exc}") from exc


def _mqtt(url: str, _rest: str, fail_fast: bool) -> Source:
    try:
        parts = parse_mqtt_url(url)
    except ValueError as exc:
        raise ConfigError(f"{url}: {exc}") from exc
    if not parts.topic:
        raise ConfigError(f"{url}: a topic is required (mqtt://host:port/topic)")
    return MqttSource(parts.host, parts.port, parts.topic, username=parts.username,
                      password=parts.password, tls=parts.tls, fail_fast=fail_fast)  # fmt: skip


Opener = Callable[[str, str, bool], Source]
"""Opens a source from (its URL, what follows ``scheme://``, fail_fast)."""

# Every source by its URL scheme: a new source is its module and one entry here.
SCHEMES: Final[dict[str, Opener]] = {
    "file": lambda url, rest, fail_fast: FileSource(rest),
    "tcp": lambda url, rest, fail_fast: TcpClientSource(*_host_port(rest, url, None),
                                                        fail_fast=fail_fast),
    "tcp-listen": lambda url, rest, fail_fast: TcpListenSource(*_host_port(rest, url, "0.0.0.0")),
    "udp": lambda url, rest, fail_fast: UdpSource(*_host_port(rest, url, "0.0.0.0")),
    "mqtt": _mqtt,
    "mqtts": _mqtt,
}


def open_source(url: str, *, fail_fast: bool = False) -> Source:
    """The source for ``url`` (a plain path is a file); a bad URL raises ``ConfigError``
    naming it."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return FileSource(url)
    opener = SCHEMES.get(scheme.lower())
    if opener is None:
        known = ", ".join(f"{s}://" for s in SCHEMES)
        raise ConfigError(f"{url}: unknown source scheme {scheme!r} (use a path, {known})")
    return opener(url, rest, fail_fast)
