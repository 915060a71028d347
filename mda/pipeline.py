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
import numpy.typing as npt

from mda.alerts.lifecycle import AlertBook
from mda.ingest.clocks import SUSPECT
from mda.ingest.core import Ingestor
from mda.ingest.message import AisMessage, RawMessage
from mda.ingest.stats import IngestStats
from mda.model import VESSEL, Alert, Position, Record, ZoneHour
from mda.plausible import TimeGate
from mda.rules.base import BatchView
from mda.rules.engine import RuleEngine
from mda.rules.settings import load_rule_files
from mda.sequencer import DEFAULT_LATENESS_S, Sequencer, TimeSlice
from mda.store.batch import StoreBatch
from mda.tracks import DEFAULT_MAX_VESSELS, TrackBatch, Tracks
from mda.zones.index import Membership, ZoneIndex
from mda.zones.presence import ZonePresence

Ints = npt.NDArray[np.int64]

# Rules' timers (silence, dwell, persistence) are checked each time event time moves on this
# much: the precision of timed alerts, traded against scanning vessel state too often.
TICK_S = 10.0
EVICT_EVERY_S = 3600.0
# Live, a record waits at most this long (wall clock) for its clock to be known.
JUDGE_WAIT_S = 5.0


_NO_ROWS = np.zeros(0, dtype=np.int64)
_NO_ZONES = Membership(_NO_ROWS, _NO_ROWS, ())


@dataclass(slots=True)
class PipelineOutput(StoreBatch):
    """What one step produced: the records to store, released in event-time order, and what
    partner feeds take besides."""

    # The zones of the vessel fixes among ``positions`` (``point`` indexes ``positions``), so
    # that partner feeds restricted to zones need not locate them again.
    zones: Membership = field(default_factory=lambda: _NO_ZONES)
    # The decoded messages' sentences, only when ``Pipeline.keep_messages`` is set (raw NMEA
    # feeds); these are handed on as they arrive, not in event-time order.
    messages: list[RawMessage] = field(default_factory=list)

    def extend(self, other: StoreBatch) -> None:
        """Add another step's output after this one's."""
        if isinstance(other, PipelineOutput):
            self.zones = _joined_zones(self.zones, other.zones, len(self.positions))
            self.messages += other.messages
        StoreBatch.extend(self, other)

    def add_positions(self, positions: list[Position], zones: Membership) -> None:
        """Positions released after those held, with the zones of their fixes."""
        self.zones = _joined_zones(self.zones, zones, len(self.positions))
        self.positions += positions


def _joined_zones(first: Membership, then: Membership, offset: int) -> Membership:
    """Zones of two runs of positions, the second starting at ``offset``."""
    if not len(then.point):
        return first
    if not len(first.point):
        return Membership(then.point + offset, then.zone, then.zone_ids)
    return Membership(
        np.concatenate([first.point, then.point + offset]),
        np.concatenate([first.zone, then.zone]),
        then.zone_ids,
    )


class Pipeline:
    """Ingest, event-time order, vessel state, zones, rules and alert lifecycle, joined.

    Lines are framed and decoded as they come; records then wait in the sequencer until their
    slice of event time is complete (``lateness`` per feed), and each slice goes through
    vessel state, zones and rules in time order. Output therefore trails input by the lateness
    and a slice; ``finish`` releases what is held at the end of input, ``tick`` in live mode.
    """

    def __init__(self, index: ZoneIndex, engine: RuleEngine, *,
                 duplicate_window_s: float | None = 10.0, stats: IngestStats | None = None,
                 stale_after_s: float = 48 * 3600.0,
                 lateness_s: float = DEFAULT_LATENESS_S,
                 max_vessels: int = DEFAULT_MAX_VESSELS) -> None:  # fmt: skip
        self.index = index
        self.keep_messages = False  # set when a raw NMEA partner feed needs the sentences
        self.engine = engine
        self.ingestor = Ingestor(stats, duplicate_window_s=duplicate_window_s)
        self.gate = TimeGate()  # a fix whose time is far from the feed's is quarantined
        self.sequencer = Sequencer()
        self.lateness_s = lateness_s
        self.feed_lateness: dict[str, float] = {}  # feeds whose lateness is not the default
        self.tracks = Tracks(stale_after_s=stale_after_s, max_vessels=max_vessels)
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

    def lateness(self, feed: str) -> float:
        """How late a feed's records may come and still be put in order (seconds)."""
        return self.feed_lateness.get(feed, self.lateness_s)

    def process(
        self, lines: Iterable[bytes], feed: str, arrival: float | None = None
    ) -> PipelineOutput:
        """One batch of lines of one feed through every stage."""
        return self.process_batches([(lines, feed, arrival)])

    def process_batches(
        self, batches: Sequence[tuple[Iterable[bytes], str, float | None]]
    ) -> PipelineOutput:
        """Several batches (lines, feed, arrival) at once: each framed with its own feed and
        arrival time, then handled together. A live source hands over small read chunks,
        each stamped when it arrived; a service that fell behind joins them here."""
        kept: list[RawMessage] | None = [] if self.keep_messages else None
        out = PipelineOutput()
        for feed, records in self.ingestor.ingest_chunks(batches, kept):
            self._push(records, self.lateness(feed), out)
        self._hours_due(out)
        if kept is not None:
            out.messages = kept
        return out

    def process_messages(self, messages: list[AisMessage]) -> PipelineOutput:
        """Messages framed elsewhere (a scale-out gateway did the framing) through decoding
        and every later stage: what a worker runs for its partitions."""
        kept: list[RawMessage] | None = [] if self.keep_messages else None
        out = self.process_records(self.ingestor.decode(messages, kept))
        if kept is not None:
            out.messages = kept
        return out

    def process_records(
        self, records: Iterable[Record], lateness_s: float | None = None
    ) -> PipelineOutput:
        """Decoded records (from lines, a JSON feed or an archive) through event-time order,
        vessel state, zones and rules."""
        out = PipelineOutput()
        self._push(records, self.lateness_s if lateness_s is None else lateness_s, out)
        self._hours_due(out)
        return out

    def process_all(self, records: Iterable[Record]) -> PipelineOutput:
        """Records that are the whole input (an archive, a test): processed, then finished;
        one zone hour per vessel, zone and hour."""
        out = self.process_records(records)
        out.extend(self.finish())
        out.zone_hours = merged_hours(out.zone_hours)
        return out

    def tick(self, now: float) -> PipelineOutput:
        """Live mode: the wall clock says ``now``, so event time has reached at least ``now``
        less the longest lateness: what is due is released, and the rules' timers run.
        Records still waiting for their clock to be known after ``JUDGE_WAIT_S`` are judged
        by what is known."""
        out = PipelineOutput()
        self.gate.now = now
        self._push(self.ingestor.judge.settle_before(now - JUDGE_WAIT_S), self.lateness_s, out)
        out.extend(self.advance_to(now - self._longest_lateness()))
        return out

    def advance_to(self, event_time: float) -> PipelineOutput:
        """Event time has reached ``event_time``: release what is due and run the timers."""
        out = PipelineOutput()
        for piece in self.sequencer.advance(event_time):
            self._slice(piece, out)
        if event_time > self.watermark:
            self.watermark = event_time
            if self.watermark >= self._next_tick:
                out.alerts += self._timers()
        self._hours_due(out)
        return out

    def finish(self) -> PipelineOutput:
        """End of input: every record still held goes through, every zone hour still counted
        comes out, and what can no longer complete (held fragments) is counted."""
        out = PipelineOutput()
        self._push(self.ingestor.finish(), self.lateness_s, out)
        self.gate.flush()
        self.stats.quarantined = self.gate.quarantine.count
        for piece in self.sequencer.flush():
            self._slice(piece, out)
        out.zone_hours += self.presence.hours.drain()
        return out

    def _longest_lateness(self) -> float:
        return max([self.lateness_s, *self.feed_lateness.values()])

    def _hours_due(self, out: PipelineOutput) -> None:
        """Zone hours at the end of a step: those first seen in it (so the current hour's
        traffic shows them at once), and, complete, those event time has passed by the longest
        lateness (at most two rows per vessel, zone and hour, whatever the steps)."""
        out.zone_hours += self.presence.hours.due(self.watermark, self._longest_lateness())

    def _push(self, records: Iterable[Record], lateness_s: float, out: PipelineOutput) -> None:
        plausible = self.gate.screen(list(records), lateness_s)
        self.stats.quarantined = self.gate.quarantine.count
        slices, passing = self.sequencer.push(plausible, lateness_s)
        self.stats.late = self.sequencer.late
        if passing:
            self._passing(passing, out)
        for piece in slices:
            self._slice(piece, out)

    def _passing(self, records: list[Record], out: PipelineOutput) -> None:
        """Records with no time: handed on as they come (never stored: nothing can place
        them); what a vessel says of itself holds all the same."""
        statics = []
        for record in records:
            if isinstance(record, Position):
                out.positions.append(record)
            else:
                statics.append(record)
        if statics:
            self.tracks.apply_statics(statics)
            out.statics += statics

    def _slice(self, piece: TimeSlice, out: PipelineOutput) -> None:
        """One complete slice of event time through vessel state, zones and rules."""
        self.tracks.apply_statics(piece.statics)
        out.statics += piece.statics
        positions = piece.positions
        tracked = [
            i for i, p in enumerate(positions) if p.kind == VESSEL and p.time_quality != SUSPECT
        ]  # fmt: skip
        vessels = [positions[i] for i in tracked]
        fixes = self.tracks.update(vessels)
        membership = self.index.locate(fixes.lon, fixes.lat)
        zone_events = self.presence.update(fixes, membership, self.tracks)
        rows = np.array(tracked, dtype=np.int64)[fixes.row]  # each fix's row in ``positions``
        located = [(rows, membership)]
        # Suspect times: in no track, counted in the hours they say, shown to the rules that
        # judge who was heard rather than how it moved.
        suspect = [
            i for i, p in enumerate(positions)
            if p.kind == VESSEL and p.time_quality == SUSPECT and p.lat is not None
        ]  # fmt: skip
        untracked = [positions[i] for i in suspect]
        if untracked:
            lon = np.array([p.lon for p in untracked], dtype=np.float64)
            lat = np.array([p.lat for p in untracked], dtype=np.float64)
            where = self.index.locate(lon, lat)
            self.presence.count_hours_of(untracked, where)
            located.append((np.array(suspect, dtype=np.int64), where))
            for p in untracked:  # heard by this event time at least (its own is not known)
                state = self.tracks.vessel(p.mmsi)
                state.last_seen = max(state.last_seen, piece.end)
        self.watermark = max(self.watermark, piece.end)
        view = BatchView(
            fixes, membership, self.index, self.tracks, self.watermark, piece.statics,
            zone_events, untracked,
        )  # fmt: skip
        alerts = self.book.apply(self.engine.observe(view))
        if self.watermark >= self._next_tick:
            alerts += self._timers()
        out.add_positions(_with_segments(positions, vessels, fixes), _zones_of_rows(located))
        if fixes.late.any():
            out.late_fixes += [vessels[i] for i in fixes.row[fixes.late].tolist()]
        out.zone_events += zone_events
        out.alerts += alerts
        self._bound_vessels()

    def _bound_vessels(self) -> None:
        """Past the cap on vessels, the longest unheard go, from every rule too. Only at the
        end of a slice: slices are cut by event time, so the same input evicts the same
        vessels however it was batched."""
        gone = self.tracks.evict_over_cap()
        if gone:
            self.engine.forget(gone)
            self.book.forget(gone)
            self.stats.evicted_vessels = self.tracks.evicted

    def _timers(self) -> list[Alert]:
        w = self.watermark
        if w == float("-inf"):
            return []  # no event time yet
        self._next_tick = w + TICK_S
        alerts = self.book.apply(self.engine.tick(w, self.tracks))
        alerts += self.book.tick(w)
        if w >= self._next_evict:
            self._next_evict = w + EVICT_EVERY_S
            gone = self.tracks.evict(w)
            self.engine.forget(gone)
            self.book.forget(gone)
        return alerts

    def acknowledge(self, alert_id: str, by: str, at: float, note: str | None = None) -> Alert:
        """A person takes an alert in hand (``at`` is their clock's time)."""
        return self.book.acknowledge(alert_id, by, at, note)

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
            "nav_status": None if state.current is None else state.current.nav_status,
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


def _with_segments(
    positions: list[Position], vessels: list[Position], fixes: TrackBatch
) -> list[Position]:
    """The slice's positions, each vessel fix with the track segment it was put on."""
    if not len(fixes):
        return positions
    segment_of = dict(
        zip(map(id, [vessels[i] for i in fixes.row.tolist()]), fixes.segment.tolist(), strict=True)
    )
    new = tuple.__new__
    return [
        p if (s := segment_of.get(id(p))) is None else new(Position, (*p[:SEGMENT], s))
        for p in positions
    ]


def _zones_of_rows(located: list[tuple[Ints, Membership]]) -> Membership:
    """One membership by row of a slice's positions, from the memberships of subsets of them
    (``rows`` maps each subset's points to the slice's rows)."""
    point = np.concatenate([rows[m.point] for rows, m in located])
    zone = np.concatenate([m.zone for _, m in located])
    order = np.argsort(point, kind="stable")
    return Membership(point[order], zone[order], located[0][1].zone_ids)


# Position's field index of the segment, its last.
SEGMENT = Position._fields.index("segment")
assert len(Position._fields) - 1 == SEGMENT


def merged_hours(hours: list[ZoneHour]) -> list[ZoneHour]:
    """One zone hour per vessel, zone and hour: the first and last times combined."""
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
    max_vessels: int = DEFAULT_MAX_VESSELS,
) -> Pipeline:  # fmt: skip
    """A pipeline from zone folders and rule files (the service's and the tests' way in)."""
    index = ZoneIndex.from_folders(zone_paths, coastline)
    engine = RuleEngine(load_rule_files(rule_paths), index)
    return Pipeline(index, engine, duplicate_window_s=duplicate_window_s, max_vessels=max_vessels)
