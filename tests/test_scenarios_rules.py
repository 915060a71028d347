"""Every rule on its simulated scenario: fires within the expected window and not before,
stays silent where the truth says so, and raises nothing on ordinary traffic."""

from __future__ import annotations

import json
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from mda.model import Alert
from mda.pipeline import build_pipeline
from mda.resources import default_folder
from mda.rules.settings import load_rule_files
from mda.settings.tomlfile import read_toml
from mda.simulate.scenarios import SCENARIOS, Simulation, simulate

BATCH = 5_000  # what the file source hands the pipeline
ACTED = [name for name in SCENARIOS if name != "background"]


@cache
def scenario(name: str, vessels: int = 60) -> Simulation:
    return simulate(name, seed=1, vessels=vessels)


def rules_for(sim: Simulation, folder: Path) -> Path:
    """The scenario's watch list, and zone entry alerts for listed vessels into the Red Sea;
    its carrier list (``carriers.csv``), named by the default encounter rule."""
    folder.mkdir(parents=True, exist_ok=True)
    wl = sim.watch_list
    text = ""
    if any(wl.values()):
        lists = (f"mmsi = {json.dumps(wl['mmsi'])}\nimo = {json.dumps(wl['imo'])}\n"
                 f"names = {json.dumps(wl['names'])}\n")  # fmt: skip
        text = (f"[watch_list]\n{lists}\n[zone_entry]\nenabled = true\nzones = [\"red-sea\"]\n"
                f"{lists}")  # fmt: skip
    if sim.carriers:
        (folder / "carriers.csv").write_text("mmsi\n" + "".join(f"{m}\n" for m in sim.carriers))
        # A table of the same name replaces the default one whole: repeat its settings.
        table = {**default_table("encounter"), "carrier_list": "carriers.csv"}
        text += "\n[encounter]\n" + "".join(f"{k} = {toml_value(v)}\n" for k, v in table.items())
    (folder / "scenario.toml").write_text(text)
    return folder


def default_table(name: str) -> dict[str, Any]:
    """The rule table ``name`` as the default rule sets define it (the last file wins, as
    when rules are loaded); empty when none does."""
    table: dict[str, Any] = {}
    for file in sorted(default_folder("alerts").glob("*.toml")):
        table = read_toml(file).get(name, table)
    return table


def toml_value(value: object) -> str:
    """A rule setting (number, flag, text or list of them) as TOML."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string of these settings is a TOML basic string
    raise TypeError(f"not a rule setting: {value!r}")


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
    return alerts + p.finish().alerts


@pytest.mark.parametrize("name", ACTED)
def test_expected_alerts_fire_in_their_window(name: str) -> None:
    sim, alerts = outcome(name)
    assert sim.expected
    for expected in sim.expected:
        opened = [
            a for a in alerts
            if a.rule == expected.rule and a.mmsi == expected.mmsi and a.state == "open"
            and (expected.zone_id is None or a.zone_id == expected.zone_id)
            and (expected.other_mmsi is None or a.body.get("other_mmsi") == expected.other_mmsi)
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


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_fishing_type_mismatch_fires_only_where_the_truth_expects_it(name: str) -> None:
    """Issue 17: a vessel of a non-fishing type is a mismatch only on strong evidence of
    fishing. No scenario's truth expects one (no actor of a non-fishing type fishes; a cargo
    ship stopped in the Gulf of Aden and a reefer waiting for a longliner do not), so none of
    them may raise it, on an actor or on ordinary traffic."""
    sim, alerts = outcome(name)
    due = {e.mmsi for e in sim.expected if e.rule == "fishing_type_mismatch"}
    fired = [a.message for a in alerts if a.rule == "fishing_type_mismatch"
             and a.state == "open" and a.mmsi not in due]  # fmt: skip
    assert fired == []


@pytest.mark.parametrize("name", ACTED)
def test_ordinary_traffic_of_each_scenario_raises_nothing(name: str) -> None:
    sim, alerts = outcome(name)
    background = {m for m, role in sim.roles.items() if role in ("background", "moored",
                                                                 "anchored")}  # fmt: skip
    assert [a.message for a in alerts if a.mmsi in background] == []


def test_background_traffic_alone_raises_nothing(tmp_path: Path) -> None:
    sim = scenario("background", vessels=200)
    assert replay(sim, rules_for(sim, tmp_path / "rules")) == []


def test_the_carrier_list_reaches_the_encounter_rule_with_its_default_settings(
    tmp_path: Path,
) -> None:
    sim = scenario("longliner-meets-reefer")
    folder = rules_for(sim, tmp_path / "rules")
    (default,) = [s for s in load_rule_files([default_folder("alerts")])
                  if s.scope.name == "encounter"]  # fmt: skip
    (told,) = [s for s in load_rule_files([default_folder("alerts"), folder])
               if s.scope.name == "encounter"]  # fmt: skip
    assert told.scope == default.scope
    assert dict(told.params) == {**default.params, "carrier_list": "carriers.csv"}
    assert (folder / "carriers.csv").read_text().split() == ["mmsi", *map(str, sim.carriers)]


def test_replaying_twice_gives_identical_alerts(tmp_path: Path) -> None:
    sim = scenario("dark-tanker")
    rules = rules_for(sim, tmp_path / "rules")
    first = [(a.alert_id, a.state, a.updated, a.body) for a in replay(sim, rules)]
    again = [(a.alert_id, a.state, a.updated, a.body) for a in replay(sim, rules)]
    assert first and first == again
