"""Hostile input cannot grow the core without end: vessels are capped (the longest unheard go
first, by event time), every per-vessel structure follows the cap, and vessels under the cap
raise the same alerts as if no cap existed."""

from __future__ import annotations

from collections.abc import Iterator, Sized
from typing import Any

from mda.model import Alert
from mda.pipeline import Pipeline, PipelineOutput
from mda.rules.engine import RuleEngine
from mda.rules.mmsi import NumberSet
from mda.rules.proximity import PortDistance
from mda.simulate.encoder import SentenceWriter
from mda.simulate.scenarios import simulate
from mda.zones.index import ZoneIndex
from tests.test_determinism import default_rules, default_zones

T0 = 1_767_225_600.0
CAP = 400


def capped(max_vessels: int) -> Pipeline:
    """The default zones and rules with a cap on vessels."""
    index = default_zones()
    return Pipeline(index, RuleEngine(list(default_rules()), index), max_vessels=max_vessels)


def flood(count: int, start: float, *, first_mmsi: int, lat: float = 20.0, lon: float = 38.5,
          fixes: int = 2) -> list[bytes]:  # fmt: skip
    """``count`` vessels, each heard ``fixes`` times a minute apart, one new vessel a second."""
    writer = SentenceWriter("flood")
    lines: list[bytes] = []
    for k in range(count):
        for j in range(fixes):
            fields = {"type": 1, "mmsi": first_mmsi + k, "lat": lat + k * 1e-4, "lon": lon,
                      "speed": 0.5, "course": 90.0}  # fmt: skip
            lines += writer.encode(fields, start + k + 60.0 * j)
    return sorted(lines, key=_tag_time)


def _tag_time(line: bytes) -> int:
    head = line.split(b"\\")[1]
    return int(next(p for p in head.split(b",") if p.startswith(b"c:"))[2:].split(b"*")[0])


def run(pipeline: Pipeline, lines: list[bytes], step: int = 2_000) -> PipelineOutput:
    out = PipelineOutput()
    for i in range(0, len(lines), step):
        out.extend(pipeline.process(lines[i : i + step], "rx"))
    out.extend(pipeline.finish())
    return out


# What rules hold of the geography (zones, grid cells, ports): sized by the map, not by vessels.
GEOGRAPHY = (ZoneIndex, PortDistance)


def per_vessel_sizes(pipeline: Pipeline) -> Iterator[tuple[str, int]]:
    """Every container the tracks and the rules (and the objects they own) hold, with its size;
    the geography aside."""
    yield "tracks.vessels", len(pipeline.tracks.vessels)
    book = pipeline.book  # the alert book's count of earlier alerts per rule and vessel
    yield "book.earlier", len(book.earlier)
    yield "book.of_vessel", len(book.of_vessel)
    for rule in pipeline.engine.rules:
        holders: list[Any] = [rule, *[v for v in vars(rule).values()
                                      if hasattr(v, "__dict__") and not isinstance(v, type)
                                      and not isinstance(v, GEOGRAPHY)]]
        for holder in holders:
            for name, value in vars(holder).items():
                if isinstance(value, dict | set | list | NumberSet) and isinstance(value, Sized):
                    yield f"{rule.scope.name}.{name}", len(value)


def test_a_flood_of_numbers_holds_no_more_vessels_than_the_cap() -> None:
    pipeline = capped(CAP)
    # Half plain ship numbers, half numbers no station may use (MID 100 is not allocated).
    lines = flood(3_000, T0, first_mmsi=636_000_000) + flood(3_000, T0, first_mmsi=100_000_000)
    run(pipeline, sorted(lines, key=_tag_time))
    assert len(pipeline.tracks.vessels) <= CAP
    assert pipeline.stats.evicted_vessels >= 6_000 - CAP
    # Lazy heaps may hold as many dead entries as live ones (and a few) before they are pruned.
    lazy = ("_timers", "_heard")
    too_big = {name: n for name, n in per_vessel_sizes(pipeline)
               if n > (2 * CAP + 64 if name.endswith(lazy) else CAP)}  # fmt: skip
    assert too_big == {}


def test_the_invalid_numbers_judged_are_bounded_by_the_cap() -> None:
    pipeline = capped(CAP)
    run(pipeline, flood(5_000, T0, first_mmsi=100_000_000, fixes=1))
    rule = next(r for r in pipeline.engine.rules if r.scope.detector == "invalid_mmsi")
    checked = vars(rule)["checked"]
    assert 0 < len(checked) <= CAP


def _alerts(out: PipelineOutput, mmsis: set[int]) -> list[tuple[Any, ...]]:
    return [_key(a) for a in out.alerts if a.mmsi in mmsis]


def _key(a: Alert) -> tuple[Any, ...]:
    return (a.alert_id, a.rule, a.state, a.mmsi, a.start, a.updated, a.message)


def test_a_cap_far_above_the_vessels_changes_nothing() -> None:
    lines = simulate("gulf-of-aden-stop", 1, T0, 15).lines
    unbounded = run(capped(10**9), list(lines))
    assert unbounded.alerts  # the scenario raises alerts to compare
    just_above = capped(40)
    bounded = run(just_above, list(lines))
    assert just_above.stats.evicted_vessels == 0
    assert [_key(a) for a in bounded.alerts] == [_key(a) for a in unbounded.alerts]
    assert bounded.positions == unbounded.positions


def test_vessels_flooded_out_do_not_change_the_alerts_of_the_vessels_still_heard() -> None:
    scenario = simulate("gulf-of-aden-stop", 1, T0, 15)
    lines = list(scenario.lines)
    mmsis = {int(m) for m in _mmsis(run(capped(10**9), lines))}
    alone = run(capped(10**9), lines)
    # An hour of made-up vessels far away (South Atlantic) before the scenario starts: with a
    # cap of 200 they are flooded out again by the scenario's own vessels.
    before = flood(3_000, T0 - 3_600.0, first_mmsi=701_000_000, lat=-30.0, lon=-20.0)
    pipeline = capped(200)
    flooded = run(pipeline, before + lines)
    assert pipeline.stats.evicted_vessels > 2_500
    assert _alerts(flooded, mmsis) == _alerts(alone, mmsis)
    assert _alerts(alone, mmsis)


def _mmsis(out: PipelineOutput) -> set[int]:
    return {p.mmsi for p in out.positions}


def test_the_same_vessels_are_evicted_however_the_input_is_batched() -> None:
    lines = flood(1_500, T0, first_mmsi=636_000_000, fixes=3)
    runs = []
    for step in (5_000, 137):
        pipeline = capped(CAP)
        out = run(pipeline, lines, step)
        runs.append((pipeline.stats.evicted_vessels, sorted(pipeline.tracks.vessels),
                     [_key(a) for a in out.alerts], out.positions))  # fmt: skip
    assert runs[0][0] > 0
    assert runs[0] == runs[1]
