"""Partner feeds: what partner navies may see of the picture, redacted, in their formats.

``config`` reads the ``[feeds.<partner>]`` tables into ``spec``s. The pure part takes a batch of
pipeline output (with the pipeline's zones and vessel state) and gives each partner's release:
``filter`` (who may be seen), ``precision`` (rounding), ``redact`` (alerts), ``nmea`` (raw
sentences) and ``core`` (the feeds and their delays). ``cot`` and ``cot_types`` map releases to
Cursor on Target. Each format (``format``: the interface; ``formats``: the table) sends them
on a transport (``mqtt``, ``tak``); ``service`` joins them; ``acl`` and ``commands`` make the
broker's access files (``mda feeds``). See docs/feeds.md.
"""

from mda.feeds.config import load_feeds, parse_feeds
from mda.feeds.core import FeedRelease, FeedSet, SharedAlert, SharedPosition
from mda.feeds.service import PartnerFeeds
from mda.feeds.spec import FeedsConfig, FeedSpec

__all__ = [
    "FeedRelease",
    "FeedSet",
    "FeedSpec",
    "FeedsConfig",
    "PartnerFeeds",
    "SharedAlert",
    "SharedPosition",
    "load_feeds",
    "parse_feeds",
]
