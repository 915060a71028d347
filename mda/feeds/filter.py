"""Who a partner may see: the entitlement of one feed applied to a batch of positions.

A vessel position is shared when the vessel is not on the never-share list, and either it is on
the always-share list or both its position is in the partner's waters and its ship type is one
the partner may see. Never-share wins over everything; always-share wins over waters and types.

Waters are the union of the feed's zones (by id or kind), its box and its area; a feed naming
none sees every sea. Boundaries count as inside, as they do for zone membership. The decision is
made on the true position: rounding for the partner comes after, so a rounded position can lie
just outside the waters that admitted it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import shapely

from mda.settings.feed_spec import FeedSpec
from mda.zones.index import Membership
from mda.zones.model import Zone

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

NO_TYPE = -1  # ship type array value of a vessel that never reported one


class PartnerFilter:
    """The entitlement of one feed, as vectorised tests over a batch."""

    def __init__(self, spec: FeedSpec, zones: Sequence[Zone]) -> None:
        self.spec = spec
        self._zone_index = np.array(
            [i for i, z in enumerate(zones) if z.id in spec.zones or z.kind in spec.zone_kinds],
            dtype=np.int64,
        )
        st = spec.ship_types
        self._types = np.zeros(256, dtype=np.bool_)
        for lo, hi in st.ranges:
            self._types[lo : hi + 1] = True
        self._types[0] = st.unknown  # ship type 0 is "not available"
        self._never_mmsi = np.array(sorted(spec.never_share.mmsi), dtype=np.int64)
        self._never_imo = np.array(sorted(spec.never_share.imo), dtype=np.int64)
        self._always_mmsi = np.array(sorted(spec.always_share.mmsi), dtype=np.int64)
        self._always_imo = np.array(sorted(spec.always_share.imo), dtype=np.int64)

    @property
    def uses_zones(self) -> bool:
        """Whether the feed's waters include zones (the batch must be located)."""
        return bool(self.spec.zones or self.spec.zone_kinds)

    def in_waters(self, lon: Floats, lat: Floats, membership: Membership | None) -> Bools:
        """For each position, whether it is in the partner's waters (False without a fix)."""
        has_fix = np.isfinite(lon) & np.isfinite(lat)
        spec = self.spec
        if not spec.restricted_to_areas:
            return has_fix
        inside = np.zeros(len(lon), dtype=np.bool_)
        if spec.bbox is not None:
            west, south, east, north = spec.bbox
            lat_ok = (lat >= south) & (lat <= north)
            lon_ok = (
                (lon >= west) & (lon <= east) if west <= east else (lon >= west) | (lon <= east)
            )
            inside |= lat_ok & lon_ok
        if spec.area is not None:
            inside |= shapely.intersects_xy(spec.area, lon, lat)
        if membership is not None and len(self._zone_index):
            hits = membership.point[np.isin(membership.zone, self._zone_index)]
            inside[hits] = True
        return inside & has_fix

    def entitled(self, mmsi: Ints, imo: Ints, ship_type: Ints, in_waters: Bools) -> Bools:
        """For each vessel observation (IMO and ship type -1 when unknown), whether the
        partner may see it there."""
        types = self.spec.ship_types
        if types.everything:
            type_ok = np.ones(len(mmsi), dtype=np.bool_)
        else:
            known = (ship_type >= 0) & (ship_type <= 255)
            type_ok = np.where(known, self._types[np.clip(ship_type, 0, 255)], types.unknown)
        never = np.isin(mmsi, self._never_mmsi) | np.isin(imo, self._never_imo)
        always = np.isin(mmsi, self._always_mmsi) | np.isin(imo, self._always_imo)
        result: Bools = ~never & (always | (in_waters & type_ok))
        return result

    def vessel_entitled(
        self, mmsi: int, imo: int | None, ship_type: int | None, in_waters: bool
    ) -> bool:
        """The same decision for one vessel."""
        one = self.entitled(
            np.array([mmsi], dtype=np.int64),
            np.array([NO_TYPE if imo is None else imo], dtype=np.int64),
            np.array([NO_TYPE if ship_type is None else ship_type], dtype=np.int64),
            np.array([in_waters]),
        )
        return bool(one[0])

    def never(self, mmsi: int, imo: int | None) -> bool:
        """Whether the vessel must never reach this partner."""
        return self.spec.never_share.names(mmsi, imo)
