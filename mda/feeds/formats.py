"""The feed formats a partner may ask for, by the name ``formats`` gives them.

A format is one class (see :mod:`mda.feeds.format`), made once per partner that asks for it
with the partner's spec and the service's transports. Formats send in this table's order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from mda.feeds.cot_feed import CotFeed
from mda.feeds.format import FeedFormat, Transports
from mda.feeds.json_feed import JsonFeed
from mda.feeds.nmea_feed import NmeaFeed
from mda.settings.feed_spec import FeedSpec

FEED_FORMATS: Final[dict[str, Callable[[FeedSpec, Transports], FeedFormat]]] = {
    "mqtt": JsonFeed,
    "nmea": NmeaFeed,
    "cot": CotFeed,
}
