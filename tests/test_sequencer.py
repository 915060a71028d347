"""Event-time order: slices of event time released whole, in order, whatever the batching."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from mda.model import Position
from mda.sequencer import Sequencer, TimeSlice

T0 = 1_700_000_040.0  # the start of a minute


def fix(t: float, mmsi: int = 1, quality: str | None = None) -> Position:
    return Position(t, mmsi, 1, 10.0, 20.0, None, None, None, None, None, None, "x",
                    time_quality=quality)  # type: ignore[arg-type]  # fmt: skip


def released(slices: list[TimeSlice]) -> list[tuple[float, list[tuple[float | None, int]]]]:
    return [(s.end, [(p.time, p.mmsi) for p in s.positions]) for s in slices]


def run(records: list[Position], cuts: list[int], lateness_s: float) -> tuple[object, int]:
    seq = Sequencer()
    out: list[TimeSlice] = []
    i = 0
    for n in [*cuts, len(records)]:
        got, _ = seq.push(records[i : i + n], lateness_s)
        out += got
        i += n
    out += seq.flush()
    return released(out), seq.late


def test_a_slice_is_released_once_event_time_has_passed_it_by_the_lateness() -> None:
    seq = Sequencer(60.0)
    slices, _ = seq.push([fix(T0 + 10), fix(T0 + 70)], 120.0)
    assert slices == []
    # Event time reaches T0 + 220 - 120 s: the first minute is complete, the second is not.
    slices, _ = seq.push([fix(T0 + s) for s in (200, 210, 220, 230, 240)], 120.0)
    assert [(s.end, [p.time for p in s.positions]) for s in slices] == [(T0 + 60, [T0 + 10])]


def test_records_come_out_in_time_order_within_the_lateness() -> None:
    times = [T0 + 30, T0 + 5, T0 + 20, T0 + 10, T0 + 500, T0 + 510, T0 + 520, T0 + 530]
    seq = Sequencer(60.0)
    slices, _ = seq.push([fix(t) for t in times], 120.0)
    slices += seq.flush()
    assert [p.time for s in slices for p in s.positions] == sorted(times)


def test_what_comes_after_its_slice_is_late_and_joins_the_open_one() -> None:
    seq = Sequencer(60.0)
    seq.push([fix(T0 + 600 + i) for i in range(5)], 0.0)
    slices, _ = seq.push([fix(T0)], 0.0)
    assert seq.late == 1
    slices += seq.flush()
    (last,) = [s for s in slices if any(p.time == T0 for p in s.positions)]
    assert last.end == T0 + 660  # the slice still open when it came, not its own


def test_one_wild_clock_does_not_close_every_slice() -> None:
    seq = Sequencer(60.0)
    seq.push([fix(T0 + i) for i in range(5)], 0.0)
    seq.push([fix(T0 + 10 * 365 * 86_400)], 0.0)  # a receiver that says 2033
    seq.push([fix(T0 + 5 + i) for i in range(5)], 0.0)
    assert seq.late == 0


def test_a_suspect_time_joins_the_open_slice_and_moves_nothing() -> None:
    seq = Sequencer(60.0)
    seq.push([fix(T0 + i) for i in range(5)], 0.0)  # event time at T0 + 2: nothing released
    seq.push([fix(T0 + 600 + i) for i in range(5)], 0.0)  # the first ten minutes released
    open_from = seq.open_from
    # A report whose clock cannot be trusted says 2031: it neither waits for 2031 nor moves
    # event time there; it goes with the first slice still open, and is not counted late.
    slices, passing = seq.push([fix(T0 + 5 * 365 * 86_400, quality="suspect")], 0.0)
    assert slices == [] and passing == [] and seq.late == 0
    assert seq.open_from == open_from
    slices = seq.flush()
    assert [s.end for s in slices if any(p.time_quality == "suspect" for p in s.positions)] == [
        (open_from + 1) * 60.0
    ]


def test_records_without_any_time_pass_straight_through() -> None:
    seq = Sequencer(60.0)
    slices, passing = seq.push([fix(None)], 0.0)  # type: ignore[arg-type]
    assert slices == [] and len(passing) == 1 and seq.held == 0


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(
    seed=st.integers(0, 1000),
    cuts=st.lists(st.integers(1, 300), max_size=20),
    lateness_s=st.sampled_from([0.0, 30.0, 120.0, 3600.0]),
)
def test_batching_never_changes_the_slices(seed: int, cuts: list[int], lateness_s: float) -> None:
    rng = random.Random(seed)
    # A feed out of order by up to ten minutes, with a few wild clocks.
    records = [
        fix(T0 + i * 2 + rng.uniform(-600, 600) + (1e8 if rng.random() < 0.002 else 0.0),
            mmsi=rng.randrange(50), quality="suspect" if rng.random() < 0.05 else None)
        for i in range(1500)
    ]  # fmt: skip
    one_by_one = run(records, [1] * len(records), lateness_s)
    assert run(records, cuts, lateness_s) == one_by_one
    assert run(records, [len(records)], lateness_s) == one_by_one
