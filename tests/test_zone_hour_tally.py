"""The zone-hour tally on its own, fed in any steps: what the store makes of its rows (one row
per vessel, zone and hour, earliest first time, latest last time) is the same whatever the
steps; each row goes out in the step that first counts it, and at most twice when fixes come
in time order."""

from __future__ import annotations

from collections import Counter
from itertools import pairwise

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from mda.model import ZoneHour
from mda.pipeline import merged_hours
from mda.zones.hours import HOUR_S, ZoneHourTally

T0 = 1_767_225_600.0  # an hour's start
LATENESS_S = 120.0
ZONES = ["a", "b"]

# A fix in a zone: mmsi, zone, seconds after T0 (three hours and a bit).
fixes_st = st.lists(
    st.tuples(st.integers(1, 3), st.integers(0, 1), st.integers(0, 3 * 3600 + 600)),
    min_size=1, max_size=60,
)  # fmt: skip


def stepped(fixes: list[tuple[int, int, int]], cuts: list[int]) -> list[list[ZoneHour]]:
    """The rows of each step (fixes split at ``cuts``), then of the end, as a service gives
    them: the watermark is the latest time seen."""
    tally = ZoneHourTally(ZONES)
    bounds = [0, *sorted(c % (len(fixes) + 1) for c in cuts), len(fixes)]
    watermark = -np.inf
    out: list[list[ZoneHour]] = []
    for lo, hi in pairwise(bounds):
        step = fixes[lo:hi]
        if step:
            mmsi, zone, dt = (np.array(c, dtype=np.int64) for c in zip(*step, strict=True))
            time = T0 + dt.astype(np.float64)
            tally.add(mmsi, time, zone)
            watermark = max(watermark, float(time.max()))
        out.append(tally.due(watermark, LATENESS_S))
    out.append(tally.drain())
    return out


def stored(rows: list[ZoneHour]) -> list[ZoneHour]:
    return sorted(merged_hours(rows))


def key(mmsi: int, zone: int, dt: int) -> tuple[float, str, int]:
    return ((T0 + dt) // HOUR_S * HOUR_S, ZONES[zone], mmsi)


@settings(max_examples=300, deadline=None)
@given(fixes_st, st.lists(st.integers(0, 60), max_size=8), st.booleans())
def test_the_stored_rows_do_not_depend_on_the_steps(
    fixes: list[tuple[int, int, int]], cuts: list[int], in_order: bool
) -> None:
    if in_order:
        fixes = sorted(fixes, key=lambda f: f[2])
    steps = stepped(fixes, cuts)
    rows = [h for step in steps for h in step]
    assert stored(rows) == stored([h for step in stepped(fixes, []) for h in step])
    want: dict[tuple[float, str, int], tuple[float, float]] = {}
    for m, z, dt in fixes:
        t0, t1 = want.get(key(m, z, dt), (np.inf, -np.inf))
        want[key(m, z, dt)] = (min(t0, T0 + dt), max(t1, T0 + dt))
    assert {(h.hour, h.zone_id, h.mmsi): (h.first_time, h.last_time)
            for h in stored(rows)} == want  # fmt: skip
    if in_order:  # nothing late: shown once when first seen, once complete at most
        assert max(Counter((h.hour, h.zone_id, h.mmsi) for h in rows).values()) <= 2


@settings(max_examples=300, deadline=None)
@given(fixes_st, st.lists(st.integers(0, 60), max_size=8))
def test_a_row_goes_out_in_the_step_that_first_counts_it(
    fixes: list[tuple[int, int, int]], cuts: list[int]
) -> None:
    fixes = sorted(fixes, key=lambda f: f[2])
    steps = stepped(fixes, cuts)
    bounds = [0, *sorted(c % (len(fixes) + 1) for c in cuts), len(fixes)]
    seen: set[tuple[float, str, int]] = set()
    for (lo, hi), rows in zip(pairwise(bounds), steps, strict=False):
        new = {key(*f) for f in fixes[lo:hi]} - seen
        seen |= new
        assert new <= {(h.hour, h.zone_id, h.mmsi) for h in rows}
