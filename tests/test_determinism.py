"""Same input, same output, whatever the batching.

Every scenario ``mda simulate`` has and every real recording is replayed through the pipeline
once in a single step and then in random chunkings (100 to 20,000 lines a step, drawn by
hypothesis with a fixed seed, so a failure replays): the alerts (ids, states, times, in the
order they were raised), the stored positions (with their clock, time quality and segment),
statics, zone events and zone hours must be identical.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from mda.pipeline import Pipeline, PipelineOutput, merged_hours
from mda.resources import default_folder
from mda.rules.engine import RuleEngine
from mda.rules.settings import RuleSpec, load_rule_files
from mda.simulate.scenarios import SCENARIOS, simulate
from mda.zones.catalog import ZoneCatalog
from mda.zones.index import ZoneIndex
from tests.data import AIS, NMEA_RECORDINGS, read_lines

VESSELS = 15  # the scenario size the issue measured batching on
CHUNKINGS = 3  # random chunkings per input, besides the one-step reference
T0 = 1_767_225_600.0  # 2026-01-01

Snapshot = dict[str, Any]
# A fixed seed (a failure replays as it was), no shrinking (each example is a whole replay: a
# failing chunking is reported as drawn).
DRAWS = settings(
    max_examples=CHUNKINGS, deadline=None, derandomize=True, database=None,
    phases=(Phase.generate,), suppress_health_check=[HealthCheck.too_slow],
)  # fmt: skip


@cache
def scenario_lines(name: str) -> tuple[bytes, ...]:
    return tuple(simulate(name, 1, T0, VESSELS).lines)


@cache
def recording_lines(rel: str) -> tuple[bytes, ...]:
    return tuple(line.strip() for line in read_lines(AIS / rel))


@cache
def default_zones() -> ZoneIndex:
    """The default zones, built once (the index holds no state of a run)."""
    catalog = ZoneCatalog.load([default_folder("zones")])
    return ZoneIndex(list(catalog), [z.area for z in catalog.of_kind("land")])


@cache
def default_rules() -> tuple[RuleSpec, ...]:
    return tuple(load_rule_files([default_folder("alerts")]))


def fresh() -> Pipeline:
    """A pipeline as ``build_pipeline`` makes it from the defaults, new rule state each time."""
    index = default_zones()
    return Pipeline(index, RuleEngine(list(default_rules()), index))


def replay(lines: tuple[bytes, ...], feed: str, steps: list[int]) -> Snapshot:
    """Lines through a fresh pipeline in steps of the given sizes (the rest in one step)."""
    p = fresh()
    out = PipelineOutput()
    i = 0
    for n in steps:
        if i >= len(lines):
            break
        out.extend(p.process(list(lines[i : i + n]), feed))
        i += n
    if i < len(lines):
        out.extend(p.process(list(lines[i:]), feed))
    out.extend(p.finish())
    return snapshot(out)


def snapshot(out: PipelineOutput) -> Snapshot:
    """What a replay gives, in a form compared exactly."""
    return {
        "alerts": [
            (a.alert_id, a.state, a.rule, a.mmsi, a.zone_id, a.start, a.updated, a.message)
            for a in out.alerts
        ],
        "positions": sorted(
            repr((tuple(p[:17]), tuple(p.receivers), p.clock, p.time_quality, p.segment))
            for p in out.positions
            if p.time is not None
        ),
        "statics": sorted(repr(tuple(s)) for s in out.statics if s.time is not None),
        "zone_events": sorted(out.zone_events),
        "zone_hours": sorted(merged_hours(out.zone_hours)),
    }


@cache
def reference(kind: str, name: str) -> Snapshot:
    lines = scenario_lines(name) if kind == "scenario" else recording_lines(name)
    return replay(lines, name, [len(lines)])


def chunkings() -> st.SearchStrategy[list[int]]:
    return st.lists(st.integers(min_value=100, max_value=20_000), min_size=1, max_size=60)


def check(kind: str, name: str, steps: list[int]) -> None:
    lines = scenario_lines(name) if kind == "scenario" else recording_lines(name)
    got = replay(lines, name, steps)
    want = reference(kind, name)
    for part in want:
        assert got[part] == want[part], f"{name}: {part} differ in steps of {steps[:8]}..."


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_every_scenario_gives_the_same_output_in_any_chunking(name: str) -> None:
    @DRAWS
    @given(steps=chunkings())
    def holds(steps: list[int]) -> None:
        check("scenario", name, steps)

    holds()


@pytest.mark.parametrize("rel", NMEA_RECORDINGS)
def test_every_real_recording_gives_the_same_output_in_any_chunking(rel: str) -> None:
    @DRAWS
    @given(steps=chunkings())
    def holds(steps: list[int]) -> None:
        check("recording", rel, steps)

    holds()


def test_the_gulf_of_aden_stop_fires_whatever_the_chunking() -> None:
    """The case the issue measured: with 15 vessels, steps of 2,000, 3,000 and 5,000 lines and
    the whole file at once used to raise different alerts (or none)."""
    name = "gulf-of-aden-stop"
    lines = scenario_lines(name)
    opened = []
    for size in (2_000, 3_000, 5_000, len(lines)):
        alerts = replay(lines, name, [size] * (len(lines) // size + 1))["alerts"]
        opened.append(sorted((a[2], a[3]) for a in alerts if a[1] == "open"))
    assert ("unexpected_stop", 477_367_459) in opened[0]
    assert all(o == opened[0] for o in opened)
