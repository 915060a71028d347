"""A real encounter (GFW's test case, 2015-03-19 off Mozambique) found through the pipeline.

GFW's expected merged event: 07:40Z to 20:10Z, median distance 29.6 m, median speed 0.19 kn,
mean position -27.4794, 38.5341. GFW's test ran with a 70-minute interpolation gap, raw
encounters of 30 minutes and a 24-hour merge window: those settings here, the rest defaults.
MMSI 563418000 (CHITOSE) is a reefer on GFW's carrier list.
"""

from __future__ import annotations

import csv
from datetime import datetime
from functools import cache
from typing import Any

from mda.geo import distance_m
from mda.model import Alert, Position
from mda.pipeline import Pipeline
from mda.resources import default_folder
from mda.rules.engine import RuleEngine
from mda.rules.settings import rule_spec
from mda.zones.catalog import ZoneCatalog
from mda.zones.index import ZoneIndex
from tests.data import shared
from tests.rule_kit import run

CASE = "labels/encounter_case_2015-03-19"
GFW_TEST = {"max_gap_minutes": 70.0, "min_run_minutes": 30.0, "merge_hours": 24.0}
FISHING, CARRIER = 441_910_000, 563_418_000


def when(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


@cache
def expected() -> dict[str, str]:
    with shared(f"{CASE}/expected_encounter.csv").open(newline="") as f:
        (row,) = csv.DictReader(f)
    return row


def positions() -> list[Position]:
    with shared(f"{CASE}/positions.csv").open(newline="") as f:
        return [
            Position(time=when(r["timestamp"]), mmsi=int(r["mmsi"]), msg_type=1,
                     lat=float(r["lat"]), lon=float(r["lon"]), sog=None, cog=None,
                     heading=None, nav_status=None, rot=None, accuracy=True, source="gfw-case")
            for r in csv.DictReader(f)
        ]  # fmt: skip


@cache
def default_zones() -> ZoneIndex:
    return ZoneIndex(list(ZoneCatalog.load([default_folder("zones")])))


def replay(table: dict[str, Any]) -> list[Alert]:
    """The positions through the pipeline in 10-minute batches, then a day of event time."""
    index = default_zones()
    p = Pipeline(index, RuleEngine([rule_spec("encounter", table)], index))
    fixes = positions()
    alerts = run(p, fixes, batch_s=600)
    return alerts + p.advance_to(max(q.time or 0.0 for q in fixes) + 2 * 86_400).alerts


def test_the_encounter_is_found_with_gfw_start_and_end() -> None:
    alerts = replay(GFW_TEST)
    assert [a.state for a in alerts] == ["open", "cleared"]
    opened, cleared = alerts
    assert abs(opened.start - when(expected()["start_time"])) <= 600
    evidence: Any = cleared.body["evidence"]
    assert abs(when(evidence["start"]) - when(expected()["start_time"])) <= 600
    assert abs(when(evidence["end"]) - when(expected()["end_time"])) <= 600
    assert {opened.mmsi, opened.body["other_mmsi"]} == {FISHING, CARRIER}


def test_its_measurements_agree_with_gfw() -> None:
    cleared = replay(GFW_TEST)[-1]
    evidence: Any = cleared.body["evidence"]
    assert abs(evidence["median_distance_m"] - 1000 * float(expected()["median_distance_km"])) < 10
    assert evidence["median_speed_knots"] < 2.0
    off_m = distance_m(
        evidence["mean_lat"],
        evidence["mean_lon"],
        float(expected()["mean_latitude"]),
        float(expected()["mean_longitude"]),
    )
    assert off_m < 500
    assert evidence["distance_to_port_km"] > 1000  # no default port anywhere near


def test_with_gfw_carrier_list_it_is_a_possible_transshipment() -> None:
    carriers = shared("labels/gfw_transshipment_vessels_2012_2017.csv")
    alerts = replay({**GFW_TEST, "carrier_list": str(carriers)})
    opened = alerts[0]
    assert opened.message.startswith("possible transshipment")
    assert (opened.mmsi, opened.body["other_mmsi"]) == (FISHING, CARRIER)
    assert opened.body["evidence"]["carrier_mmsi"] == [CARRIER]  # type: ignore[index]


def test_with_the_default_four_hour_merge_the_morning_meeting_alone_is_reported() -> None:
    """The fishing vessel is silent for eight hours mid-event: GFW's published merge window
    (4 h) does not bridge that, and the evening meeting is too short on its own."""
    alerts = replay({k: v for k, v in GFW_TEST.items() if k != "merge_hours"})
    assert [a.state for a in alerts] == ["open", "cleared"]
    evidence: Any = alerts[-1].body["evidence"]
    assert abs(when(evidence["start"]) - when(expected()["start_time"])) <= 600
    assert when(evidence["end"]) < when("2015-03-19T10:30:00Z")
