"""Who may do what through the HTTP API: roles, and the permissions each one carries.

Roles are few and fixed, named after the people who use mda: a watch ``officer`` sees the live
picture and alerts and acknowledges them; an ``analyst`` also reads history and exports it; an
``admin`` may do everything, token management included; ``partner:<name>`` sees only what that
partner's feed (``[feeds.<name>]``) shares, redacted as the feed redacts it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Final

from mda.errors import ConfigError


class Permission(enum.Enum):
    """One kind of access an endpoint asks for."""

    LIVE = "live"  # the live picture, one vessel, the live stream
    ALERTS = "alerts"  # current alerts
    ACKNOWLEDGE = "acknowledge"  # acknowledge and comment on alerts
    ZONES = "zones"  # the zone and cable catalogue
    HISTORY = "history"  # stored tracks, areas, alerts, identities, traffic
    EXPORT = "export"  # the same as files (CSV, GeoJSON, Parquet, MF-JSON)
    ADMIN = "admin"  # tokens and the audit log


_OFFICER: Final = frozenset(
    (Permission.LIVE, Permission.ALERTS, Permission.ACKNOWLEDGE, Permission.ZONES)
)
_ANALYST: Final = _OFFICER | {Permission.HISTORY, Permission.EXPORT}
# A partner's own feed: its picture and its alerts, and nothing of mda's workflow.
_PARTNER: Final = frozenset((Permission.LIVE, Permission.ALERTS))
PERMISSIONS: Final[dict[str, frozenset[Permission]]] = {
    "officer": _OFFICER,
    "analyst": _ANALYST,
    "admin": frozenset(Permission),
}
ROLE_NAMES: Final = ("officer", "analyst", "admin", "partner:<name>")


@dataclass(frozen=True, slots=True)
class Role:
    """A role as written in a token record: ``officer``, ``analyst``, ``admin`` or
    ``partner:<name>``."""

    name: str
    partner: str | None = None  # the feed a partner token is limited to

    def __str__(self) -> str:
        return self.name if self.partner is None else f"{self.name}:{self.partner}"

    @property
    def permissions(self) -> frozenset[Permission]:
        """What this role may do."""
        return _PARTNER if self.partner is not None else PERMISSIONS[self.name]

    def allows(self, permission: Permission) -> bool:
        """Whether the role carries ``permission``."""
        return permission in self.permissions


def parse_role(text: str) -> Role:
    """A role from its written form; ConfigError names the roles there are."""
    # The feeds' settings carry geometry types (shapely): loaded when a role is read, so that
    # the role names stay cheap to import for `mda api --help`.
    from mda.settings.feed_spec import PARTNER_NAME

    value = text.strip()
    if value in PERMISSIONS:
        return Role(value)
    kind, sep, partner = value.partition(":")
    if kind == "partner" and sep:
        if not PARTNER_NAME.fullmatch(partner):
            raise ConfigError(
                f"role {text!r}: a partner name is letters, digits, '-' and '_' (as in "
                "[feeds.<partner>])"
            )
        return Role("partner", partner)
    raise ConfigError(f"role {text!r}: not one of {', '.join(ROLE_NAMES)}")
