"""Where the MQTT broker is and how to reach it: URL, credentials, TLS, session."""

from __future__ import annotations

import ssl
from dataclasses import dataclass, replace

import aiomqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from mda.errors import ConfigError
from mda.net.mqtturl import parse_mqtt_url
from mda.net.tls import client_context


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
        return client_context(
            f"the MQTT broker {self.url}", self.ca_file, self.cert_file, self.key_file
        )


def parse_broker_url(url: str, **options: object) -> BrokerSettings:
    """Broker settings from a URL, with other settings (TLS files, client id ...) as options."""
    try:
        parts = parse_mqtt_url(url)
    except ValueError as exc:
        raise ConfigError(f"broker URL {url!r}: {exc}") from exc
    if parts.topic:
        raise ConfigError(f"broker URL {url!r}: a broker URL names no topic (mqtt://host:port)")
    settings = BrokerSettings(
        host=parts.host,
        port=parts.port,
        username=parts.username,
        password=parts.password,
        tls=parts.tls,
    )
    return replace(settings, **options)  # type: ignore[arg-type]
