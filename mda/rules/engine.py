"""The rule engine: builds detectors from rule tables and runs them on each batch."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from mda.errors import ConfigError
from mda.rules.base import BatchView, Detection, Rule
from mda.rules.cable import CableThreatRule
from mda.rules.dark import GoingDarkRule
from mda.rules.dark_rendezvous import DarkRendezvousRule
from mda.rules.encounter import EncounterRule
from mda.rules.fishing import FishingTypeMismatchRule, RestrictedFishingRule
from mda.rules.identity import IdentityChangeRule
from mda.rules.loitering import LoiteringRule
from mda.rules.mmsi import InvalidMmsiRule
from mda.rules.position_anomaly import PositionAnomalyRule
from mda.rules.settings import RuleSpec, Scope
from mda.rules.shared_mmsi import SharedMmsiRule
from mda.rules.spoofing import SpoofingRule
from mda.rules.stop import UnexpectedStopRule
from mda.rules.watchlist import WatchListRule
from mda.rules.zone_entry import ZoneEntryRule
from mda.tracks import Tracks
from mda.zones.index import ZoneIndex

DETECTORS: dict[str, Callable[[RuleSpec, ZoneIndex], Rule]] = {
    "loitering": LoiteringRule,
    "cable_threat": CableThreatRule,
    "going_dark": GoingDarkRule,
    "unexpected_stop": UnexpectedStopRule,
    "watch_list": WatchListRule,
    "zone_entry": ZoneEntryRule,
    "invalid_mmsi": InvalidMmsiRule,
    "shared_mmsi": SharedMmsiRule,
    "identity_change": IdentityChangeRule,
    "position_anomaly": PositionAnomalyRule,
    "spoofing": SpoofingRule,
    "encounter": EncounterRule,
    "dark_rendezvous": DarkRendezvousRule,
    "restricted_fishing": RestrictedFishingRule,
    "fishing_type_mismatch": FishingTypeMismatchRule,
}


class RuleEngine:
    """The configured rules, run in a fixed order so output is deterministic."""

    def __init__(self, specs: Sequence[RuleSpec], index: ZoneIndex) -> None:
        self.rules: list[Rule] = []
        for spec in specs:
            make = DETECTORS.get(spec.scope.detector)
            if make is None:
                known = ", ".join(sorted(DETECTORS))
                raise ConfigError(
                    f"{spec.where} detector: unknown detector {spec.scope.detector!r} "
                    f"(known: {known})"
                )
            self.rules.append(make(spec, index))
        names = {r.scope.name for r in self.rules}
        for spec in specs:
            for other in spec.scope.inhibited_by:
                if other not in names:
                    raise ConfigError(f"{spec.where} inhibited_by: no rule named {other!r}")

    @property
    def scopes(self) -> dict[str, Scope]:
        """Each rule's scope by rule name (the alert lifecycle's policies)."""
        return {r.scope.name: r.scope for r in self.rules}

    def observe(self, view: BatchView) -> list[Detection]:
        """Every rule's detections on a batch."""
        out: list[Detection] = []
        for rule in self.rules:
            out += rule.observe(view)
        return out

    def tick(self, watermark: float, tracks: Tracks) -> list[Detection]:
        """Every rule's timed detections."""
        out: list[Detection] = []
        for rule in self.rules:
            out += rule.tick(watermark, tracks)
        return out

    def forget(self, mmsis: Iterable[int]) -> None:
        """Drop evicted vessels from every rule."""
        gone = list(mmsis)
        for rule in self.rules:
            rule.forget(gone)
