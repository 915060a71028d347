"""Where a rule about a vessel's own reports looks: everywhere unless its zones say otherwise.

Rules measured against zones (loitering, cables) read ``zones = ["*"]`` as "in any loaded zone".
A wrong identity or an impossible position matters wherever the vessel is, so for the
identity and position rules ``*`` means everywhere, loaded zones or not; naming zones (or
kinds) limits them, and ``exclude_zones`` still leaves places out.
"""

from __future__ import annotations

from mda.rules.base import BatchView, Mask, zone_indices
from mda.rules.settings import Scope
from mda.tracks import VesselState
from mda.zones.index import ZoneIndex


class Where:
    """The fixes a rule looks at: its zones (or everywhere) minus its excluded zones."""

    def __init__(self, scope: Scope, index: ZoneIndex, where: str) -> None:
        self.everywhere = "*" in scope.zones
        self.zones = zone_indices(index, scope.zones, where)
        self.exclude = zone_indices(index, scope.exclude_zones, where)

    def mask(self, view: BatchView) -> Mask:
        """Timely fixes of the batch in scope."""
        if not self.everywhere:
            return view.in_scope(self.zones, self.exclude)
        mask: Mask = ~view.fixes.late
        if self.exclude:
            mask = mask & ~view.in_zones(self.exclude)
        return mask

    def holds(self, state: VesselState) -> bool:
        """Whether a vessel's latest fix (its zones) is in scope: for reports without a
        position, such as static data."""
        if state.zones & self.exclude:
            return False
        return self.everywhere or bool(state.zones & self.zones)
