"""``mqtt[s]://[user[:password]@]host[:port][/topic]``, the one way mda names an MQTT broker."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote

from mda.net.address import parse_host_port

PORTS = {"mqtt": 1883, "mqtts": 8883}  # the registered ports, plain and TLS


@dataclass(frozen=True, slots=True)
class MqttUrl:
    """The parts of an MQTT URL, credentials decoded."""

    host: str
    port: int
    tls: bool
    username: str | None = None
    password: str | None = None
    topic: str = ""  # what follows the first '/', as written (a filter may hold '#' and '+')


def parse_mqtt_url(url: str) -> MqttUrl:
    """An MQTT URL's parts; ValueError, one line, if it is not one.

    Split by hand rather than with ``urllib``: a topic filter's ``#`` is not a fragment here.
    """
    scheme, sep, rest = url.partition("://")
    scheme = scheme.lower()
    if not sep or scheme not in PORTS:
        raise ValueError("expected mqtt://host:port or mqtts://host:port")
    netloc, _, topic = rest.partition("/")
    credentials, at, address = netloc.rpartition("@")
    username = password = None
    if at:
        user, _, secret = credentials.partition(":")
        username, password = unquote(user) or None, unquote(secret) or None
    host, port = parse_host_port(address, default_port=PORTS[scheme])
    return MqttUrl(host, port, scheme == "mqtts", username, password, topic)
