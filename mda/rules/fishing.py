"""Apparent fishing where it is not allowed, and fishing under a non-fishing ship type.

Both detectors keep a short thinned history of the vessels they watch, label it with mda's
activity classifier ("apparent fishing": the movement looks like fishing; the product never
says a vessel fished) and build fishing events by Global Fishing Watch's rules (join pieces
less than 1 h and 2 km apart; drop events under 20 min, of 5 positions or fewer, under 0.5 km
or at 10 kn and more). An alert opens when an event qualifies, with its evidence (duration,
distance fished, mean speed, positions), and clears when the vessel has not fished there for
``end_after_minutes``.

- ``restricted_fishing`` watches vessels inside zones with a fishing regime (no-take areas,
  licensed EEZs, artisanal inshore zones: see ``fishing_regimes``), each zone its own alert.
- ``fishing_type_mismatch`` watches vessels that broadcast a ship type other than fishing
  (30) while moving at fishing speeds, and reports those that apparently fish for at least
  ``min_event_minutes`` with strong evidence (gear worked at working speed with repeated
  turning, ``fishing_evidence``): an IUU vessel disguised as a cargo ship, or a wrong static
  report; never a merchant ship stopped or drifting.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Final

import numpy as np

from mda.activity.classify import ActivityParams
from mda.activity.events import EventParams, FishingEvent
from mda.errors import ConfigError
from mda.geo import NM
from mda.rules.base import BatchView, Detection, Mask, admits, vessel_label, zone_indices
from mda.rules.fishing_evidence import STRONG
from mda.rules.fishing_regimes import (
    Regime,
    RegimeKind,
    keyed,
    zone_flags,
    zone_regime_kind,
    zone_within_nm,
)
from mda.rules.fishing_track import NO_ZONE, FishingTrack
from mda.rules.settings import RuleSpec, detector_params
from mda.settings.vessel_lists import VesselList, load_vessel_list
from mda.tracks import Tracks, VesselState
from mda.zones.index import ZoneIndex

FISHING_TYPE: Final = 30
ANYWHERE: Final = -2  # the zone of a mismatch alert: wherever the rule's zones reach


@dataclass(frozen=True, slots=True)
class WatchParams:
    """How watched vessels' tracks are kept and when an alert ends."""

    thin_seconds: float = 30.0
    keep_hours: float = 6.0
    end_after_minutes: float = 60.0
    min_event_minutes: float = 20.0  # GFW's shortest fishing event


@dataclass(frozen=True, slots=True)
class RestrictedFishingParams(WatchParams):
    """Zones with a fishing regime besides those whose ``fishing`` property gives one."""

    no_take_zones: tuple[str, ...] = ()
    licensed_zones: tuple[str, ...] = ()
    artisanal_zones: tuple[str, ...] = ()
    licence_lists: tuple[str, ...] = ()  # "zone-id=path.csv"
    domestic_flags: tuple[str, ...] = ()  # "zone-id=GH"
    artisanal_within_nm: float = 0.0
    artisanal_max_length_m: float = 15.0


@dataclass(frozen=True, slots=True)
class TypeMismatchParams(WatchParams):
    """Only vessels moving this slowly are watched (fishing speeds; transit is faster); an
    alert needs strong evidence (``fishing_evidence.StrongEvidenceParams``)."""

    watch_below_kn: float = 6.0
    min_event_minutes: float = 60.0
    working_min_kn: float = STRONG.working_min_kn
    min_working_minutes: float = STRONG.min_working_minutes
    min_working_km: float = STRONG.min_working_km
    min_turning_degrees: float = STRONG.min_turning_degrees


class _Finding:
    """An open alert of a vessel in a zone."""

    __slots__ = ("evidence", "lat", "lon", "started")

    def __init__(self, started: float) -> None:
        self.started = started
        self.evidence: dict[str, object] = {}
        self.lat = self.lon = 0.0


class _FishingWatch:
    """What both detectors share: the watched tracks, classification and the alerts' life."""

    zone_of_alert: dict[int, str | None]

    def __init__(self, spec: RuleSpec, params: WatchParams) -> None:
        self.scope = spec.scope
        self.watch_params = params
        self.activity_params = ActivityParams()
        self.event_params = EventParams()
        self.tracks: dict[int, FishingTrack] = {}
        self.open: dict[tuple[int, int], _Finding] = {}

    def _watch(self, view: BatchView, starts: Mask, zone_of: Callable[[int], int]
               ) -> list[Detection]:  # fmt: skip
        """Add the fixes of vessels that ``starts`` marks, and of those already watched, to
        their tracks (each fix with ``zone_of`` its row), then judge those vessels."""
        fx = view.fixes
        candidates = starts.copy()
        if self.tracks:
            tracked = np.fromiter(self.tracks, dtype=np.int64, count=len(self.tracks))
            candidates |= np.isin(fx.mmsi, tracked)
        if not candidates.any():
            return []
        thin = self.watch_params.thin_seconds
        out: list[Detection] = []
        rows = view.rows_of_vessel
        for m in sorted(set(fx.mmsi[candidates].tolist())):
            state = view.state(m)
            if not self._watches(state):
                continue
            track = self.tracks.get(m)
            if track is None:
                track = self.tracks[m] = FishingTrack()
            s, e = rows[m]
            for row in range(s, e):
                if not fx.late[row]:
                    at = float(fx.time[row]), float(fx.lat[row]), float(fx.lon[row])
                    track.add(*at, float(fx.sog[row]), float(fx.cog[row]), zone_of(row), thin)
            out += self._judge(m, state, track)
        return out

    def _watches(self, state: VesselState) -> bool:
        raise NotImplementedError

    def _judge(self, m: int, state: VesselState, track: FishingTrack) -> list[Detection]:
        """Classify a watched vessel's track and open or end its alerts."""
        p = self.watch_params
        activity = track.activity(self.activity_params, _gear(state))
        out: list[Detection] = []
        now = track.last_time
        for zone in self._zones_to_judge(m, track):
            reason = self._breach(state, zone)
            events = [] if reason is None else track.events(activity, self._event_zone(zone),
                                                             self.event_params)  # fmt: skip
            current = _current(events, now, p)
            key = (m, zone)
            finding = self.open.get(key)
            support = None if current is None else self._support(track, current)
            if current is not None and reason is not None and finding is None:
                if support is not None:
                    finding = self.open[key] = _Finding(current.start)
                    finding.evidence = _evidence(current) | support
                    finding.lat, finding.lon = current.lat_mean, current.lon_mean
                    out.append(self._detection(m, zone, state, finding, reason, now))
            elif current is not None and reason is not None and finding is not None:
                # An open alert follows its event; the figures of its further evidence stay
                # as last measured when the event no longer shows them.
                finding.evidence |= _evidence(current, finding.started) | (support or {})
                finding.lat, finding.lon = current.lat_mean, current.lon_mean
            elif finding is not None and (not events or _ended(events[-1], now, p)):
                out.append(self._end(m, zone, finding, now, "no apparent fishing since"))
        horizon = now - p.keep_hours * 3600.0
        track.trim(horizon)
        if not track.zones() and not any(k[0] == m for k in self.open):
            del self.tracks[m]
        return out

    def _zones_to_judge(self, m: int, track: FishingTrack) -> set[int]:
        return track.zones() | {z for (v, z) in self.open if v == m}

    def _event_zone(self, zone: int) -> int | None:
        return zone

    def _support(self, track: FishingTrack, event: FishingEvent) -> dict[str, object] | None:
        """What an alert needs besides a long enough fishing event, as evidence fields; None
        when the event is not enough. A fishing event is enough where only fishing vessels
        are watched."""
        return {}

    def _breach(self, state: VesselState, zone: int) -> str | None:
        raise NotImplementedError

    def _detection(
        self, m: int, zone: int, state: VesselState, f: _Finding, reason: str, now: float
    ) -> Detection:
        e = f.evidence
        return Detection(
            rule=self.scope.name, mmsi=m, zone_id=self.zone_of_alert.get(zone), time=now,
            active=True, severity=self.scope.severity, started=f.started,
            message=(f"{vessel_label(state)}: apparent {reason}; {e['duration_minutes']} min, "
                     f"{e['distance_km']} km at {e['mean_speed_knots']} kn"),
            evidence=dict(e), lat=f.lat, lon=f.lon,
        )  # fmt: skip

    def _end(self, m: int, zone: int, f: _Finding, now: float, why: str) -> Detection:
        del self.open[(m, zone)]
        return Detection(
            rule=self.scope.name, mmsi=m, zone_id=self.zone_of_alert.get(zone), time=now,
            active=False, severity=self.scope.severity, started=f.started,
            message=f"{why}", evidence=dict(f.evidence), lat=f.lat, lon=f.lon,
        )  # fmt: skip

    def tick(self, watermark: float, tracks: Tracks) -> list[Detection]:
        """A vessel that falls silent while an alert is open: the alert ends once it has been
        unheard for ``end_after_minutes`` (its track stays in the store)."""
        horizon = watermark - self.watch_params.end_after_minutes * 60.0
        out = []
        for (m, zone), f in list(self.open.items()):
            track = self.tracks.get(m)
            if track is None or track.last_time < horizon:
                out.append(self._end(m, zone, f, watermark, "vessel no longer heard"))
                if track is not None and not any(k[0] == m for k in self.open):
                    del self.tracks[m]
        return out

    def forget(self, mmsis: Iterable[int]) -> None:
        """Drop evicted vessels (their open alerts end through ``tick``)."""
        for m in mmsis:
            if not any(k[0] == m for k in self.open):
                self.tracks.pop(m, None)


class RestrictedFishingRule(_FishingWatch):
    """Apparent fishing in zones where the vessel may not fish; ``restricted_fishing``."""

    def __init__(self, spec: RuleSpec, index: ZoneIndex) -> None:
        self.params = p = detector_params(RestrictedFishingParams, spec)
        super().__init__(spec, p)
        self.regimes = _regimes(spec, p, index)
        in_scope = zone_indices(index, spec.scope.zones, spec.where)
        self.exclude = zone_indices(index, spec.scope.exclude_zones, spec.where)
        self.watched = frozenset(z for z in self.regimes if z in in_scope)
        self.zone_of_alert = {z: index.zones[z].id for z in self.regimes}
        self.index = index

    def _breach(self, state: VesselState, zone: int) -> str | None:
        regime = self.regimes.get(zone)
        return None if regime is None else regime.breach(state)

    def observe(self, view: BatchView) -> list[Detection]:
        """Add watched vessels' fixes to their tracks, then judge those vessels."""
        if not len(view.fixes) or not self.watched:
            return []
        inside = view.in_scope(self.watched, self.exclude)
        return self._watch(view, inside, lambda row: self._zone(view, row) if inside[row]
                           else NO_ZONE)  # fmt: skip

    def _watches(self, state: VesselState) -> bool:
        return admits(self.scope, state)

    def _zone(self, view: BatchView, row: int) -> int:
        """The watched zone of a fix; an inshore-only zone counts near the shore only."""
        zone = view.zone_in(row, self.watched)
        if zone is None:
            return NO_ZONE
        within = self.regimes[zone].within_nm
        if within > 0:
            lat, lon = view.point(row)
            shore = self.index.shore_distance_m(lon, lat)
            if shore is None or shore > within * NM:
                return NO_ZONE
        return zone


class FishingTypeMismatchRule(_FishingWatch):
    """Apparent fishing by a vessel that says it is not a fishing vessel;
    ``fishing_type_mismatch``."""

    def __init__(self, spec: RuleSpec, index: ZoneIndex) -> None:
        self.params = p = detector_params(TypeMismatchParams, spec)
        super().__init__(spec, p)
        # Strong evidence only: a cargo ship or tanker drifting slowly while it waits for a
        # berth or an escort moves like a boat hauling pots, so for a vessel that says it is
        # not a fishing vessel, slow movement alone is not fishing; turning at working speed
        # (a search pattern, tows back and forth) is, and the event must show it sustained
        # (``strong``; the drift's turns at its ends are no such pattern).
        base = ActivityParams()
        self.activity_params = dataclasses.replace(
            base, slow_fishing_max_kn=base.stationary_max_kn
        )
        self.strong = dataclasses.replace(
            STRONG, working_min_kn=p.working_min_kn, min_working_minutes=p.min_working_minutes,
            min_working_km=p.min_working_km, min_turning_degrees=p.min_turning_degrees,
        )  # fmt: skip
        self.event_params = EventParams()
        self.zones = zone_indices(index, spec.scope.zones, spec.where)
        self.exclude = zone_indices(index, spec.scope.exclude_zones, spec.where)
        self.zone_of_alert = {ANYWHERE: None}

    def _event_zone(self, zone: int) -> int | None:
        return ANYWHERE

    def _support(self, track: FishingTrack, event: FishingEvent) -> dict[str, object] | None:
        """Strong evidence only: the event's positions worked gear (``fishing_evidence``)."""
        within = slice(event.first_index, event.last_index + 1)
        evidence = track.working(within, self.strong)
        return evidence.fields() if evidence.strong(self.strong) else None

    def _breach(self, state: VesselState, zone: int) -> str | None:
        if state.ship_type is None or state.ship_type == FISHING_TYPE:
            return None
        return f"fishing while broadcasting ship type {state.ship_type}"

    def observe(self, view: BatchView) -> list[Detection]:
        """Watch vessels of other types that move at fishing speeds; judge them."""
        fx = view.fixes
        if not len(fx):
            return []
        inside = view.in_scope(self.zones, self.exclude)
        slow = inside & (fx.sog < self.params.watch_below_kn)
        return self._watch(view, slow, lambda row: ANYWHERE if inside[row] else NO_ZONE)

    def _watches(self, state: VesselState) -> bool:
        return admits(self.scope, state) and self._breach(state, ANYWHERE) is not None


def _current(events: list[FishingEvent], now: float, p: WatchParams) -> FishingEvent | None:
    """The event an alert is about: the latest, if long enough and not over."""
    if not events:
        return None
    last = events[-1]
    if last.end - last.start < p.min_event_minutes * 60.0 or _ended(last, now, p):
        return None
    return last


def _ended(event: FishingEvent, now: float, p: WatchParams) -> bool:
    return now - event.end > p.end_after_minutes * 60.0


def _evidence(e: FishingEvent, since: float | None = None) -> dict[str, object]:
    start = e.start if since is None else min(since, e.start)
    return {
        "duration_minutes": round((e.end - start) / 60.0),
        "distance_km": round(e.distance_km, 2),
        "mean_speed_knots": round(e.mean_speed_kn, 2),
        "positions": e.positions,
        "first_fishing": e.start,
        "last_fishing": e.end,
    }


def _gear(state: VesselState) -> str | None:
    """A gear hint for the classifier. AIS says no more than "fishing vessel"; those that
    carry AIS in the waters mda watches are mostly trawlers, which tow straight at 2-5 kn,
    and a fishing vessel in transit steams faster than that. Other vessels must show turning."""
    return "trawl" if state.ship_type == FISHING_TYPE else None


def _regimes(spec: RuleSpec, p: RestrictedFishingParams, index: ZoneIndex) -> dict[int, Regime]:
    where = spec.where
    named: dict[int, RegimeKind] = {}
    lists_by_kind: tuple[tuple[RegimeKind, tuple[str, ...]], ...] = (
        ("no_take", p.no_take_zones), ("licensed", p.licensed_zones),
        ("artisanal", p.artisanal_zones),
    )  # fmt: skip
    for key, selectors in lists_by_kind:
        for z in zone_indices(index, selectors, f"{where} {key}_zones:"):
            named[z] = key
    lists = keyed(p.licence_lists, where, "licence_lists")
    flags = keyed(p.domestic_flags, where, "domestic_flags")
    for zone_id in [*lists, *flags]:
        if zone_id not in index.zone_ids:
            raise ConfigError(f"{where}: no loaded zone has the id {zone_id!r}")
    regimes: dict[int, Regime] = {}
    for z, zone in enumerate(index.zones):
        kind: RegimeKind | None = named.get(z) or zone_regime_kind(zone)
        if kind is None:
            continue
        licences = VesselList()
        for path in lists.get(zone.id, ()):
            licences |= load_vessel_list(spec.folder / path, "licence list")
        domestic = zone_flags(zone) | {f.upper() for f in flags.get(zone.id, ())}
        if kind == "licensed" and not domestic and not licences.mmsi and not licences.imo:
            raise ConfigError(f"{where}: licensed zone {zone.id!r} has no domestic flags and "
                              "no licence list: every vessel fishing there would be an alarm")
        regimes[z] = Regime(
            zone=zone, kind=kind, licences=licences, domestic_flags=frozenset(domestic),
            within_nm=zone_within_nm(zone, p.artisanal_within_nm) if kind == "artisanal"
            else 0.0, max_length_m=p.artisanal_max_length_m,
        )  # fmt: skip
    return regimes
