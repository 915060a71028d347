"""The ``cot`` format: a partner's releases as Cursor-on-Target events to its TAK server."""

from __future__ import annotations

from mda.feeds.core import FeedRelease
from mda.feeds.cot import CotEncoder, identity_uid
from mda.feeds.format import Transports
from mda.feeds.tak import TakClient
from mda.settings.feed_spec import FeedSpec


class CotFeed:
    """CoT events on a connection of the partner's own."""

    def __init__(self, spec: FeedSpec, transports: Transports) -> None:
        assert spec.tak is not None  # the configuration requires [feeds.<partner>.cot]
        self.encoder = CotEncoder(spec)
        self.client = TakClient(spec.tak, backoff_s=transports.tak_backoff_s,
                                identity=(identity_uid(spec.partner), "MDA"))  # fmt: skip
        transports.own.append(self.client)

    def send(self, release: FeedRelease) -> None:
        """Queue the release's events."""
        self.client.send(self.encoder.events(release))

    def figures(self) -> dict[str, int]:
        """Events waiting for the TAK server, and dropped while it was away."""
        return {"cot_waiting": self.client.queued, "cot_dropped": self.client.dropped}
