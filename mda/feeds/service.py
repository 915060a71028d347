"""Partner feeds in the running service: the releases of the process's :class:`FeedSet`, sent.

The service runs its one feed set over every batch the pipeline made and hands the releases to
:meth:`PartnerFeeds.send` (synchronous, never waits on a network) and to the HTTP API's partner
views. Each partner's releases go to its formats (:func:`mda.feeds.formats.partner_formats`),
which queue them on their transports; :meth:`run` keeps the connections, :meth:`flush` drains
at shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence

from mda.feeds.core import FeedRelease, FeedSet
from mda.feeds.format import FeedFormat, Transports
from mda.feeds.formats import partner_formats
from mda.net.broker import BrokerSettings


class PartnerFeeds:
    """Every partner feed of a service, from the feed set's releases to the partners' servers."""

    def __init__(
        self,
        feeds: FeedSet,
        broker: BrokerSettings | None,
        *,
        tak_backoff_s: tuple[float, float] = (0.5, 30.0),
    ) -> None:
        """``broker`` carries the formats published there (ConfigError if a feed needs it and
        there is none)."""
        self.feeds = feeds
        self.transports = Transports(feeds.config, broker, tak_backoff_s)
        self.formats: dict[str, list[FeedFormat]] = {
            spec.partner: partner_formats(spec, self.transports) for spec in feeds.config.feeds
        }

    def send(self, releases: Sequence[FeedRelease]) -> None:
        """Queue releases on their formats' transports."""
        for release in releases:
            if release:
                for feed_format in self.formats[release.partner]:
                    feed_format.send(release)

    async def run(self) -> None:
        """Keep every connection (broker, TAK servers) until cancelled."""
        runners = [t.run() for t in self.transports.every()]
        if runners:
            await asyncio.gather(*runners)
        else:
            await asyncio.Event().wait()  # nothing to connect: idle until cancelled

    async def flush(self, timeout_s: float) -> bool:
        """Wait until every queued message and event is out; False if the time ran out."""
        waits = [t.flush(timeout_s) for t in self.transports.every()]
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
            for feed_format in self.formats[partner]:
                row |= feed_format.figures()
            out[partner] = row
        mqtt = self.transports.broker_publisher
        if mqtt is not None:
            out["_mqtt"] = {"waiting": mqtt.queued, "dropped": mqtt.dropped,
                            "published": mqtt.published}  # fmt: skip
        return out
