"""The feed format interface: what one format of one partner's feed does with its releases.

A format encodes what a partner was released (positions, alerts, raw sentences) its own way and
queues it on the transport that carries it: the service's MQTT broker, shared by every format
that publishes there (one connection), or a connection of its own (a partner's TAK server).
Formats are listed by name, with where their class lives, in
:data:`mda.settings.feed_spec.FEED_FORMATS`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from mda.errors import ConfigError
from mda.feeds.core import FeedRelease
from mda.feeds.mqtt import MqttFeedPublisher
from mda.net.broker import BrokerSettings
from mda.settings.feed_spec import FeedsConfig, FeedSpec


class Transport(Protocol):
    """A connection formats queue on: kept by :meth:`run`, drained by :meth:`flush`."""

    async def run(self) -> None:
        """Keep the connection until cancelled."""

    async def flush(self, timeout_s: float) -> bool:
        """Wait until everything queued is out; False if the time ran out."""


@runtime_checkable
class FeedFormat(Protocol):
    """One format of one partner's feed."""

    def send(self, release: FeedRelease) -> None:
        """Encode a release of the partner's and queue it on the transport (never blocks)."""

    def figures(self) -> dict[str, int]:
        """The format's own counters, added to its partner's (none for most)."""


@dataclass(slots=True)
class Transports:
    """The transports of a service's feeds: made when a format first asks for them."""

    config: FeedsConfig
    broker_settings: BrokerSettings | None
    tak_backoff_s: tuple[float, float] = (0.5, 30.0)
    broker_publisher: MqttFeedPublisher | None = None
    own: list[Transport] = field(default_factory=list)  # one format's each (TAK servers)

    def broker(self, spec: FeedSpec) -> MqttFeedPublisher:
        """The one publisher on the service's broker (ConfigError if there is no broker)."""
        if self.broker_publisher is None:
            if self.broker_settings is None:
                raise ConfigError(
                    f"{self.config.where}: [feeds.{spec.partner}] formats: 'mqtt' and 'nmea' "
                    "feeds are published on the service's MQTT broker; set [mqtt] url"
                )
            self.broker_publisher = MqttFeedPublisher(
                self.broker_settings, prefix=self.config.topic_prefix
            )
        return self.broker_publisher

    def every(self) -> list[Transport]:
        """Every transport made."""
        shared: list[Transport] = [] if self.broker_publisher is None else [self.broker_publisher]
        return [*self.own, *shared]
