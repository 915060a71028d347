"""The alert lifecycle: from rule detections to alerts a watch officer can trust.

One alert per dedup key (rule + vessel + zone) at a time. A condition must hold for the rule's
``persist_minutes`` before the alert opens, and be gone for ``clear_after_minutes`` before it
clears (hysteresis: a vessel hovering at a threshold does not flap). An acknowledged alert that
clears starts a cooldown (``cooldown_minutes``) during which the same condition does not open a
new one. Late data that disproves a condition retracts its alert. A rule can be inhibited by
others (``inhibited_by``): a cable alarm on a vessel supersedes the loitering warning for it.

Every state change is one :class:`Alert` record, stored and published. Its ``updated`` is an
event time (the rules' and the watermark's), an acknowledgement's too: the watermark the book had
reached when the person acted, whose own clock's time is ``acknowledged_at``. So ``updated``
stays on one clock: in a replay, a clear after an acknowledgement carries the clear's event
time, not the officer's wall-clock moment.
The alert id is derived from the dedup key and the start of the condition, so replaying a
recording gives the same ids.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal, TypeVar

from mda.aiswords import nav_status_words, ship_type_words
from mda.alerts.places import Gazetteer
from mda.errors import MdaError
from mda.model import Alert, AlertState, Severity
from mda.rules.base import Detection
from mda.rules.settings import Scope
from mda.timefmt import iso
from mda.zones.model import LINEAR_KINDS, Zone

ALERT_NAMESPACE = uuid.UUID("5b0f3c1e-7d0a-4a8e-9a53-6d2a0e1c4f17")
RANK: dict[str, int] = {"caution": 0, "warning": 1, "alarm": 2}

Phase = Literal["idle", "pending", "open", "acknowledged"]
VesselInfo = Callable[[int], dict[str, Any]]
T = TypeVar("T")
TrackInfo = Callable[[int], list[tuple[float, float, float]]]


class AlertNotFoundError(MdaError):
    """No open alert has this id."""


class AlreadyAcknowledgedError(AlertNotFoundError):
    """The alert is open but someone has already taken it in hand."""

    def __init__(self, alert_id: str, by: str, at: str) -> None:
        super().__init__(f"alert {alert_id} was already acknowledged by {by} at {at}")
        self.alert_id, self.by, self.at = alert_id, by, at


def dedup_key(rule: str, mmsi: int, zone_id: str | None, other_mmsi: int | None = None) -> str:
    """What makes two detections the same alert."""
    key = f"{rule}:{mmsi}:{zone_id or '-'}"
    return key if other_mmsi is None else f"{key}:{other_mmsi}"


@dataclass(slots=True)
class _Entry:
    key: str
    scope: Scope
    detection: Detection
    phase: Phase = "idle"
    alert_id: str = ""
    start: float = 0.0
    severity: Severity = "warning"
    clearing: Detection | None = None  # the inactive detection a clear waits on
    ack: dict[str, Any] = field(default_factory=dict)
    cooldown_until: float = float("-inf")
    earlier: int = 0  # alerts of this rule for this vessel before this one
    # Held back by an inhibiting alert: the condition is part of that incident, and stays
    # silent until it ends, even if the inhibiting alert clears first.
    inhibited: bool = False
    # Updates never go back in time, even when a person's clock (an acknowledgement during a
    # replay) is ahead of event time: the store keeps the latest state by this time.
    last_updated: float = float("-inf")


class AlertBook:
    """Open alerts and what is pending, with the rules' policies."""

    def __init__(
        self,
        scopes: Mapping[str, Scope],
        vessel: VesselInfo,
        track: TrackInfo,
        zones: Mapping[str, Zone],
    ) -> None:
        self.scopes = dict(scopes)
        self.vessel = vessel
        self.track = track
        self.zones = dict(zones)
        # Read once here, when the zones load: naming where an alert is does no I/O.
        self.places = Gazetteer(self.zones.values())
        self.entries: dict[str, _Entry] = {}
        # Dicts used as ordered sets: string hashes vary between processes, and the order of
        # the alerts must not.
        self.of_vessel: dict[int, dict[str, None]] = {}  # MMSI -> dedup keys of its entries
        self._live: dict[str, None] = {}  # keys of entries that are not idle for good
        self.by_id: dict[str, str] = {}  # alert id -> dedup key, while open
        self.earlier: dict[tuple[str, int], int] = {}  # alerts opened per rule and vessel
        self.suppressed_by_cooldown = 0
        self.inhibited = 0
        self.watermark = float("-inf")  # the latest tick's: where event time has got to

    def forget(self, mmsis: Iterable[int]) -> None:
        """Vessels evicted from the picture: their count of earlier alerts goes too, unless an
        alert of theirs is still held (a flood of numbers heard once must not grow it for ever)."""
        names = {key[0] for key in self.earlier}
        for mmsi in mmsis:
            if mmsi not in self.of_vessel:
                for name in names:
                    self.earlier.pop((name, mmsi), None)

    # -- detections ---------------------------------------------------------------------------

    def apply(self, detections: Iterable[Detection]) -> list[Alert]:
        """Alerts changed by a batch's detections, in the detections' order."""
        out: list[Alert] = []
        for d in detections:
            out += self._apply(d)
        return out

    def _apply(self, d: Detection) -> list[Alert]:
        key = dedup_key(d.rule, d.mmsi, d.zone_id, d.other_mmsi)
        e = self.entries.get(key)
        if d.disproved:
            if e is None or e.phase == "idle":
                return []
            was_open = e.phase in ("open", "acknowledged")
            e.phase, e.clearing, e.inhibited = "idle", None, False
            self.by_id.pop(e.alert_id, None)
            return [self._record(e, "retracted", d.time, note=d.message)] if was_open else []
        if d.active:
            if e is None:
                e = self.entries[key] = _Entry(key, self.scopes[d.rule], d)
                self.of_vessel.setdefault(d.mmsi, {})[key] = None
            self._live[key] = None
            if e.phase == "idle":
                if d.time < e.cooldown_until:
                    self.suppressed_by_cooldown += 1
                    return []
                e.phase, e.detection, e.start = "pending", d, d.started
                e.severity = d.severity
                return self._try_open(e, d.time)
            if e.phase == "pending":
                e.detection = d
                return self._try_open(e, d.time)
            e.clearing = None  # the condition holds again: no clear
            escalated = RANK[d.severity] > RANK[e.severity]
            e.detection = d
            if escalated:
                e.severity = d.severity
                return [self._record(e, e.phase, d.time)]  # same state, more severe
            return []
        if e is None or e.phase == "idle":
            return []
        if e.phase == "pending":
            e.phase, e.inhibited = "idle", False  # never opened: held back or too short
            return []
        e.clearing = d
        return self._try_clear(e, d.time)

    def _try_open(self, e: _Entry, now: float) -> list[Alert]:
        if e.inhibited or now - e.start < e.scope.persist_minutes * 60.0:
            return []
        mmsi = e.detection.mmsi
        if any(
            other.phase in ("open", "acknowledged") and other.scope.name in e.scope.inhibited_by
            for other in self._vessel_entries(mmsi)
        ):  # fmt: skip
            self.inhibited += 1
            e.inhibited = True
            return []
        e.phase, e.ack = "open", {}
        e.alert_id = str(uuid.uuid5(ALERT_NAMESPACE, f"{e.key}|{e.start!r}"))
        self.by_id[e.alert_id] = e.key
        e.earlier = self.earlier.get((e.scope.name, mmsi), 0)
        self.earlier[(e.scope.name, mmsi)] = e.earlier + 1
        out = [self._record(e, "open", now)]
        for other in self._vessel_entries(mmsi):
            if other.phase in ("open", "acknowledged") and e.scope.name in other.scope.inhibited_by:
                other.phase, other.clearing, other.inhibited = "pending", None, True
                self.inhibited += 1
                self.by_id.pop(other.alert_id, None)
                note = f"superseded by {e.scope.name} alert {e.alert_id}"
                out.append(self._record(other, "cleared", now, note=note))
        return out

    def _try_clear(self, e: _Entry, now: float) -> list[Alert]:
        d = e.clearing
        if d is None or now - d.time < e.scope.clear_after_minutes * 60.0:
            return []
        acknowledged = e.phase == "acknowledged"
        e.phase, e.clearing = "idle", None
        self.by_id.pop(e.alert_id, None)
        if acknowledged:
            e.cooldown_until = now + e.scope.cooldown_minutes * 60.0
        return [self._record(e, "cleared", now, ended=d)]

    def _vessel_entries(self, mmsi: int) -> list[_Entry]:
        return [self.entries[k] for k in self.of_vessel.get(mmsi, ())]

    # -- time and people ----------------------------------------------------------------------

    def tick(self, watermark: float) -> list[Alert]:
        """Open what has persisted long enough and clear what has been gone long enough."""
        self.watermark = max(self.watermark, watermark)
        out: list[Alert] = []
        for key in list(self._live):
            e = self.entries[key]
            if e.phase == "pending":
                out += self._try_open(e, watermark)
            elif e.clearing is not None:
                out += self._try_clear(e, watermark)
            elif e.phase == "idle" and e.cooldown_until < watermark:
                del self._live[key]
                del self.entries[key]
                keys = self.of_vessel[e.detection.mmsi]
                del keys[key]
                if not keys:
                    del self.of_vessel[e.detection.mmsi]
        return out

    def acknowledge(self, alert_id: str, by: str, at: float, note: str | None = None) -> Alert:
        """Record that a person has taken an open alert in hand (``alert_id`` may be the first
        characters of the id, as consoles show it, when they name one open alert)."""
        key = self.by_id.get(alert_id)
        if key is None and len(alert_id) >= 6:
            matches = [k for i, k in self.by_id.items() if i.startswith(alert_id)]
            key = matches[0] if len(matches) == 1 else None
        if key is None:
            raise AlertNotFoundError(f"no open alert has the id {alert_id}")
        e = self.entries[key]
        alert_id = e.alert_id
        if e.phase == "acknowledged":
            raise AlreadyAcknowledgedError(
                alert_id, e.ack["acknowledged_by"], e.ack["acknowledged_at"]
            )
        e.phase = "acknowledged"
        e.ack = {"acknowledged_by": by, "acknowledged_at": iso(at), "note": note}
        # ``at`` is a person's clock: in a replay it is years past the events, and any later
        # state would be dated by it (updates never go back). Event time stays the record's.
        return self._record(e, "acknowledged", self.watermark, actor=by, note=note)

    # -- records -------------------------------------------------------------------------------

    def _record(
        self, e: _Entry, state: AlertState, time: float, *, actor: str | None = None,
        note: str | None = None, ended: Detection | None = None,
    ) -> Alert:  # fmt: skip
        d = e.detection
        time = max(time, e.last_updated)
        e.last_updated = time
        vessel = _in_words(self.vessel(d.mmsi))
        lat = None if d.lat is None else round(d.lat, 6)
        lon = None if d.lat is None or d.lon is None else round(d.lon, 6)
        zone = self.zones.get(d.zone_id) if d.zone_id else None
        evidence = dict(d.evidence)
        message = d.message
        if ended is not None:
            evidence.update(ended.evidence)
            message = ended.message if ended.evidence else f"{d.message}; cleared: {ended.message}"
        elif state == "retracted":
            message = f"retracted: {note}"
        elif state == "cleared" and note:
            message = f"{d.message}; cleared: {note}"
        body: dict[str, object] = {
            "alert_id": e.alert_id,
            "dedup_key": e.key,
            "rule": e.scope.name,
            "severity": e.severity,
            "state": state,
            "start": iso(e.start),
            "updated": iso(time),
            "mmsi": d.mmsi,
            "vessel": vessel,
            **({} if d.other_mmsi is None else {
                "other_mmsi": d.other_mmsi, "other_vessel": _in_words(self.vessel(d.other_mmsi))}),
            "position": None if lat is None else {"lat": lat, "lon": lon, "time": iso(d.time)},
            "zone": None if zone is None else _zone_part(zone),
            "evidence": evidence,
            "track": [[iso(t), round(lat, 6), round(lon, 6)] for t, lat, lon in
                      self.track(d.mmsi)],
            "message": message,
            "earlier_alerts": e.earlier,
            **e.ack,
        }  # fmt: skip
        if note is not None and "note" not in e.ack:
            body["note"] = note
        # Added for the watch officer (after the contract's fields, which stay as they were).
        body["nearest_place"] = (
            None if lat is None or lon is None else self.places.nearest(lat, lon)
        )
        if state == "cleared":
            body["cleared_at"] = self._cleared_at(d.mmsi, ended)
        return Alert(
            alert_id=e.alert_id, dedup_key=e.key, rule=e.scope.name, severity=e.severity,
            state=state, start=e.start, updated=time, mmsi=d.mmsi, zone_id=d.zone_id,
            message=message, body=body, actor=actor, note=note, lat=lat, lon=lon,
            shipname=_typed(vessel.get("name"), str), imo=_typed(vessel.get("imo"), int),
            ship_type=_typed(vessel.get("ship_type"), int), other_mmsi=d.other_mmsi,
        )  # fmt: skip

    def _cleared_at(self, mmsi: int, ended: Detection | None) -> dict[str, object] | None:
        """Where the vessel was when its alert cleared: the detection that ended the condition,
        else (a clear by supersession) the vessel's latest fix; None when neither has one."""
        if ended is not None and ended.lat is not None and ended.lon is not None:
            time, lat, lon = ended.time, ended.lat, ended.lon
        else:
            track = self.track(mmsi)
            if not track:
                return None
            time, lat, lon = track[-1]
        lat, lon = round(lat, 6), round(lon, 6)
        near = self.places.nearest(lat, lon)
        return {"lat": lat, "lon": lon, "time": iso(time), "nearest_place": near}


def _in_words(vessel: dict[str, Any]) -> dict[str, Any]:
    """The vessel part with its ship type and navigational status in words beside the codes
    (added only where a code is known)."""
    out = dict(vessel)
    if "ship_type" in vessel:
        out["ship_type_text"] = ship_type_words(_typed(vessel.get("ship_type"), int))
    if "nav_status" in vessel:
        out["nav_status_text"] = nav_status_words(_typed(vessel.get("nav_status"), int))
    return out


# What a cable's or pipeline's alert names besides the zone itself, where the catalogue has it.
ASSET_FACTS: Final = ("owners", "operator", "landing_points")


def _zone_part(zone: Zone) -> dict[str, object]:
    """The zone of an alert: id, name and kind, and for a cable or pipeline who owns it and
    where it lands, when the zone's source says so (nothing is made up)."""
    part: dict[str, object] = {"id": zone.id, "name": zone.name, "kind": zone.kind}
    if zone.kind in LINEAR_KINDS:
        for key in ASSET_FACTS:
            value = zone.properties.get(key)
            if value:
                part[key] = value
    return part


def _typed(value: object, kind: type[T]) -> T | None:
    """A described vessel's field, when it is of its type (not a bool posing as an int)."""
    return value if isinstance(value, kind) and not isinstance(value, bool) else None
