"""Every rule on its simulated scenario: fires within the expected window and not before,
stays silent where the truth says so, and raises nothing on ordinary traffic."""

from __future__ import annotations

import json
import tempfile
from functools import cache
from pathlib import Path

import pytest

from mda.model import Alert
from mda.pipeline import build_pipeline
from mda.resources import default_folder
from mda.simulate.scenarios import SCENARIOS, Simulation, simulate

BATCH = 5_000  # what the file source hands the pipeline
ACTED = [name for name in SCENARIOS if name != "background"]


@cache
def scenario(name: str, vessels: int = 60) -> Simulation:
    return simulate(name, seed=1, vessels=vessels)


def rules_for(sim: Simulation, folder: Path) -> Path:
    """The scenario's watch list, and zone entry alerts for listed vessels into the Red Sea."""
    folder.mkdir(parents=True, exist_ok=True)
    wl = sim.watch_list
    text = ""
    if any(wl.values()):
        lists = (f"mmsi = {json.dumps(wl['mmsi'])}\nimo = {json.dumps(wl['imo'])}\n"
                 f"names = {json.dumps(wl['names'])}\n")  # fmt: skip
        text = (f"[watch_list]\n{lists}\n[zone_entry]\nenabled = true\nzones = [\"red-sea\"]\n"
                f"{lists}")  # fmt: skip
    (folder / "scenario.toml").write_text(text)
    return folder


@cache
def outcome(name: str) -> tuple[Simulation, list[Alert]]:
    """A scenario and the alerts of its replay (computed once for the tests that read it)."""
    sim = scenario(name)
    with tempfile.TemporaryDirectory() as folder:
        return sim, replay(sim, rules_for(sim, Path(folder)))


def replay(sim: Simulation, folder: Path) -> list[Alert]:
    p = build_pipeline([default_folder("zones")], [default_folder("alerts"), folder])
    alerts: list[Alert] = []
    for i in range(0, len(sim.lines), BATCH):
        alerts += p.process(sim.lines[i : i + BATCH], sim.scenario).alerts
    return alerts


@pytest.mark.parametrize("name", ACTED)
def test_expected_alerts_fire_in_their_window(name: str) -> None:
    sim, alerts = outcome(name)
    assert sim.expected
    for expected in sim.expected:
        opened = [
            a for a in alerts
            if a.rule == expected.rule and a.mmsi == expected.mmsi and a.state == "open"
            and (expected.zone_id is None or a.zone_id == expected.zone_id)
        ]  # fmt: skip
        assert opened, f"{expected.rule} on {expected.mmsi} never opened ({expected.note})"
        first = opened[0]
        assert expected.not_before <= first.updated <= expected.by, (
            f"{expected.rule} opened at {first.body['updated']}, due between "
            f"{expected.not_before} and {expected.by}: {expected.note}"
        )


@pytest.mark.parametrize("name", ACTED)
def test_rules_the_truth_calls_silent_stay_silent(name: str) -> None:
    sim, alerts = outcome(name)
    for silent in sim.silent:
        fired = [a for a in alerts if a.rule == silent.rule and a.mmsi == silent.mmsi]
        assert not fired, f"{silent.rule} fired on {silent.mmsi}: {silent.why}"


@pytest.mark.parametrize("name", ACTED)
def test_ordinary_traffic_of_each_scenario_raises_nothing(name: str) -> None:
    sim, alerts = outcome(name)
    background = {m for m, role in sim.roles.items() if role in ("background", "moored",
                                                                 "anchored")}  # fmt: skip
    assert [a.message for a in alerts if a.mmsi in background] == []


def test_background_traffic_alone_raises_nothing(tmp_path: Path) -> None:
    sim = scenario("background", vessels=200)
    assert replay(sim, rules_for(sim, tmp_path / "rules")) == []


def test_replaying_twice_gives_identical_alerts(tmp_path: Path) -> None:
    sim = scenario("dark-tanker")
    rules = rules_for(sim, tmp_path / "rules")
    first = [(a.alert_id, a.state, a.updated, a.body) for a in replay(sim, rules)]
    again = [(a.alert_id, a.state, a.updated, a.body) for a in replay(sim, rules)]
    assert first and first == again
