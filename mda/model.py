"""Core records that flow through mda: what a vessel reported, decoded and normalised.

Records are immutable named tuples: slotted, typed, and cheap to build in bulk (the batch
decoder makes them with ``tuple.__new__`` straight from columns). Field names follow the
decoded-record contract of DESIGN.md; ITU "not available" values are ``None``, never the
sentinel. Times are UTC seconds since the Unix epoch (``float``), or ``None`` when no source of
time was available; the shells turn them into ISO 8601 at the edges.

``receivers`` is the one mutable part: the list of receivers that heard the message, shared
with duplicate suppression, which adds to it when another receiver hears the same message.

Every record says which clock gave its time (``clock``: a tag block, a Gatehouse wrapper, a
trailing epoch, the recorder's own GPS sentences, the arrival stamp ...) and how far that time
can be trusted (``time_quality``, see ``mda.ingest.clocks``): rules judge movement only between
fixes whose time agrees with the message's own UTC second or was repaired from it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, Literal, NamedTuple, TypeAlias

StationKind: TypeAlias = Literal["vessel", "sar_aircraft", "base_station", "aid_to_navigation"]
# Where a record's time came from (``mda.ingest.clocks`` has the list) and how it was judged.
TimeQuality: TypeAlias = Literal["agrees", "repaired", "unchecked", "suspect"]

VESSEL: Final = "vessel"
SAR_AIRCRAFT: Final = "sar_aircraft"
BASE_STATION: Final = "base_station"
AID_TO_NAVIGATION: Final = "aid_to_navigation"


class Position(NamedTuple):
    """A position report (AIS types 1, 2, 3, 4, 9, 18, 19, 21, 27)."""

    time: float | None
    mmsi: int
    msg_type: int
    lat: float | None
    lon: float | None
    sog: float | None
    cog: float | None
    heading: int | None
    nav_status: int | None
    rot: float | None
    accuracy: bool | None
    source: str
    kind: StationKind = "vessel"
    # UTC second of the fix as reported by the transponder (0-59); 60-63 mean "not available"
    # or a degraded positioning mode and become None.
    second: int | None = None
    # Raw rate-of-turn code: keeps +/-127 ("turning fast, no turn indicator"), which has no
    # value in degrees per minute and so leaves ``rot`` None.
    rot_raw: int | None = None
    altitude_m: int | None = None
    aid_type: int | None = None
    receivers: Sequence[str] = ()
    clock: str | None = None
    time_quality: TimeQuality | None = None
    # The track segment the tracker put this fix on (vessels only): two transmitters sharing
    # one MMSI, or a track resumed after a long silence, are separate segments.
    segment: int | None = None


class VesselStatic(NamedTuple):
    """Identity and voyage data (AIS types 5, 19, 21, 24 A/B); absent fields are None."""

    time: float | None
    mmsi: int
    msg_type: int
    shipname: str | None = None
    callsign: str | None = None
    imo: int | None = None
    ship_type: int | None = None
    to_bow: int | None = None
    to_stern: int | None = None
    to_port: int | None = None
    to_starboard: int | None = None
    draught: float | None = None
    destination: str | None = None
    # Estimated time of arrival as the transponder gives it: month, day, hour and minute with
    # no year ("MM-DDTHH:MM"); None when any part is "not available".
    eta: str | None = None
    epfd: int | None = None
    source: str = ""
    # Type 24 part ("A" or "B"); None for the other types.
    part: str | None = None
    receivers: Sequence[str] = ()
    clock: str | None = None
    time_quality: TimeQuality | None = None


Record: TypeAlias = Position | VesselStatic


class ZoneEvent(NamedTuple):
    """A vessel entering or leaving a zone, at the first position inside or outside."""

    time: float
    mmsi: int
    zone_id: str
    event: Literal["enter", "exit"]
    lat: float | None
    lon: float | None


class ZoneHour(NamedTuple):
    """A vessel present in a zone during an hour (first and last position time)."""

    hour: float  # start of the hour, epoch seconds
    zone_id: str
    mmsi: int
    first_time: float
    last_time: float


Severity: TypeAlias = Literal["alarm", "warning", "caution"]
AlertState: TypeAlias = Literal["open", "acknowledged", "cleared", "retracted"]


class Alert(NamedTuple):
    """One state of an alert, as stored and published (the DESIGN alert contract).

    ``body`` is the whole alert as published (vessel, position, zone, evidence, track ...);
    the other fields are what the store indexes. ``actor`` and ``note`` record who changed the
    state (an acknowledgement) and why. The last fields are what ``body`` says of the vessel and
    where it was, typed, for those who decide on them (partner feeds) without reading ``body``.
    """

    alert_id: str
    dedup_key: str
    rule: str
    severity: Severity
    state: AlertState
    start: float
    updated: float
    mmsi: int | None
    zone_id: str | None
    message: str
    body: dict[str, object]
    actor: str | None = None
    note: str | None = None
    lat: float | None = None  # the alert's position as published (6 decimals)
    lon: float | None = None
    shipname: str | None = None  # the vessel as described when this state was made
    imo: int | None = None
    ship_type: int | None = None
    other_mmsi: int | None = None  # the other vessel of an alert about two
