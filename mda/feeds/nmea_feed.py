"""The ``nmea`` format: a partner's raw sentences, one message a release, on the broker."""

from __future__ import annotations

from mda.feeds.core import FeedRelease
from mda.feeds.format import Transports
from mda.feeds.mqtt import feed_topic
from mda.settings.feed_spec import FeedSpec


class NmeaFeed:
    """Tag-blocked sentences, one per line, on the partner's ``nmea`` topic."""

    def __init__(self, spec: FeedSpec, transports: Transports) -> None:
        self.publisher = transports.broker(spec)
        self._topic = feed_topic(self.publisher.prefix, spec.partner, "nmea")

    def send(self, release: FeedRelease) -> None:
        """Queue the release's sentences, if any."""
        if release.nmea:
            self.publisher.send([(self._topic, b"\n".join(release.nmea))])

    def figures(self) -> dict[str, int]:
        """Nothing of its own: the broker's figures are the service's."""
        return {}
