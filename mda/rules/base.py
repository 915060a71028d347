"""What every rule shares: detections, the batch as rules see it, and how rules are scoped.

A rule looks at a batch of fixes (as arrays, with the zones each fix is in) and says, for a
vessel and maybe a zone, that a condition holds (``active``) or has ended. The alert
lifecycle turns those detections into alerts. Rules keep their own small per-vessel state and
touch only the vessels a batch gives them reason to: most positions of most vessels cost a
rule one vectorised comparison.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any, Final, Protocol

import numpy as np
import numpy.typing as npt

from mda.errors import ConfigError
from mda.model import Position, Severity, VesselStatic, ZoneEvent
from mda.rules.settings import Scope
from mda.tracks import TrackBatch, Tracks, VesselState
from mda.zones.index import Membership, ZoneIndex
from mda.zones.model import ZONE_KINDS, Zone

Mask = npt.NDArray[np.bool_]
Ints = npt.NDArray[np.int64]

# Navigational status codes (ITU-R M.1371).
AT_ANCHOR: Final = 1
MOORED: Final = 5
# A fix this far behind the watermark was delivered late, not sent now: it does not end a
# silence, it shortens it.
LATE_S: Final = 600.0


@dataclass(frozen=True, slots=True)
class Detection:
    """A rule's finding about a vessel (and a zone): its condition holds, or has ended."""

    rule: str
    mmsi: int
    zone_id: str | None
    time: float  # event time of the fix (or watermark) it is based on
    active: bool
    severity: Severity
    started: float  # when the condition began
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)
    lat: float | None = None
    lon: float | None = None
    # Late data showed the condition never held (an alert on it is retracted, not cleared).
    disproved: bool = False
    # The other vessel of a two-vessel condition (an encounter): part of the alert's identity,
    # so one vessel's meetings with two others are two alerts.
    other_mmsi: int | None = None


class BatchView:
    """A batch of fixes with what rules ask of it, computed once and shared."""

    def __init__(
        self,
        fixes: TrackBatch,
        membership: Membership,
        index: ZoneIndex,
        tracks: Tracks,
        watermark: float,
        statics: Sequence[VesselStatic] = (),
        zone_events: Sequence[ZoneEvent] = (),
        untracked: Sequence[Position] = (),
    ) -> None:
        self.fixes = fixes
        # Vessel fixes of the step whose time is suspect: in no track (never a movement), but
        # a vessel was heard there all the same.
        self.untracked = untracked
        self.membership = membership
        self.index = index
        self.tracks = tracks
        self.watermark = watermark
        self.statics = statics
        self.zone_events = zone_events
        self._masks: dict[frozenset[int], Mask] = {}
        self._first_zones: dict[frozenset[int], Ints] = {}
        self._groups: dict[float, tuple[Ints, Ints]] = {}

    def __len__(self) -> int:
        return len(self.fixes)

    def vessels(self) -> Iterator[tuple[int, int, int]]:
        """(mmsi, first row, end row) of each vessel of the batch (rows are contiguous)."""
        starts = np.flatnonzero(self.fixes.first_of_vessel)
        ends = np.r_[starts[1:], len(self.fixes)]
        return zip(self.fixes.mmsi[starts].tolist(), starts.tolist(), ends.tolist(), strict=True)

    def in_zones(self, zones: frozenset[int]) -> Mask:
        """Which fixes are in any of the zones (by index in ``index.zones``)."""
        mask = self._masks.get(zones)
        if mask is None:
            mask = np.zeros(len(self.fixes), dtype=bool)
            if zones:
                hit = _zone_lookup(zones, len(self.index.zones))[self.membership.zone]
                mask[self.membership.point[hit]] = True
            self._masks[zones] = mask
        return mask

    def in_scope(self, zones: frozenset[int], exclude: frozenset[int]) -> Mask:
        """Fixes in any of ``zones`` and none of ``exclude``, late fixes left out."""
        mask = self.in_zones(zones) & ~self.fixes.late
        if exclude:
            mask &= ~self.in_zones(exclude)
        return mask

    def groups(self, bucket_s: float) -> tuple[Ints, Ints]:
        """Rows grouped by vessel and time bucket: (first row of each group, bucket number).

        A group ends where the vessel or the bucket changes (rows are in vessel-time order).
        """
        cached = self._groups.get(bucket_s)
        if cached is None:
            bucket = (self.fixes.time // bucket_s).astype(np.int64)
            change = self.fixes.first_of_vessel.copy()
            change[1:] |= bucket[1:] != bucket[:-1]
            starts = np.flatnonzero(change)
            cached = self._groups[bucket_s] = (starts, bucket[starts])
        return cached

    def first_zone(self, zones: frozenset[int]) -> Ints:
        """Per fix, the first of ``zones`` (by index) that it is in; -1 for none."""
        first = self._first_zones.get(zones)
        if first is None:
            first = np.full(len(self.fixes), -1, dtype=np.int64)
            m = self.membership
            if zones and len(m.point):
                hit = _zone_lookup(zones, len(self.index.zones))[m.zone]
                # Membership is sorted by fix, then zone: a fix's first entry is its first zone.
                rows, at = np.unique(m.point[hit], return_index=True)
                first[rows] = m.zone[hit][at]
            self._first_zones[zones] = first
        return first

    def zone_in(self, row: int, zones: frozenset[int]) -> int | None:
        """The first of ``zones`` (by index) that a fix is in."""
        zone = int(self.first_zone(zones)[row])
        return None if zone < 0 else zone

    def zones_among(self, rows: Ints, zones: frozenset[int]) -> list[tuple[int, ...]]:
        """For each of ``rows`` (ascending), the ``zones`` (by index, in order) it is in."""
        m = self.membership
        hit = _zone_lookup(zones, len(self.index.zones))[m.zone]
        points, held = m.point[hit], m.zone[hit].tolist()
        lo = np.searchsorted(points, rows).tolist()
        hi = np.searchsorted(points, rows, side="right").tolist()
        return [tuple(held[a:b]) for a, b in zip(lo, hi, strict=True)]

    def zones_of(self, row: int) -> list[Zone]:
        """The zones one fix is in."""
        lo, hi = np.searchsorted(self.membership.point, [row, row + 1])
        return [self.index.zones[z] for z in self.membership.zone[lo:hi].tolist()]

    @cached_property
    def rows_of_vessel(self) -> dict[int, tuple[int, int]]:
        """mmsi -> (first row, end row)."""
        return {m: (s, e) for m, s, e in self.vessels()}

    def state(self, mmsi: int) -> VesselState:
        """A vessel's state (it exists: the batch has its fixes)."""
        return self.tracks.vessels[mmsi]

    def point(self, row: int) -> tuple[float, float]:
        """(lat, lon) of a fix."""
        return float(self.fixes.lat[row]), float(self.fixes.lon[row])


@lru_cache(maxsize=256)
def _zone_lookup(zones: frozenset[int], count: int) -> Mask:
    """A boolean per zone index: is it one of ``zones``."""
    lookup = np.zeros(count + 1, dtype=bool)  # +1: the coastline's pseudo-zone
    lookup[list(zones)] = True
    return lookup


class Rule(Protocol):
    """A detector with its settings: sees batches and the advancing watermark."""

    scope: Scope

    def observe(self, view: BatchView) -> list[Detection]:
        """Detections from a batch of fixes."""
        ...

    def tick(self, watermark: float, tracks: Tracks) -> list[Detection]:
        """Detections due by event time alone (silence, dwell), as the watermark advances."""
        ...

    def forget(self, mmsis: Iterable[int]) -> None:
        """Drop the state of evicted vessels."""
        ...


def zone_indices(index: ZoneIndex, selectors: Sequence[str], where: str = "") -> frozenset[int]:
    """Zones named by id, or by kind as ``kind:cable``; ``*`` is every zone.

    An id that names no loaded zone, or an unknown kind, is a configuration error: a typo must
    not quietly leave a rule watching nothing.
    """
    out: set[int] = set()
    for selector in selectors:
        if selector == "*":
            out.update(range(len(index.zones)))
        elif selector.startswith("kind:"):
            kind = selector[5:]
            if kind not in ZONE_KINDS:
                raise ConfigError(f"{where} zones: unknown zone kind {kind!r}")
            out.update(i for i, z in enumerate(index.zones) if z.kind == kind)
        else:
            found = [i for i, z in enumerate(index.zones) if z.id == selector]
            if not found:
                raise ConfigError(f"{where} zones: no loaded zone has the id {selector!r}")
            out.update(found)
    return frozenset(out)


def admits(scope: Scope, state: VesselState) -> bool:
    """Whether a vessel's type and flag put it in a rule's scope."""
    return scope.ship_types.admits(state.ship_type) and scope.admits_flag(state.flag)


def vessel_label(state: VesselState) -> str:
    """How a message names a vessel: its name and MMSI."""
    name = state.shipname or "unnamed vessel"
    return f"{name} (MMSI {state.mmsi})"


def ended_unheard(
    open_alerts: dict[int, float], horizon: float, scope: Scope, watermark: float, message: str
) -> list[Detection]:
    """The ends of the open alerts (vessel -> the time kept for its alert) whose time is before
    ``horizon``, each taken out of ``open_alerts``: the alert no longer holds once the vessel has
    gone unheard that long. The time kept is reported as the alert's start."""
    return [
        Detection(
            rule=scope.name, mmsi=m, zone_id=None, time=watermark, active=False,
            severity=scope.severity, started=open_alerts.pop(m), message=message,
        )
        for m in [m for m, t in open_alerts.items() if t < horizon]
    ]  # fmt: skip


def pruned_timers(
    timers: list[tuple[float, int]], live: Callable[[float, int], bool], held: int
) -> list[tuple[float, int]]:
    """A lazy timer heap without its dead entries once it holds more than twice the ``held``
    vessels (and a few): a flood of vessels each heard once must not leave a deadline per
    vessel behind it for hours. Rebuilt only then, so the cost is a constant per entry pushed.
    Only entries that ``live`` rejects go, so what fires, and when, is unchanged."""
    if len(timers) <= 2 * held + 64:
        return timers
    kept = [entry for entry in timers if live(*entry)]
    heapq.heapify(kept)
    return kept
