"""Where the MQTT broker is and how to reach it: URL, credentials, TLS, session."""

from __future__ import annotations

import ssl
from dataclasses import dataclass, replace
from urllib.parse import unquote, urlsplit

import aiomqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from mda.errors import ConfigError


@dataclass(frozen=True, slots=True)
class BrokerSettings:
    """An MQTT broker: ``mqtt://user:password@host:1883`` or ``mqtts://`` for TLS."""

    host: str
    port: int = 1883
    username: str | None = None
    password: str | None = None
    tls: bool = False
    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None
    client_id: str | None = None
    # MQTT 5 session kept by the broker this long after a disconnect (0: clean sessions).
    session_expiry_s: int = 0
    topic_prefix: str = "mda"

    @property
    def url(self) -> str:
        """The broker's URL without its password (for messages and logs)."""
        user = f"{self.username}@" if self.username else ""
        return f"mqtt{'s' if self.tls else ''}://{user}{self.host}:{self.port}"

    def client(self, identifier: str | None = None) -> aiomqtt.Client:
        """A client (MQTT 5); with a session expiry, a persistent session (clean start off),
        so QoS 1 messages published while it is away wait for it at the broker."""
        ident = identifier or self.client_id
        properties = None
        persistent = self.session_expiry_s > 0 and ident is not None
        if persistent:
            properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
            properties.SessionExpiryInterval = self.session_expiry_s
        return aiomqtt.Client(
            self.host,
            self.port,
            username=self.username,
            password=self.password,
            identifier=ident,
            protocol=aiomqtt.ProtocolVersion.V5,
            clean_start=not persistent,
            properties=properties,
            tls_context=self._tls_context(),
            timeout=10.0,
        )

    def _tls_context(self) -> ssl.SSLContext | None:
        if not self.tls:
            return None
        try:
            context = ssl.create_default_context(cafile=self.ca_file)
            if self.cert_file:
                context.load_cert_chain(self.cert_file, self.key_file)
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(f"MQTT TLS files for {self.url}: {exc}") from exc
        return context


def parse_broker_url(url: str, **options: object) -> BrokerSettings:
    """Broker settings from a URL, with other settings (TLS files, client id ...) as options."""
    parts = urlsplit(url)
    if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
        raise ConfigError(f"broker URL {url!r}: expected mqtt://host:port or mqtts://host:port")
    tls = parts.scheme == "mqtts"
    try:
        port = parts.port or (8883 if tls else 1883)
    except ValueError as exc:
        raise ConfigError(f"broker URL {url!r}: bad port") from exc
    settings = BrokerSettings(
        host=parts.hostname,
        port=port,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        tls=tls,
    )
    return replace(settings, **options)  # type: ignore[arg-type]
