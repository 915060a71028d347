"""Where fishing is not allowed, and for whom: the fishing regime of a zone.

A zone gets a regime from its ``fishing`` property (``no_take``, ``licensed`` or
``artisanal``) or from a rule table that names it (``no_take_zones``, ``licensed_zones``,
``artisanal_zones``: imported EEZs carry no such property). Then:

- ``no_take``: a marine protected area closed to fishing; nobody may fish.
- ``licensed``: an EEZ where only domestic vessels (flag from the MMSI's MID) and vessels on
  the zone's licence list may fish. Licence lists are CSV vessel lists with an ``mmsi`` and/or
  ``imo`` column (:mod:`mda.settings.vessel_lists`), one file per zone
  (``licence_lists = ["eez-8393=licences/benin.csv"]``).
- ``artisanal``: an inshore zone reserved for small-scale fishing (West African states keep
  the first 5-12 nm for canoes); a vessel longer than ``artisanal_max_length_m``, or of
  unknown length, may not fish there. ``within_nm`` on the zone (or ``artisanal_within_nm``)
  limits it to that distance from shore, so a whole EEZ can carry the inshore rule.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final, Literal, TypeAlias

from mda.errors import ConfigError
from mda.settings.vessel_lists import VesselList
from mda.tracks import VesselState
from mda.zones.model import Zone

RegimeKind: TypeAlias = Literal["no_take", "licensed", "artisanal"]
REGIME_KINDS: Final[tuple[RegimeKind, ...]] = ("no_take", "licensed", "artisanal")


@dataclass(frozen=True, slots=True)
class Regime:
    """The fishing regime of one zone."""

    zone: Zone
    kind: RegimeKind
    licences: VesselList = field(default_factory=VesselList)  # who holds a licence to fish
    domestic_flags: frozenset[str] = frozenset()
    within_nm: float = 0.0  # artisanal: only this close to shore (0: the whole zone)
    max_length_m: float = 15.0  # artisanal: longer vessels may not fish

    def breach(self, state: VesselState) -> str | None:
        """Why this vessel may not fish here, or None when it may."""
        if self.kind == "no_take":
            return f"fishing in {self.zone.name}, a no-take area"
        if self.kind == "licensed":
            if state.flag is not None and state.flag in self.domestic_flags:
                return None
            if self.licences.names(state.mmsi, state.imo):
                return None
            flag = state.flag or "unknown flag"
            return f"fishing in {self.zone.name} without a licence (flag {flag})"
        if state.length_m is not None and state.length_m <= self.max_length_m:
            return None
        size = "of unknown length" if state.length_m is None else f"of {state.length_m} m"
        return f"vessel {size} fishing in {self.zone.name}, reserved for artisanal fishing"


def keyed(values: Iterable[str], where: str, key: str) -> dict[str, list[str]]:
    """``"zone-id=value"`` settings grouped by zone id."""
    out: dict[str, list[str]] = {}
    for value in values:
        zone_id, sep, item = value.partition("=")
        if not sep or not zone_id.strip() or not item.strip():
            raise ConfigError(f"{where} {key}: {value!r} is not 'zone-id=value'")
        out.setdefault(zone_id.strip(), []).append(item.strip())
    return out


def zone_regime_kind(zone: Zone) -> RegimeKind | None:
    """The regime a zone's own ``fishing`` property gives it."""
    value = zone.properties.get("fishing")
    if value is None:
        return None
    if value not in REGIME_KINDS:
        raise ConfigError(
            f"zone {zone.id}: fishing {value!r} is not one of {', '.join(REGIME_KINDS)}"
        )
    kind: RegimeKind = value
    return kind


def zone_flags(zone: Zone) -> frozenset[str]:
    """Domestic flags a zone's ``domestic_flags`` property lists (ISO alpha-2)."""
    value = zone.properties.get("domestic_flags") or ()
    if isinstance(value, str):
        value = [value]
    return frozenset(str(v).upper() for v in value)


def zone_within_nm(zone: Zone, default: float) -> float:
    """The zone's ``within_nm`` property, else the rule's default."""
    value = zone.properties.get("within_nm")
    return float(value) if isinstance(value, (int, float)) else default
