"""Partner feeds in the running service: the pure :class:`FeedSet` and its transports, joined.

The service hands over every batch the pipeline made (and the watermark after it) with
:meth:`PartnerFeeds.step`; that is synchronous and never waits on a network. What each partner
was released goes to its formats: MQTT and raw NMEA through one broker connection, CoT to each
partner's TAK server. :meth:`run` keeps the connections; :meth:`flush` drains at shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Collection, Sequence

from mda.alerts.broker import BrokerSettings
from mda.errors import ConfigError
from mda.feeds.core import DEFAULT_MAX_HELD, FeedRelease, FeedSet
from mda.feeds.cot import CotEncoder
from mda.feeds.mqtt import MqttFeedPublisher
from mda.feeds.tak import TakClient
from mda.ingest.message import AisMessage
from mda.model import Alert, Position, VesselStatic
from mda.settings.feed_spec import FeedsConfig
from mda.zones.index import ZoneIndex


class PartnerFeeds:
    """Every partner feed of a service, from pipeline output to the partners' servers."""

    def __init__(
        self,
        config: FeedsConfig,
        index: ZoneIndex | None,
        broker: BrokerSettings | None,
        *,
        rules: Collection[str] | None = None,
        max_held: int = DEFAULT_MAX_HELD,
        tak_backoff_s: tuple[float, float] = (0.5, 30.0),
    ) -> None:
        """``broker`` carries the ``mqtt`` and ``nmea`` formats (ConfigError if a feed needs it
        and there is none); ``index`` is the pipeline's zones and ``rules`` the names of its
        rules, which the feeds' zones and rules are checked against."""
        self.config = config
        self.feeds = FeedSet(config, index, rules=rules, max_held=max_held)
        on_broker = [s for s in config.feeds if {"mqtt", "nmea"} & set(s.formats)]
        self.mqtt: MqttFeedPublisher | None = None
        if on_broker:
            if broker is None:
                raise ConfigError(
                    f"{config.where}: [feeds.{on_broker[0].partner}] formats: 'mqtt' and 'nmea' "
                    "feeds are published on the service's MQTT broker; set [mqtt] url"
                )
            self.mqtt = MqttFeedPublisher(
                broker, prefix=config.topic_prefix,
                nmea_partners=frozenset(s.partner for s in config.feeds if "nmea" in s.formats),
            )  # fmt: skip
        self._json = {s.partner for s in config.feeds if "mqtt" in s.formats}
        self.cot: dict[str, tuple[CotEncoder, TakClient]] = {
            s.partner: (CotEncoder(s), TakClient(s.tak, backoff_s=tak_backoff_s))
            for s in config.feeds
            if s.tak is not None
        }

    @property
    def wants_messages(self) -> bool:
        """Whether :meth:`step` needs the batch's framed messages (a raw NMEA feed)."""
        return self.feeds.wants_messages

    def step(
        self,
        positions: Sequence[Position],
        statics: Sequence[VesselStatic],
        alerts: Sequence[Alert],
        watermark: float,
        messages: Sequence[AisMessage] = (),
    ) -> list[FeedRelease]:
        """Filter, redact and queue one batch for every partner (never blocks)."""
        releases = self.feeds.step(positions, statics, alerts, watermark, messages)
        self.send(releases)
        return releases

    def tick(self, watermark: float) -> list[FeedRelease]:
        """Event time moved on without data (live clock): send what the delays release."""
        return self.step((), (), (), watermark)

    def send(self, releases: Sequence[FeedRelease]) -> None:
        """Queue releases on their transports."""
        for release in releases:
            if not release:
                continue
            if self.mqtt is not None:
                self.mqtt.publish(release, json_feed=release.partner in self._json)
            cot = self.cot.get(release.partner)
            if cot is not None:
                encoder, client = cot
                client.send(encoder.events(release))

    async def run(self) -> None:
        """Keep every connection (broker, TAK servers) until cancelled."""
        runners = [c.run() for _, c in self.cot.values()]
        if self.mqtt is not None:
            runners.append(self.mqtt.run())
        if runners:
            await asyncio.gather(*runners)
        else:
            await asyncio.Event().wait()  # nothing to connect: idle until cancelled

    async def flush(self, timeout_s: float) -> bool:
        """Wait until every queued message and event is out; False if the time ran out."""
        waits = [c.flush(timeout_s) for _, c in self.cot.values()]
        if self.mqtt is not None:
            waits.append(self.mqtt.flush(timeout_s))
        with contextlib.suppress(TimeoutError):
            return all(await asyncio.gather(*waits))
        return False

    def figures(self) -> dict[str, dict[str, int]]:
        """Counters per partner (shared, withheld, held, dropped, waiting), for /metrics."""
        out: dict[str, dict[str, int]] = {}
        for feed in self.feeds.feeds:
            c = feed.counts
            partner = feed.spec.partner
            row = {
                "positions": c.positions, "alerts": c.alerts, "nmea_sentences": c.nmea_sentences,
                "withheld_positions": c.withheld_positions, "withheld_alerts": c.withheld_alerts,
                "held": feed.held, "dropped_held": c.dropped_held,
            }  # fmt: skip
            cot = self.cot.get(partner)
            if cot is not None:
                row["cot_waiting"] = cot[1].queued
                row["cot_dropped"] = cot[1].dropped
            out[partner] = row
        if self.mqtt is not None:
            out["_mqtt"] = {"waiting": self.mqtt.queued, "dropped": self.mqtt.dropped,
                            "published": self.mqtt.published}  # fmt: skip
        return out
