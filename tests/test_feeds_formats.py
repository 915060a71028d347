"""The one table of feed formats: each name the configuration accepts resolves to a class that
is a feed format, made as the service makes it."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from mda.feeds.format import FeedFormat, Transports
from mda.feeds.formats import format_class, partner_formats
from mda.net.broker import parse_broker_url
from mda.settings.feed_spec import FEED_FORMATS
from mda.settings.feeds import parse_feeds


@pytest.mark.parametrize("name", list(FEED_FORMATS))
def test_every_format_of_the_table_resolves_to_a_feed_format(name: str) -> None:
    made = format_class(name)
    assert inspect.isclass(made)
    for method in ("send", "figures"):  # the protocol's methods, as the protocol has them
        assert inspect.signature(getattr(made, method)) == inspect.signature(
            getattr(FeedFormat, method)
        )
    table: dict[str, object] = {"formats": [name]}
    if name == "cot":  # a TAK server goes with the format, and only with it
        table["cot"] = {"url": "tcp://127.0.0.1:8087"}
    config = parse_feeds({"p": table}, "feeds.toml", Path())
    transports = Transports(config, parse_broker_url("mqtt://127.0.0.1:1883"))
    (feed_format,) = partner_formats(config.feeds[0], transports)
    assert isinstance(feed_format, made) and isinstance(feed_format, FeedFormat)
    assert all(isinstance(count, int) for count in feed_format.figures().values())
