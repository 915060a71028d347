"""The feed formats a partner asked for, made from the one table of formats.

The table, :data:`mda.settings.feed_spec.FEED_FORMATS`, names each format and the "module:Class"
of its implementation (see :mod:`mda.feeds.format`); a class is imported when a service first
makes that format, and made once per partner that asks for it, with the partner's spec and the
service's transports.
"""

from __future__ import annotations

import pkgutil
from collections.abc import Callable
from functools import cache

from mda.feeds.format import FeedFormat, Transports
from mda.settings.feed_spec import FEED_FORMATS, FeedSpec

MakeFormat = Callable[[FeedSpec, Transports], FeedFormat]


@cache
def format_class(name: str) -> MakeFormat:
    """The implementation of the format ``name`` (KeyError if the table has none)."""
    made: MakeFormat = pkgutil.resolve_name(FEED_FORMATS[name])
    return made


def partner_formats(spec: FeedSpec, transports: Transports) -> list[FeedFormat]:
    """The formats the partner asked for, in the table's order (the order they send in)."""
    return [format_class(name)(spec, transports) for name in FEED_FORMATS if name in spec.formats]
