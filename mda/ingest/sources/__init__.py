"""Sources: the async shells that bring lines in. Chosen by URL, as PyTAK does:

``file://PATH`` or a plain path (plain, .gz, globs, ``-`` for stdin), ``tcp://host:port``,
``tcp-listen://[host]:port``, ``udp://[host]:port``, ``mqtt[s]://[user:pass@]host[:port]/topic``.
"""

from __future__ import annotations

from urllib.parse import unquote

from mda.errors import ConfigError
from mda.ingest.sources.base import BATCH_LINES, LineBatch, LineSplitter, Source, SourceCounts
from mda.ingest.sources.files import FileSource
from mda.ingest.sources.mqtt import MqttSource
from mda.ingest.sources.tcp import TcpClientSource, TcpListenSource
from mda.ingest.sources.udp import UdpSource

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
    host, sep, port_text = netloc.rpartition(":")
    if not sep:
        host, port_text = netloc, ""
    host = host.strip("[]") or (default_host or "")
    if not host:
        raise ConfigError(f"{url}: a host is required")
    if not port_text.isdigit() or not 0 <= int(port_text) <= 65535:
        raise ConfigError(f"{url}: a port number is required (host:port)")
    return host, int(port_text)


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
        # Split by hand: a topic filter's '#' is not a URL fragment here.
        netloc, slash, topic = rest.partition("/")
        if not slash or not topic:
            raise ConfigError(f"{url}: a topic is required (mqtt://host:port/topic)")
        credentials, at, hostport = netloc.rpartition("@")
        username = password = None
        if at:
            user, colon, secret = credentials.partition(":")
            username = unquote(user)
            password = unquote(secret) if colon else None
        if ":" not in hostport.strip("[]").rpartition("]")[2]:
            hostport = f"{hostport}:{8883 if scheme == 'mqtts' else 1883}"
        host, port = _host_port(hostport, url, None)
        return MqttSource(
            host,
            port,
            topic,
            username=username,
            password=password,
            tls=scheme == "mqtts",
            fail_fast=fail_fast,
        )
    raise ConfigError(
        f"{url}: unknown source scheme {scheme!r} (use a path, file://, tcp://, tcp-listen://, "
        "udp:// or mqtt://)"
    )
