"""Partner feeds: what partner navies may see of the picture, redacted, in their formats.

``config`` reads the ``[feeds.<partner>]`` tables into ``spec``s. The pure part takes a batch of
pipeline output and gives each partner's release: ``filter`` (who may be seen), ``precision``
(rounding), ``redact`` (alerts), ``nmea`` (raw sentences), ``vessels`` (identity) and ``core``
(the feeds and their delays). ``cot`` and ``cot_types`` map releases to Cursor on Target;
``mqtt``, ``tak`` and ``service`` carry them; ``acl`` makes the broker's access files (``mda
feeds``, in ``mda.cli.feeds``). See docs/feeds.md.
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
