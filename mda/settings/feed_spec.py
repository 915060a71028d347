"""What a partner feed is: the entitlement, precision and transports of one partner.

Built by :mod:`mda.settings.feeds` from the ``[feeds.<partner>]`` tables; read by the filter,
the redaction and the transports.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Final

from mda.settings.ship_types import ShipTypes
from mda.settings.vessel_lists import VesselList

if TYPE_CHECKING:  # shapely (and numpy under it) only where an area is read: not for --help
    from shapely.geometry.base import BaseGeometry

# Every partner feed format: its name in a feed's ``formats``, which the configuration checks,
# and the "module:Class" of its implementation (a ``mda.feeds.format.FeedFormat``), which
# ``mda.feeds.formats`` imports when a service first makes one. Formats send in this order.
FEED_FORMATS: Final[Mapping[str, str]] = {
    "mqtt": "mda.feeds.json_feed:JsonFeed",
    "cot": "mda.feeds.cot_feed:CotFeed",
    "nmea": "mda.feeds.nmea_feed:NmeaFeed",
}
# Partner names become MQTT topic levels, broker user names and ACL lines: nothing that could
# widen a topic (+ # /) or break a line.
PARTNER_NAME: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
# Roles of watch consoles (``[feeds.consoles]``): ``watch`` reads the alerts and acknowledges
# them, ``viewer`` only reads them (a wall display).
CONSOLE_ROLES: Final = ("watch", "viewer")
CONSOLES_TABLE: Final = "consoles"  # [feeds.consoles] is the consoles, not a partner
# CoT affiliations (the second field of an atom type): pending, unknown, assumed friend,
# friend, neutral, suspect, hostile, joker, faker, none specified, other.
AFFILIATIONS: Final = frozenset("pufanshjkox")


@dataclass(frozen=True, slots=True)
class Precision:
    """How precisely positions reach a partner: decimals of a degree, or a grid in metres."""

    decimals: int | None = None
    metres: float | None = None

    @property
    def exact(self) -> bool:
        """No rounding beyond the alert contract's six decimals."""
        return self.decimals is None and self.metres is None


@dataclass(frozen=True, slots=True)
class TakServer:
    """Where a partner's Cursor-on-Target events go: ``tcp://host:port`` or ``tls://``."""

    host: str
    port: int
    tls: bool
    ca_file: Path | None = None
    cert_file: Path | None = None
    key_file: Path | None = None
    server_hostname: str | None = None  # the name its certificate must carry, if not host
    # Pace for servers that drop what they cannot route at once (FreeTAKServer); None: no pace.
    events_per_s: float | None = None

    @property
    def url(self) -> str:
        """The server as a URL (for logs)."""
        return f"{'tls' if self.tls else 'tcp'}://{self.host}:{self.port}"


@dataclass(frozen=True, slots=True)
class FeedSpec:
    """What one partner may receive, how precisely, when and in which formats."""

    partner: str
    formats: tuple[str, ...]  # names in FEED_FORMATS
    zones: frozenset[str] = frozenset()
    zone_kinds: frozenset[str] = frozenset()
    bbox: tuple[float, float, float, float] | None = None  # west, south, east, north
    area: BaseGeometry | None = None
    ship_types: ShipTypes = field(default_factory=ShipTypes)
    never_share: VesselList = field(default_factory=VesselList)
    always_share: VesselList = field(default_factory=VesselList)
    rules: frozenset[str] = frozenset()  # "*" for every rule
    precision: Precision = Precision()
    delay_s: float = 0.0
    affiliation: str = "u"
    alert_strip: tuple[str, ...] = ()
    tak: TakServer | None = None

    @property
    def restricted_to_areas(self) -> bool:
        """Whether the partner sees only some waters (zones, kinds, a box or an area)."""
        return bool(self.zones or self.zone_kinds or self.bbox is not None or self.area is not None)

    def shares_rule(self, rule: str) -> bool:
        """Whether alerts of this rule may reach the partner."""
        return rule in self.rules or "*" in self.rules


@dataclass(frozen=True, slots=True)
class FeedsConfig:
    """Every partner feed, with the settings they share."""

    feeds: tuple[FeedSpec, ...] = ()
    topic_prefix: str = "mda"
    service_user: str = "mda"
    service_read: tuple[str, ...] = ()  # topics the service user reads (acknowledgements)
    where: str = "defaults"
    # Watch consoles mda manages as broker users: (user, role), role one of CONSOLE_ROLES.
    consoles: tuple[tuple[str, str], ...] = ()
