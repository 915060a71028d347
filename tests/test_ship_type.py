"""Who can be fishing: vessels whose AIS ship type is not a fishing one are never labelled
fishing by ``mda activity``, however they move; unknown types are judged by movement."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mda.activity import FISHING
from mda.activity.fleet import classify_fleet
from mda.activity.ship_type import FISHING_TYPE, NON_FISHING_GROUPS, may_fish, non_fishing_group
from tests.test_activity import read_csv, track, zigzag

# A boat working back and forth at 3 kn, then hauling at 1 kn: fishing by its movement.
LEGS = [*zigzag(3.0, 60.0), (0.0, 1.0, 30.0)]


def fishing_share(ship_type: int | None) -> float:
    t, lat, lon = track(LEGS, 30.0)
    fleet = classify_fleet(["V"] * len(t), t, lat, lon, ship_type=[ship_type] * len(t))
    return float(np.mean(fleet.activity == FISHING))


def test_the_track_looks_like_fishing_when_the_type_allows_it() -> None:
    for ship_type in (FISHING_TYPE, 0, None, 90, 99, 1, 38):
        assert may_fish(ship_type)
        assert fishing_share(ship_type) >= 0.9


@pytest.mark.parametrize("group", list(NON_FISHING_GROUPS))
def test_no_vessel_of_a_non_fishing_type_is_labelled_fishing(group: str) -> None:
    for low, high in NON_FISHING_GROUPS[group]:
        for ship_type in range(low, high + 1):
            assert non_fishing_group(ship_type) == group
            assert not may_fish(ship_type)
    low, high = NON_FISHING_GROUPS[group][0]
    for ship_type in (low, high):
        assert fishing_share(ship_type) == 0.0


def test_the_groups_cover_the_named_types() -> None:
    named = {50: "pilot", 51: "SAR", 52: "tug", 53: "port tender", 55: "law enforcement",
             36: "sailing", 37: "pleasure", 31: "towing", 32: "towing", 60: "passenger",
             69: "passenger", 70: "cargo", 79: "cargo", 80: "tanker", 89: "tanker"}  # fmt: skip
    for ship_type, name in named.items():
        assert not may_fish(ship_type), name


def test_a_vessel_type_from_any_of_its_rows_holds_for_all_of_them() -> None:
    t, lat, lon = track(LEGS, 30.0)
    types: list[int | None] = [None] * len(t)
    types[-1] = 50  # the pilot boat's static report came last
    fleet = classify_fleet(["P"] * len(t), t, lat, lon, ship_type=types)
    assert not np.any(fleet.activity == FISHING)
    assert fleet.events == []


def test_command_reads_a_ship_type_column(tmp_path: Path) -> None:
    t, lat, lon = track(LEGS, 60.0)
    rows = []
    boats = (("pilot", "50"), ("yacht", "37"), ("trawler", "30"), ("unknown", ""))
    for boat, ship_type in boats:
        fixes = zip(t, lat, lon, strict=True)
        rows += [f"{boat},{a:.0f},{b:.6f},{c:.6f},{ship_type}" for a, b, c in fixes]
    source = tmp_path / "boats.csv"
    source.write_text("\n".join(["vessel_id,time,lat,lon,ship_type", *rows]) + "\n")
    out = tmp_path / "out.csv"
    done = subprocess.run(
        [sys.executable, "-c", "from mda.cli import main; main()", "activity", str(source),
         "--out", str(out)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    _, labelled = read_csv(out)
    fishing = {r["vessel_id"] for r in labelled if r["activity"] == "fishing"}
    assert fishing == {"trawler", "unknown"}


def test_a_fishing_vessel_towing_straight_is_fishing_an_unknown_one_on_passage() -> None:
    # Type 30 says "fishing vessel" without a gear: taken as a trawler (as the fishing rules
    # take it), whose straight tows at 3 kn are fishing; without a type they are a passage.
    legs = [(90.0, 10.0, 30.0), (0.0, 3.0, 120.0), (270.0, 10.0, 30.0)]
    t, lat, lon = track(legs, 30.0)
    minutes = (t - t[0]) / 60
    tow = (minutes > 35) & (minutes < 145)
    for ship_type, expected in ((FISHING_TYPE, True), (None, False), (0, False)):
        fleet = classify_fleet(["V"] * len(t), t, lat, lon, ship_type=[ship_type] * len(t))
        assert bool(np.mean(fleet.activity[tow] == FISHING) >= 0.95) is expected
