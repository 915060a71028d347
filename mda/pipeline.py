"""The pure core: a batch of lines in; positions, statics, zone events and alerts out.

No I/O and no wall clock: the same lines give the same output, so a recording replayed twice
raises the same alerts with the same ids. Time advances by a watermark taken from the data
(and, in live mode, from clock ticks the shell feeds in through :meth:`Pipeline.tick`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from mda.alerts.lifecycle import AlertBook
from mda.ingest.core import Ingestor
from mda.ingest.message import AisMessage
from mda.ingest.stats import IngestStats
from mda.model import VESSEL, Alert, Position, Record, VesselStatic, ZoneEvent, ZoneHour
from mda.rules.base import BatchView
from mda.rules.engine import RuleEngine
from mda.rules.settings import load_rule_files
from mda.store.batch import StoreBatch
from mda.tracks import Tracks
from mda.zones.catalog import ZoneCatalog
from mda.zones.index import ZoneIndex
from mda.zones.presence import ZonePresence

# Rules' timers (silence, dwell, persistence) are checked each time event time moves on this
# much: the precision of timed alerts, traded against scanning vessel state too often.
TICK_S = 10.0
# A batch is handled in slices of at most this much event time (see _time_slices).
SLICE_S = 60.0
EVICT_EVERY_S = 3600.0
# A batch's watermark candidate ignores its single latest time: one fix with a wild clock
# must not fire every silence timer at once.
WATERMARK_QUANTILE = 99.0
# Live feeds: a fix stamped more than this ahead of its arrival does not move time on.
MAX_AHEAD_OF_ARRIVAL_S = 300.0


@dataclass(slots=True)
class PipelineOutput:
    """What one batch produced."""

    positions: list[Position] = field(default_factory=list)
    statics: list[VesselStatic] = field(default_factory=list)
    zone_events: list[ZoneEvent] = field(default_factory=list)
    zone_hours: list[ZoneHour] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    # The framed messages, only when ``Pipeline.keep_messages`` is set (raw NMEA feeds).
    messages: list[AisMessage] = field(default_factory=list)

    def store_batch(self) -> StoreBatch:
        """The records to write, as one store transaction."""
        return StoreBatch(
            self.positions, self.statics, self.zone_events, self.zone_hours, self.alerts
        )


class Pipeline:
    """Ingest, vessel state, zones, rules and alert lifecycle, joined."""

    def __init__(self, index: ZoneIndex, engine: RuleEngine, *,
                 duplicate_window_s: float | None = 10.0, stats: IngestStats | None = None,
                 stale_after_s: float = 48 * 3600.0) -> None:  # fmt: skip
        self.index = index
        self.keep_messages = False  # set when a raw NMEA partner feed needs the sentences
        self.engine = engine
        self.ingestor = Ingestor(stats, duplicate_window_s=duplicate_window_s)
        self.tracks = Tracks(stale_after_s=stale_after_s)
        self.presence = ZonePresence(index.zone_ids)
        self.book = AlertBook(
            engine.scopes, self.describe, self.recent_track, {z.id: z for z in index.zones}
        )
        self.watermark = float("-inf")
        self._next_tick = float("-inf")
        self._next_evict = float("-inf")

    @property
    def stats(self) -> IngestStats:
        """What ingest has counted (lines, messages, bad input)."""
        return self.ingestor.stats

    def process(
        self, lines: Iterable[bytes], feed: str, arrival: float | None = None
    ) -> PipelineOutput:
        """One batch of lines of one feed through every stage."""
        return self.process_records(self.ingestor.ingest(lines, feed, arrival), arrival)

    def process_batches(
        self, batches: Sequence[tuple[Iterable[bytes], str, float | None]]
    ) -> PipelineOutput:
        """Several batches (lines, feed, arrival) at once: each framed with its own feed and
        arrival time, then handled together. A live source hands over small read chunks,
        each stamped when it arrived; a service that fell behind joins them here."""
        arrivals = [arrival for _, _, arrival in batches if arrival is not None]
        kept: list[AisMessage] | None = [] if self.keep_messages else None
        records = self.ingestor.ingest_chunks(batches, kept)
        out = self.process_records(records, max(arrivals) if arrivals else None)
        if kept is not None:
            out.messages = kept
        return out

    def process_messages(
        self, messages: list[AisMessage], arrival: float | None = None
    ) -> PipelineOutput:
        """Messages framed elsewhere (a scale-out gateway did the framing) through decoding
        and every later stage: what a worker runs for its partitions."""
        out = self.process_records(self.ingestor.decoder.decode(messages), arrival)
        if self.keep_messages:
            out.messages = messages
        return out

    def process_records(
        self, records: Iterable[Record], arrival: float | None = None
    ) -> PipelineOutput:
        """Decoded records (from lines, or a JSON feed) through vessel state, zones and rules."""
        out = PipelineOutput()
        for record in records:
            if type(record) is Position:
                out.positions.append(record)
            else:
                out.statics.append(record)  # type: ignore[arg-type]
        self.tracks.apply_statics(out.statics)
        vessels = [p for p in out.positions if p.kind == VESSEL]
        parts = _time_slices(vessels)
        for part in parts:
            zone_events, zone_hours, alerts = self._vessels(part, out.statics, arrival)
            out.zone_events += zone_events
            out.zone_hours += zone_hours
            out.alerts += alerts
        if len(parts) > 1:
            out.zone_hours = _merged(out.zone_hours)
        return out

    def _vessels(
        self, vessels: list[Position], statics: list[VesselStatic], arrival: float | None
    ) -> tuple[list[ZoneEvent], list[ZoneHour], list[Alert]]:
        fixes = self.tracks.update(vessels)
        membership = self.index.locate(fixes.lon, fixes.lat)
        zone_events, zone_hours = self.presence.update(fixes, membership, self.tracks)
        self._advance(fixes.time[~fixes.late], arrival)
        view = BatchView(
            fixes, membership, self.index, self.tracks, self.watermark, statics, zone_events
        )
        alerts = self.book.apply(self.engine.observe(view))
        if self.watermark >= self._next_tick:
            alerts += self._timers()
        return zone_events, zone_hours, alerts

    def _advance(self, times: np.ndarray[Any, np.dtype[np.float64]], arrival: float | None) -> None:
        if not len(times):
            return
        candidate = float(np.percentile(times, WATERMARK_QUANTILE, method="lower"))
        if arrival is not None:
            candidate = min(candidate, arrival + MAX_AHEAD_OF_ARRIVAL_S)
        self.watermark = max(self.watermark, candidate)

    def tick(self, now: float) -> list[Alert]:
        """Live mode: the clock says event time has reached at least ``now``."""
        self.watermark = max(self.watermark, now)
        return self._timers() if self.watermark >= self._next_tick else []

    def _timers(self) -> list[Alert]:
        w = self.watermark
        if w == float("-inf"):
            return []  # no event time yet
        self._next_tick = w + TICK_S
        alerts = self.book.apply(self.engine.tick(w, self.tracks))
        alerts += self.book.tick(w)
        if w >= self._next_evict:
            self._next_evict = w + EVICT_EVERY_S
            self.engine.forget(self.tracks.evict(w))
        return alerts

    def acknowledge(self, alert_id: str, by: str, at: float, note: str | None = None) -> Alert:
        """A person takes an alert in hand (``at`` is their clock's time)."""
        return self.book.acknowledge(alert_id, by, at, note)

    def finish(self) -> None:
        """End of input: count what can no longer complete."""
        self.ingestor.finish()

    # -- what alerts say about a vessel ----------------------------------------------------------

    def describe(self, mmsi: int) -> dict[str, Any]:
        """The vessel part of an alert."""
        state = self.tracks.vessels.get(mmsi)
        if state is None:
            return {"mmsi": mmsi}
        return {
            "name": state.shipname, "callsign": state.callsign, "imo": state.imo,
            "ship_type": state.ship_type, "flag": state.flag, "length_m": state.length_m,
            "destination": state.destination,
        }  # fmt: skip

    def recent_track(self, mmsi: int) -> list[tuple[float, float, float]]:
        """Recent points of a vessel, ending with its latest fix."""
        state = self.tracks.vessels.get(mmsi)
        if state is None:
            return []
        points = state.recent_track()
        seg = state.current
        if seg is not None and (not points or points[-1][0] < seg.time):
            points.append((seg.time, seg.lat, seg.lon))
        return points


def _time_slices(positions: list[Position]) -> list[list[Position]]:
    """A batch cut into slices of at most ``SLICE_S`` of event time, in time order.

    A batch of a sparse recording can span an hour: handled in one piece, timers (silence,
    dwell) would fire only at its end. Dense batches (seconds of traffic) stay whole.
    """
    times = [p.time for p in positions if p.time is not None]
    if not times or max(times) - min(times) <= SLICE_S:
        return [positions]
    first = min(times)
    slices: dict[int, list[Position]] = {}
    for p in positions:
        key = 0 if p.time is None else int((p.time - first) // SLICE_S)
        slices.setdefault(key, []).append(p)
    return [slices[k] for k in sorted(slices)]


def _merged(hours: list[ZoneHour]) -> list[ZoneHour]:
    """One zone hour per vessel, zone and hour: the slices' first and last times combined."""
    merged: dict[tuple[float, str, int], ZoneHour] = {}
    for h in hours:
        key = (h.hour, h.zone_id, h.mmsi)
        held = merged.get(key)
        merged[key] = (
            h
            if held is None
            else held._replace(
                first_time=min(held.first_time, h.first_time),
                last_time=max(held.last_time, h.last_time),
            )
        )
    return list(merged.values())


def build_pipeline(
    zone_paths: Sequence[Path], rule_paths: Sequence[Path], *,
    coastline: Sequence[Any] = (), duplicate_window_s: float | None = 10.0,
) -> Pipeline:  # fmt: skip
    """A pipeline from zone folders and rule files (the service's and the tests' way in)."""
    catalog = ZoneCatalog.load(zone_paths)
    # Land zones (imported from Natural Earth, say) are also the coastline rules measure from.
    shore = list(coastline) or [z.area for z in catalog.of_kind("land")]
    index = ZoneIndex(list(catalog), shore)
    engine = RuleEngine(load_rule_files(rule_paths), index)
    return Pipeline(index, engine, duplicate_window_s=duplicate_window_s)
