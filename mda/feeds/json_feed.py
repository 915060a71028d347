"""The ``mqtt`` format: a partner's positions and alerts as JSON on the service's broker."""

from __future__ import annotations

from mda.feeds.core import FeedRelease
from mda.feeds.format import Transports
from mda.feeds.mqtt import alert_payload, feed_topic, positions_payloads
from mda.settings.feed_spec import FeedSpec


class JsonFeed:
    """Positions (batched) and alert states (one a message) on the partner's topics."""

    def __init__(self, spec: FeedSpec, transports: Transports) -> None:
        self.publisher = transports.broker(spec)
        prefix = self.publisher.prefix
        self._positions = feed_topic(prefix, spec.partner, "positions")
        self._alerts = feed_topic(prefix, spec.partner, "alerts")

    def send(self, release: FeedRelease) -> None:
        """Queue the release's positions and alerts."""
        messages = [(self._positions, p) for p in positions_payloads(release.positions)]
        messages += [(self._alerts, alert_payload(a)) for a in release.alerts]
        self.publisher.send(messages)

    def figures(self) -> dict[str, int]:
        """Nothing of its own: the broker's figures are the service's."""
        return {}
