"""Partner feeds, the pure part: a batch of the pipeline's output in, what each partner may
receive out, redacted and released on event time.

:class:`FeedSet` takes what the pipeline made of a batch (positions, statics, alerts, and the
decoded messages' sentences for raw NMEA) with the pipeline's watermark, and returns one
:class:`FeedRelease` per partner. No I/O and no wall clock: a feed's delay holds records until
the watermark (event time) has moved past their time by the delay, so a replay releases the
same records at the same points of the recording.

Positions are shared for vessels only (not base stations, aids to navigation or SAR aircraft),
and only with a time and a fix. Alerts are shared when their rule is the partner's and their
vessel is one the partner may see where the alert places it; once an alert was given to a
partner, its later states follow it (so the partner can close it), with the position and track
left out if the vessel is no longer the partner's to see. Acknowledgements are mda's own
workflow: a partner sees acknowledged alerts as open, and the acknowledgement itself not at all.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from mda.feeds.filter import NO_TYPE, Bools, PartnerFilter
from mda.feeds.nmea import GROUP_IDS, POSITION_TYPES, SHARED_TYPES, bare_sentence, tagged_sentences
from mda.feeds.precision import error_circles_m, round_positions
from mda.feeds.redact import redact_alert_body
from mda.ingest.message import RawMessage
from mda.model import VESSEL, Alert, Position
from mda.pipeline import PipelineOutput
from mda.settings.feed_spec import FeedsConfig, FeedSpec
from mda.settings.feeds import check_feeds
from mda.tracks import Tracks
from mda.vessel_state import VesselState
from mda.zones.index import Membership, ZoneIndex

DEFAULT_MAX_HELD = 1_000_000
# Fix times of vessels the pipeline's vessel state forgot are forgotten too, looked for once an
# hour of event time.
EVICT_EVERY_S = 3600.0
_NOTHING_KNOWN = VesselState(0)


class SharedPosition(NamedTuple):
    """A vessel position as a partner receives it (rounded, without receiving stations)."""

    time: float
    mmsi: int
    lat: float
    lon: float
    sog: float | None
    cog: float | None
    heading: int | None
    nav_status: int | None
    shipname: str | None
    callsign: str | None
    imo: int | None
    ship_type: int | None
    destination: str | None
    ce_m: float  # error circle: the fix's accuracy and the rounding, metres
    interval_s: float | None  # since the vessel's previous fix (None: unknown)


class SharedAlert(NamedTuple):
    """An alert state as a partner receives it; ``body`` is the published JSON."""

    alert_id: str  # the partner's id of the alert
    rule: str
    severity: str
    state: str
    time: float  # event time of this state
    mmsi: int | None
    lat: float | None
    lon: float | None
    ship_type: int | None
    shipname: str | None
    message: str
    body: dict[str, Any]


@dataclass(slots=True)
class FeedRelease:
    """What one partner receives from one step, in event-time order."""

    partner: str
    positions: list[SharedPosition] = field(default_factory=list)
    alerts: list[SharedAlert] = field(default_factory=list)
    nmea: list[bytes] = field(default_factory=list)  # tag-blocked sentences

    def __bool__(self) -> bool:
        return bool(self.positions or self.alerts or self.nmea)


@dataclass(slots=True)
class FeedCounts:
    """What a feed shared and held back, for figures and tests."""

    positions: int = 0
    alerts: int = 0
    nmea_sentences: int = 0
    withheld_positions: int = 0  # not the partner's to see
    withheld_alerts: int = 0
    dropped_held: int = 0  # the delay's buffer was full (counted, never silent)


class _Batch(NamedTuple):
    """A batch's vessel positions as arrays, shared by every feed."""

    positions: list[Position]
    mmsi: np.ndarray[Any, np.dtype[np.int64]]
    imo: np.ndarray[Any, np.dtype[np.int64]]
    ship_type: np.ndarray[Any, np.dtype[np.int64]]
    lat: np.ndarray[Any, np.dtype[np.float64]]
    lon: np.ndarray[Any, np.dtype[np.float64]]
    accurate: np.ndarray[Any, np.dtype[np.bool_]]
    intervals: list[float | None]
    membership: Membership | None


class PartnerFeed:
    """One partner's feed: its filter, the records its delay holds, what it was given."""

    def __init__(self, spec: FeedSpec, index: ZoneIndex | None, max_held: int) -> None:
        self.spec = spec
        self.index = index
        self.filter = PartnerFilter(spec, index.zones if index is not None else [])
        self.counts = FeedCounts()
        self._max_held = max_held
        self._held: list[tuple[float, int, SharedPosition | SharedAlert]] = []
        self._seq = 0
        self._waters: dict[int, bool] = {}  # MMSI -> in the partner's waters at its last fix
        self._given: set[str] = set()  # alerts given to the partner and not yet ended
        self._group = 0

    @property
    def held(self) -> int:
        """Records waiting for event time to pass their delay."""
        return len(self._held)

    # -- positions --------------------------------------------------------------------------

    def take_positions(self, batch: _Batch, vessels: Tracks) -> tuple[
        list[SharedPosition], Bools
    ]:  # fmt: skip
        """The batch's positions the partner may see, redacted; and the decision per row."""
        waters = self.filter.in_waters(batch.lon, batch.lat, batch.membership)
        self._waters.update(zip(batch.mmsi.tolist(), waters.tolist(), strict=True))
        has_fix = np.isfinite(batch.lat) & np.isfinite(batch.lon)
        ok = self.filter.entitled(batch.mmsi, batch.imo, batch.ship_type, waters) & has_fix
        rows = np.flatnonzero(ok)
        precision = self.spec.precision
        lat, lon = round_positions(batch.lat[rows], batch.lon[rows], precision)
        ce = error_circles_m(batch.lat[rows], batch.accurate[rows], precision)
        out = []
        for i, r_lat, r_lon, c in zip(rows.tolist(), lat.tolist(), lon.tolist(), ce.tolist(),
                                      strict=True):  # fmt: skip
            p = batch.positions[i]
            facts = vessels.vessels.get(p.mmsi) or _NOTHING_KNOWN
            out.append(SharedPosition(
                p.time, p.mmsi, r_lat, r_lon, p.sog, p.cog, p.heading, p.nav_status,  # type: ignore[arg-type]
                facts.shipname, facts.callsign, facts.imo, facts.ship_type, facts.destination,
                c, batch.intervals[i],
            ))  # fmt: skip
        self.counts.withheld_positions += len(ok) - len(out)
        return out, ok

    # -- alerts -----------------------------------------------------------------------------

    def take_alert(self, alert: Alert, vessels: Tracks) -> SharedAlert | None:
        """The alert as the partner receives it, or None if it is not theirs."""
        spec = self.spec
        mmsi = alert.mmsi
        if not spec.shares_rule(alert.rule) or mmsi is None or alert.actor is not None:
            return None
        facts = vessels.vessels.get(mmsi) or _NOTHING_KNOWN
        imo = facts.imo if facts.imo is not None else alert.imo
        ship_type = facts.ship_type if facts.ship_type is not None else alert.ship_type
        if self.filter.never(mmsi, imo):
            return None
        other = alert.other_mmsi
        show_other = False
        if other is not None:
            other_facts = vessels.vessels.get(other) or _NOTHING_KNOWN
            if self.filter.never(other, other_facts.imo):
                return None  # the alert is about the pair: never-share wins
            show_other = self.filter.vessel_entitled(
                other, other_facts.imo, other_facts.ship_type, self._waters.get(other, False)
            )
        if alert.lat is not None and alert.lon is not None:
            waters = self._in_waters(alert.lat, alert.lon)
        else:
            waters = self._waters.get(mmsi, False)
        entitled = self.filter.vessel_entitled(mmsi, imo, ship_type, waters)
        given = alert.alert_id in self._given
        if not entitled and not given:
            return None
        if alert.state in ("cleared", "retracted"):
            self._given.discard(alert.alert_id)
        else:
            self._given.add(alert.alert_id)
        # The partner sees every fix of an always-share vessel, so all of its track too.
        always = spec.always_share.names(mmsi, imo)
        shared = redact_alert_body(
            alert.body, partner=spec.partner, precision=spec.precision,
            visible=_everywhere if always else self._in_waters,
            show_position=entitled, show_other_vessel=show_other, strip=spec.alert_strip,
        )  # fmt: skip
        position = shared.get("position")
        lat = lon = None
        if isinstance(position, dict):  # the redacted position, rounded as positions are
            lat, lon = _float_or_none(position.get("lat")), _float_or_none(position.get("lon"))
        return SharedAlert(
            str(shared["alert_id"]), alert.rule, alert.severity, str(shared["state"]),
            alert.updated, mmsi, lat, lon, ship_type,
            alert.shipname if alert.shipname is not None else facts.shipname, alert.message,
            shared,
        )  # fmt: skip

    def _in_waters(self, lat: float, lon: float) -> bool:
        """Whether one point is in the partner's waters (track points, alert positions)."""
        lons, lats = np.array([lon], dtype=np.float64), np.array([lat], dtype=np.float64)
        membership = None
        if self.filter.uses_zones and self.index is not None:
            membership = self.index.locate(lons, lats)
        return bool(self.filter.in_waters(lons, lats, membership)[0])

    # -- raw NMEA ---------------------------------------------------------------------------

    def take_messages(
        self, messages: Sequence[RawMessage], shown: dict[tuple[int, int, float | None], bool],
        vessels: Tracks,
    ) -> list[bytes]:  # fmt: skip
        """Sentences of the messages the partner may see. A position report is shared when its
        decoded position was (``shown``, keyed by MMSI, type and time; a report that did not
        decode into a position is not); a static report that decoded when the vessel's last fix
        was."""
        out: list[bytes] = []
        for m in messages:
            mmsi, msg_type = m.mmsi, m.msg_type
            if msg_type not in SHARED_TYPES:
                continue
            if msg_type in POSITION_TYPES:
                if not shown.get((mmsi, msg_type, m.time), False):
                    continue
            else:
                facts = vessels.vessels.get(mmsi) or _NOTHING_KNOWN
                waters = self._waters.get(mmsi, not self.spec.restricted_to_areas)
                if not self.filter.vessel_entitled(mmsi, facts.imo, facts.ship_type, waters):
                    continue
            sentences = [s for s in map(bare_sentence, m.raws) if s is not None]
            if len(sentences) != len(m.raws):
                continue
            if len(sentences) > 1:
                self._group = self._group % (GROUP_IDS - 1) + 1
            out += tagged_sentences(sentences, m.time, self._group)
        self.counts.nmea_sentences += len(out)
        return out

    # -- the delay --------------------------------------------------------------------------

    def release(
        self, positions: list[SharedPosition], alerts: list[SharedAlert], watermark: float
    ) -> FeedRelease:
        """Hold what the delay holds; hand out what event time has released."""
        out = FeedRelease(self.spec.partner)
        delay = self.spec.delay_s
        if delay <= 0:
            out.positions, out.alerts = positions, alerts
        else:
            records: list[SharedPosition | SharedAlert] = [*positions, *alerts]
            for record in records:
                if len(self._held) >= self._max_held:
                    self.counts.dropped_held += 1
                    continue
                self._seq += 1
                heapq.heappush(self._held, (record.time + delay, self._seq, record))
            while self._held and self._held[0][0] <= watermark:
                record = heapq.heappop(self._held)[2]
                if isinstance(record, SharedPosition):
                    out.positions.append(record)
                else:
                    out.alerts.append(record)
        self.counts.positions += len(out.positions)
        self.counts.alerts += len(out.alerts)
        return out


class FeedSet:
    """Every partner feed, fed from the pipeline's output one batch at a time: one per process,
    whose releases go to the partners' transports and to the HTTP API's partner views alike."""

    def __init__(
        self, config: FeedsConfig, index: ZoneIndex | None, vessels: Tracks, *,
        rules: Collection[str] | None = None, max_held: int = DEFAULT_MAX_HELD,
    ) -> None:  # fmt: skip
        """``index`` is the pipeline's zone index (needed by feeds that name zones),
        ``vessels`` its vessel state (who each vessel is) and ``rules`` the names of its rules:
        zones and rules a feed names must exist (ConfigError). ``max_held`` bounds each delayed
        feed's buffer (beyond it records are dropped and counted)."""
        if index is not None:
            check_feeds(config, dict.fromkeys(index.zone_ids), rules)
        self.config = config
        self.index = index
        self.vessels = vessels
        self._last_fix: dict[int, float] = {}  # MMSI -> time of its latest fix (intervals)
        self._evicted_at = -math.inf
        self.feeds = [PartnerFeed(spec, index, max_held) for spec in config.feeds]
        self._nmea = [f for f in self.feeds if "nmea" in f.spec.formats]

    @property
    def wants_messages(self) -> bool:
        """Whether :meth:`step` needs the batch's decoded messages' sentences (a raw NMEA
        feed)."""
        return bool(self._nmea)

    def step(self, out: PipelineOutput, watermark: float) -> list[FeedRelease]:
        """What each partner receives from one step's output, the pipeline's vessel state
        already advanced by it (feeds with nothing to send included)."""
        if watermark - self._evicted_at >= EVICT_EVERY_S:  # as vessel state does, by event time
            known = self.vessels.vessels
            for mmsi in [m for m in self._last_fix if m not in known]:
                del self._last_fix[mmsi]
            self._evicted_at = watermark
        batch = self._batch(out.positions, out.zones)
        alerts, messages = out.alerts, out.messages
        releases = []
        for feed in self.feeds:
            shared, ok = feed.take_positions(batch, self.vessels)
            taken = [s for s in (feed.take_alert(a, self.vessels) for a in alerts) if s]
            feed.counts.withheld_alerts += len(alerts) - len(taken)
            release = feed.release(shared, taken, watermark)
            if messages and feed in self._nmea:
                release.nmea = feed.take_messages(messages, _shown(batch, ok), self.vessels)
            releases.append(release)
        return releases

    def _batch(self, positions: Sequence[Position], zones: Membership) -> _Batch:
        rows = [i for i, p in enumerate(positions) if p.kind == VESSEL and p.time is not None]
        vessels = [positions[i] for i in rows]
        known = self.vessels.vessels
        facts = [known.get(p.mmsi) for p in vessels]
        lat = np.array([math.nan if p.lat is None else p.lat for p in vessels], dtype=np.float64)
        lon = np.array([math.nan if p.lon is None else p.lon for p in vessels], dtype=np.float64)
        return _Batch(
            vessels,
            np.array([p.mmsi for p in vessels], dtype=np.int64),
            np.array([NO_TYPE if f is None or f.imo is None else f.imo for f in facts],
                     dtype=np.int64),
            np.array([NO_TYPE if f is None or f.ship_type is None else f.ship_type
                      for f in facts], dtype=np.int64),
            lat,
            lon,
            np.array([bool(p.accuracy) for p in vessels], dtype=np.bool_),
            [self._interval(p.mmsi, p.time) for p in vessels],  # type: ignore[arg-type]
            _rows_zones(zones, rows, len(positions)),
        )  # fmt: skip

    def _interval(self, mmsi: int, time: float) -> float | None:
        """Seconds since the vessel's previous fix (None for its first, or a late fix); the
        fix becomes the latest when it is newer."""
        last = self._last_fix.get(mmsi)
        if last is None or time > last:
            self._last_fix[mmsi] = time
        if last is None or time <= last:
            return None
        return time - last


def _rows_zones(zones: Membership, rows: list[int], count: int) -> Membership:
    """The zones of the positions a feed considers (``rows`` of ``count`` positions), their
    points renumbered to those rows."""
    row_of = np.full(count, -1, dtype=np.int64)
    row_of[np.array(rows, dtype=np.int64)] = np.arange(len(rows), dtype=np.int64)
    point = row_of[zones.point]
    kept = point >= 0
    return Membership(point[kept], zones.zone[kept], zones.zone_ids)


def _shown(batch: _Batch, ok: Bools) -> dict[tuple[int, int, float | None], bool]:
    """Decision per (MMSI, type, time) of a batch; reports sharing a key must all be shown."""
    shown: dict[tuple[int, int, float | None], bool] = {}
    for p, decision in zip(batch.positions, ok.tolist(), strict=True):
        key = (p.mmsi, p.msg_type, p.time)
        shown[key] = shown.get(key, True) and decision
    return shown


def _everywhere(lat: float, lon: float) -> bool:
    return True


def _float_or_none(value: Any) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None

