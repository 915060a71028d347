"""Vessel state: implied speed, segmenting, shared MMSIs, late fixes, memory, eviction."""

from __future__ import annotations

import gc
import tracemalloc

import numpy as np

from mda.geo import KNOT_MS, destination
from mda.model import Position
from mda.pipeline import build_pipeline
from mda.resources import default_folder
from mda.tracks import Tracks
from tests.rule_kit import T0, fix, leg, static

M = 636_000_007


def test_implied_speed_is_measured_across_batches() -> None:
    tracks = Tracks()
    track = leg(M, T0, 1.0, 10.5, 90, 12, 10, every_s=60)
    tracks.update(track[:5])
    fixes = tracks.update(track[5:])
    assert np.allclose(fixes.implied_kn, 12.0, rtol=0.01)
    assert fixes.segment.tolist() == [T0] * 5  # a segment's id: its first second


def test_a_jump_beyond_25_knots_starts_a_new_segment() -> None:
    tracks = Tracks()
    track = leg(M, T0, 1.0, 10.5, 90, 12, 10, every_s=60)
    far = destination(1.0, 10.5, 0, 30 * 1852)  # 30 nm away one minute later
    jump = fix(M, T0 + 600, far[0], far[1], 12, 90, 90)
    fixes = tracks.update([*track, jump])
    assert fixes.segment.tolist() == [T0] * 10 + [T0 + 600]
    assert tracks.jumps == 1


def test_two_transmitters_sharing_an_mmsi_become_two_segments() -> None:
    tracks = Tracks()
    a = leg(M, T0, 1.0, 10.5, 90, 10, 60, every_s=60)
    b = leg(M, T0 + 30, 1.5, 11.5, 270, 10, 60, every_s=60)  # 60 nm away, interleaved
    merged = sorted([*a, *b], key=lambda p: p.time or 0)
    for i in range(0, len(merged), 20):
        fixes = tracks.update(merged[i : i + 20])
        # No zig-zag: every fix continues its own transmitter's track at its own speed.
        finite = fixes.implied_kn[np.isfinite(fixes.implied_kn)]
        assert np.all(finite < 11)
    assert len(tracks.vessels[M].segments) == 2


def test_a_late_fix_does_not_move_the_vessel_back() -> None:
    tracks = Tracks()
    track = leg(M, T0, 1.0, 10.5, 90, 12, 10, every_s=60)
    tracks.update(track)
    current = tracks.vessels[M].current
    assert current is not None
    before = (current.time, current.lat, current.lon)
    late = tracks.update([track[3]._replace(time=T0 + 150)])
    assert late.late.tolist() == [True]
    assert (current.time, current.lat, current.lon) == before


def test_usual_speed_is_the_recent_hourly_mean() -> None:
    tracks = Tracks()
    tracks.update(leg(M, T0, 1.0, 10.5, 90, 12, 130, every_s=60))
    assert tracks.vessels[M].usual_speed_kn() == 12.0


def test_stale_vessels_are_evicted_by_event_time() -> None:
    tracks = Tracks(stale_after_s=3600)
    tracks.update([fix(M, T0, 1, 10.5, 1, 0, 0), fix(M + 1, T0 + 3000, 1, 10.6, 1, 0, 0)])
    assert tracks.evict(T0 + 4000) == [M]
    assert list(tracks.vessels) == [M + 1]


def fleet_batch(count: int, t: float) -> list[Position]:
    """A fleet spread over the Red Sea, all steaming north-west at 10 knots."""
    out = []
    for i in range(count):
        lat, lon = destination(16.0 + (i % 200) * 0.04, 39.0 + (i // 200) * 0.01, 330,
                               10 * KNOT_MS * (t - T0))  # fmt: skip
        out.append(fix(200_000_000 + i, t, lat, lon, 10, 330, 330))
    return out


def test_memory_per_vessel_stays_under_two_kilobytes() -> None:
    """A global fleet (300 thousand vessels) must fit in a few hundred MB: measured with the
    default zones and rules (their state included), after each vessel sent a static report
    and 12 fixes over an hour."""
    p = build_pipeline([default_folder("zones")], [default_folder("alerts")])
    count = 10_000
    statics = [static(200_000_000 + i, T0, name=f"VESSEL {i}") for i in range(count)]
    batches = [fleet_batch(count, T0 + 300 * k) for k in range(12)]
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    p.process_records(statics)
    for batch in batches:
        p.process_records(batch)
    del statics, batches
    gc.collect()
    per_vessel = (tracemalloc.get_traced_memory()[0] - before) / count
    tracemalloc.stop()
    assert len(p.tracks.vessels) == count
    print(f"memory per vessel: {per_vessel:.0f} bytes")
    assert per_vessel < 2048
