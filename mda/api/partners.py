"""What a partner's token shows: the partner's feed, as its MQTT or CoT feed carries it.

The API takes the releases of the process's one :class:`~mda.feeds.core.FeedSet`, those the
partner's feed publishes, so a partner sees through the API exactly what its feed shares (its
waters, ship types, never- and always-share lists, rules), rounded and delayed as the feed
rounds and delays, with alerts redacted and under the partner's own ids. Its picture is the
latest position released to it of each vessel; vessels it has not been given for two days of
event time leave it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

from mda.api.alertboard import AlertBoard
from mda.feeds.core import FeedRelease, SharedAlert, SharedPosition
from mda.settings.feed_spec import FeedsConfig

STALE_AFTER_S: Final = 48 * 3600.0
EVICT_EVERY_S: Final = 3600.0


@dataclass(slots=True)
class PartnerView:
    """One partner's picture and alerts."""

    positions: dict[int, SharedPosition] = field(default_factory=dict)
    board: AlertBoard = field(default_factory=AlertBoard)
    dirty: set[int] = field(default_factory=set)  # vessels released since the last update
    version: int = 0  # grows with every change of the picture


class PartnerViews:
    """Every partner's view, fed from the feed set's releases."""

    def __init__(self, config: FeedsConfig) -> None:
        self.views = {spec.partner: PartnerView() for spec in config.feeds}
        self._next_evict = float("-inf")

    def apply(
        self, releases: Sequence[FeedRelease], watermark: float
    ) -> list[tuple[str, list[SharedAlert]]]:
        """Take a step's releases in; returns the alerts each partner was given."""
        given: list[tuple[str, list[SharedAlert]]] = []
        for release in releases:
            view = self.views[release.partner]
            for p in release.positions:
                held = view.positions.get(p.mmsi)
                if held is None or p.time >= held.time:
                    view.positions[p.mmsi] = p
                    view.dirty.add(p.mmsi)
            if release.positions:
                view.version += 1
            for a in release.alerts:
                view.board.apply(a.body)
            if release.alerts:
                given.append((release.partner, release.alerts))
        if watermark >= self._next_evict and watermark > float("-inf"):
            self._next_evict = watermark + EVICT_EVERY_S
            self._evict(watermark - STALE_AFTER_S)
        return given

    def _evict(self, horizon: float) -> None:
        for view in self.views.values():
            stale = [m for m, p in view.positions.items() if p.time < horizon]
            for m in stale:
                del view.positions[m]
            if stale:
                view.version += 1
