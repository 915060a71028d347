"""Cursor on Target: partner releases as CoT 2.0 event XML for a TAK server. Pure.

A vessel is one track, uid ``MDA-AIS-{mmsi}``, of a surface type from its AIS ship type
(:mod:`mda.feeds.cot_types`) with the feed's affiliation, ``how="m-g"`` (machine, GPS-derived).
``time`` and ``start`` are the fix's event time. ``stale`` is three report intervals after it
(the time since the vessel's previous fix, three minutes when unknown), kept between one minute
and an hour, plus the feed's delay, so a delayed track is not stale on arrival. Only the latest
fix of each vessel in a release becomes an event: a TAK map shows one symbol per uid.

``<point>``: height unknown (``hae``/``le`` 9999999.0), ``ce`` the error circle of the fix and
its rounding. ``<detail>``: ``<contact callsign>`` the ship's name (else its MMSI),
``<track course speed>`` (degrees, metres per second), ``<remarks>`` in words.

A track always carries both ``course`` and ``speed``, as MITRE's CoT track schema requires:
takproto and TAK servers read a missing one as 0, a vessel heading due north. A vessel of
unknown speed has no track. One of unknown course (moored, anchored) gets ``course="0.0"``
when it is slower than the speed at which ATAK turns a symbol to its course, so nothing is
drawn; TAK clients send "course unknown" that way. A vessel moving at an unknown course has
no track either: any course would draw an arrow that is not there. The remarks keep its speed.

An alert is a map marker (``b-m-p-s-m``), uid ``MDA-ALERT-{partner's alert id}``, at the
alert's (rounded) position, linked to the vessel's track by ``<link relation="p-p">``, coloured
by severity; never an emergency (``b-a-o-*``) type, which would sound alarms on every partner
device for what is a possible behaviour. While open it stays a day; when cleared or retracted
it is sent once more, already stale, so TAK clients drop it.
"""

from __future__ import annotations

from typing import Final
from xml.sax.saxutils import escape, quoteattr

from mda.feeds.core import FeedRelease, SharedAlert, SharedPosition
from mda.feeds.cot_types import NAV_STATUS, ship_type_name, surface_type
from mda.feeds.isotime import iso_ms
from mda.feeds.precision import error_circle_m
from mda.geo import KNOT_MS
from mda.settings.feed_spec import FeedSpec

UNKNOWN_HEIGHT: Final = "9999999.0"
DEFAULT_INTERVAL_S: Final = 180.0
STALE_INTERVALS: Final = 3.0
STALE_MIN_S: Final = 60.0
STALE_MAX_S: Final = 3600.0
ALERT_MARKER: Final = "b-m-p-s-m"
IDENTITY_TYPE: Final = "a-f-G-E-S"  # friendly ground equipment, sensor: a fusion service
OPEN_ALERT_STALE_S: Final = 24 * 3600.0
# ATAK draws a track's heading only above 3 mph (its TrackDetailHandler): below it a course
# of 0 shows nothing, which is how an unknown course is sent.
HEADING_SHOWN_MS: Final = 1.34112
# ARGB colours as TAK reads them (signed 32-bit): red, orange, yellow.
SEVERITY_ARGB: Final = {"alarm": -65536, "warning": -23296, "caution": -256}
# Events are written from a template rather than an XML tree: a busy feed sends thousands a
# second, and the shape is fixed. Every value from data is escaped (quoteattr, escape).
_EVENT: Final = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<event version="2.0" uid="{uid}" type="{kind}" how="m-g" time="{time}" start="{time}" '
    'stale="{stale}"><point lat="{lat}" lon="{lon}" hae="9999999.0" ce="{ce:.1f}" '
    'le="9999999.0"/><detail>{detail}</detail></event>'
)


def identity_uid(partner: str) -> str:
    """The uid mda goes by on a partner's TAK server."""
    return f"MDA-FEED-{partner}"


def identity_event(uid: str, callsign: str, now: float) -> bytes:
    """The event that opens a connection to a TAK server: who is connecting. FreeTAKServer
    takes a connection's first event as the client's identity (uid and contact callsign) and
    refuses a connection whose first read holds anything else. mda has no position of its own:
    the point is unknown (0, 0 with unknown errors) and the event is stale when sent, so TAK
    clients, which drop stale events, draw nothing at 0, 0."""
    detail = f"<contact callsign={quoteattr(callsign)}/><remarks>mda feed</remarks>"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<event version="2.0" uid={quoteattr(uid)} type="{IDENTITY_TYPE}" how="m-g" '
        f'time="{iso_ms(now)}" start="{iso_ms(now)}" stale="{iso_ms(now)}"><point lat="0" lon="0" '
        f'hae="{UNKNOWN_HEIGHT}" ce="{UNKNOWN_HEIGHT}" le="{UNKNOWN_HEIGHT}"/>'
        f"<detail>{detail}</detail></event>"
    ).encode()


def track_uid(mmsi: int) -> str:
    """The uid of a vessel's track."""
    return f"MDA-AIS-{mmsi}"


def stale_after_s(interval_s: float | None) -> float:
    """How long a fix stays current: three report intervals, within a minute and an hour."""
    interval = DEFAULT_INTERVAL_S if interval_s is None else interval_s
    return min(STALE_MAX_S, max(STALE_MIN_S, STALE_INTERVALS * interval))


def position_event(p: SharedPosition, affiliation: str = "u", delay_s: float = 0.0) -> bytes:
    """The CoT event of one vessel position."""
    detail = f"<contact callsign={quoteattr(p.shipname or f'MMSI {p.mmsi}')}/>"
    detail += track_element(p.cog, p.sog)
    detail += f"<remarks>{escape(_track_remarks(p))}</remarks>"
    return _EVENT.format(
        uid=track_uid(p.mmsi), kind=surface_type(p.ship_type, affiliation), time=iso_ms(p.time),
        stale=iso_ms(p.time + delay_s + stale_after_s(p.interval_s)), lat=_degrees(p.lat),
        lon=_degrees(p.lon), ce=p.ce_m, detail=detail,
    ).encode()  # fmt: skip


def track_element(cog: float | None, sog: float | None) -> str:
    """``<track>`` with both course and speed, or nothing (see the module's notes)."""
    if sog is None:
        return ""
    speed_ms = sog * KNOT_MS
    if cog is None:
        if speed_ms > HEADING_SHOWN_MS:
            return ""
        course = 0.0
    else:
        # 359.96 would print as 360.0: the same course as 0.0, which no reader refuses.
        course = round(cog, 1) % 360.0
    return f'<track course="{course:.1f}" speed="{speed_ms:.2f}"/>'


def _track_remarks(p: SharedPosition) -> str:
    parts = [f"MMSI {p.mmsi}"]
    if p.imo is not None:
        parts.append(f"IMO {p.imo}")
    if p.callsign:
        parts.append(f"call sign {p.callsign}")
    kind = ship_type_name(p.ship_type)
    if kind:
        parts.append(f"{kind} (AIS type {p.ship_type})")
    if p.nav_status is not None and 0 <= p.nav_status < len(NAV_STATUS):
        parts.append(NAV_STATUS[p.nav_status])
    if p.sog is not None:
        parts.append(f"{p.sog:.1f} kn")
    if p.destination:
        parts.append(f"bound for {p.destination}")
    return "; ".join(parts)


class CotEncoder:
    """Turns one partner's releases into CoT events; remembers where each open alert's marker
    is, to take it down when the alert ends even if its position is no longer shared."""

    def __init__(self, spec: FeedSpec) -> None:
        self.affiliation = spec.affiliation
        self.delay_s = spec.delay_s
        self.precision = spec.precision
        self._markers: dict[str, tuple[float, float]] = {}

    def events(self, release: FeedRelease) -> list[bytes]:
        """Events of a release: the latest fix of each vessel, then each alert state."""
        latest: dict[int, SharedPosition] = {}
        for p in release.positions:
            held = latest.get(p.mmsi)
            if held is None or p.time >= held.time:
                latest[p.mmsi] = p
        out = [position_event(p, self.affiliation, self.delay_s) for p in latest.values()]
        for alert in release.alerts:
            event = self.alert_event(alert)
            if event is not None:
                out.append(event)
        return out

    def alert_event(self, a: SharedAlert) -> bytes | None:
        """The marker of an alert state (None: an alert never placed, without a position)."""
        ended = a.state in ("cleared", "retracted")
        point = (a.lat, a.lon) if a.lat is not None and a.lon is not None else None
        if point is None:
            point = self._markers.get(a.alert_id)
        if point is None:
            return None
        if ended:
            self._markers.pop(a.alert_id, None)
        else:
            self._markers[a.alert_id] = point
        stale = a.time if ended else a.time + self.delay_s + OPEN_ALERT_STALE_S
        label = a.shipname or (f"MMSI {a.mmsi}" if a.mmsi is not None else "vessel")
        detail = f"<contact callsign={quoteattr(f'{a.rule}: {label}')}/>"
        if a.mmsi is not None:
            kind = surface_type(a.ship_type, self.affiliation)
            detail += f'<link uid="{track_uid(a.mmsi)}" type="{kind}" relation="p-p"/>'
        detail += f'<color argb="{SEVERITY_ARGB.get(a.severity, -256)}"/>'
        remarks = f"{a.severity.upper()} {a.rule} ({a.state}): {a.message}"
        detail += f"<remarks>{escape(remarks)}</remarks>"
        return _EVENT.format(
            uid=f"MDA-ALERT-{a.alert_id}", kind=ALERT_MARKER, time=iso_ms(a.time),
            stale=iso_ms(stale), lat=_degrees(point[0]), lon=_degrees(point[1]),
            ce=error_circle_m(point[0], None, self.precision), detail=detail,
        ).encode()  # fmt: skip


def _degrees(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".")
