"""Feeding a FeedSet as the service does: the pipeline's vessel state advanced by the step's
statics, its zones of the step's positions, then the step's output."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from mda.feeds.core import FeedRelease, FeedSet
from mda.feeds.service import PartnerFeeds
from mda.ingest.decode import Decoder
from mda.ingest.framing import Framer
from mda.ingest.message import RawMessage, raw_messages
from mda.model import Alert, Position, Record, VesselStatic
from mda.net.broker import BrokerSettings
from mda.pipeline import PipelineOutput
from mda.settings.feed_spec import FeedsConfig
from mda.tracks import Tracks
from mda.zones.index import ZoneIndex


def feed_step(
    feeds: FeedSet, positions: Sequence[Position] = (), statics: Sequence[VesselStatic] = (),
    alerts: Sequence[Alert] = (), watermark: float = 0.0, messages: Sequence[RawMessage] = (),
) -> list[FeedRelease]:  # fmt: skip
    """One step's output through the feed set."""
    feeds.vessels.apply_statics(list(statics))
    out = PipelineOutput(positions=list(positions), statics=list(statics), alerts=list(alerts),
                         messages=list(messages))  # fmt: skip
    if feeds.index is not None and positions:
        lon = np.array([math.nan if p.lon is None else p.lon for p in positions], dtype=np.float64)
        lat = np.array([math.nan if p.lat is None else p.lat for p in positions], dtype=np.float64)
        out.zones = feeds.index.locate(lon, lat)
    return feeds.step(out, watermark)


def decoded(lines: Iterable[bytes]) -> tuple[list[Record], list[RawMessage]]:
    """Lines framed and decoded as the pipeline does (their clocks not judged), with the
    decoded messages' sentences that raw NMEA feeds take."""
    messages = Framer().frame(lines, "test-feed", None)
    origins: list[int] = []
    records = Decoder().decode(messages, origins)
    return records, raw_messages(messages, records, origins)


def feed_set(config: FeedsConfig, index: ZoneIndex | None = None, **options: Any) -> FeedSet:
    """A feed set over a vessel state of its own (the pipeline's, in the service)."""
    return FeedSet(config, index, Tracks(), **options)


def partner_feeds(config: FeedsConfig, broker: BrokerSettings | None,
                  **options: Any) -> PartnerFeeds:  # fmt: skip
    """The service's publishers over a feed set of their own."""
    return PartnerFeeds(feed_set(config), broker, **options)


def send_step(feeds: PartnerFeeds, positions: Sequence[Position] = (),
              statics: Sequence[VesselStatic] = (), alerts: Sequence[Alert] = (),
              watermark: float = 0.0, messages: Sequence[RawMessage] = ()) -> None:  # fmt: skip
    """One step through the feed set, its releases sent."""
    feeds.send(feed_step(feeds.feeds, positions, statics, alerts, watermark, messages))
