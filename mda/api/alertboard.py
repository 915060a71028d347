"""The alerts a console shows: current ones and the last that ended, kept from published state
changes (the same records MQTT carries), so the API never reaches into the alert book."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, Final

CURRENT_STATES: Final = ("open", "acknowledged")
ENDED_KEPT: Final = 1000
PREFIX_MIN: Final = 6  # consoles show the first characters of an id


@dataclass(frozen=True, slots=True)
class AlertQuery:
    """Filters of the alert list; empty parts select everything."""

    rules: frozenset[str] = frozenset()
    states: frozenset[str] = frozenset()
    severities: frozenset[str] = frozenset()
    mmsi: int | None = None
    zone: str | None = None

    def admits(self, body: dict[str, Any]) -> bool:
        """Whether an alert (its published body) passes the filters."""
        zone = body.get("zone")
        zone_id = zone.get("id") if isinstance(zone, dict) else None
        return (
            _member(body.get("rule"), self.rules)
            and _member(body.get("state"), self.states)
            and _member(body.get("severity"), self.severities)
            and (self.mmsi is None or body.get("mmsi") == self.mmsi)
            and (self.zone is None or zone_id == self.zone)
        )


def _member(value: Any, allowed: Collection[str]) -> bool:
    return not allowed or value in allowed


class AlertBoard:
    """Latest state of each alert: current (open, acknowledged) and the last ``ended_kept``
    that cleared or were retracted."""

    def __init__(self, ended_kept: int = ENDED_KEPT) -> None:
        self.current: dict[str, dict[str, Any]] = {}
        self.ended: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._ended_kept = ended_kept

    def apply(self, body: dict[str, Any]) -> None:
        """Take one state change (an alert's published body)."""
        alert_id = str(body.get("alert_id"))
        if body.get("state") in CURRENT_STATES:
            self.ended.pop(alert_id, None)
            self.current[alert_id] = body
            return
        self.current.pop(alert_id, None)
        self.ended[alert_id] = body
        self.ended.move_to_end(alert_id)
        while len(self.ended) > self._ended_kept:
            self.ended.popitem(last=False)

    def get(self, alert_id: str) -> dict[str, Any] | None:
        """An alert by id, or by the first characters of its id when only one matches."""
        found = self.current.get(alert_id) or self.ended.get(alert_id)
        if found is not None or len(alert_id) < PREFIX_MIN:
            return found
        matches = [b for i, b in (*self.current.items(), *self.ended.items())
                   if i.startswith(alert_id)]  # fmt: skip
        return matches[0] if len(matches) == 1 else None

    def select(self, query: AlertQuery, *, include_ended: bool) -> list[dict[str, Any]]:
        """Alerts passing ``query``, most recently updated first."""
        pool = list(self.current.values())
        if include_ended:
            pool += self.ended.values()
        found = [b for b in pool if query.admits(b)]
        found.sort(key=lambda b: (str(b.get("updated", "")), str(b.get("alert_id"))),
                   reverse=True)  # fmt: skip
        return found
