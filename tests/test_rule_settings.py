"""Rule sets: defaults load, mistakes are named clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from mda.errors import ConfigError
from mda.resources import default_folder
from mda.rules.engine import RuleEngine
from mda.rules.settings import load_rule_files, rule_spec
from mda.settings.vessel_lists import load_vessel_list, read_vessel_rows
from tests.rule_kit import index


def test_the_default_rule_sets_load_against_the_default_zones() -> None:
    from mda.zones.index import ZoneIndex

    idx = ZoneIndex.from_folders([default_folder("zones")])
    engine = RuleEngine(load_rule_files([default_folder("alerts")]), idx)
    names = {r.scope.name for r in engine.rules}
    assert names == {
        "loitering", "cable_threat", "going_dark", "unexpected_stop", "watch_list",
        "restricted_fishing", "fishing_type_mismatch", "encounter", "dark_rendezvous",
        "invalid_mmsi", "shared_mmsi", "identity_change", "position_anomaly", "spoofing",
    }  # fmt: skip


def test_a_users_table_overrides_the_default_by_name(tmp_path: Path) -> None:
    (tmp_path / "mine.toml").write_text(
        "[loitering]\nmin_hours = 4.0\n[going_dark]\nenabled = false\n"
    )
    specs = {s.scope.name: s for s in load_rule_files([default_folder("alerts"), tmp_path])}
    assert specs["loitering"].params == {"min_hours": 4.0}
    assert "going_dark" not in specs


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"max_sped_kn": 2.0}, r"\[loitering\] max_sped_kn: unknown setting"),
        ({"max_speed_kn": "two"}, r"\[loitering\] max_speed_kn: expected a number"),
        ({"severity": "panic"}, r"\[loitering\] severity: expected one of alarm"),
        (
            {"zones": ["no-such-sea"]},
            r"\[loitering\] zones: no loaded zone has the id 'no-such-sea'",
        ),
        ({"zones": ["kind:volcano"]}, r"unknown zone kind 'volcano'"),
        ({"ship_types": ["70-8x"]}, r"ship_types: '70-8x' is not a range"),
        ({"ship_types": ["89-70"]}, r"ship_types: '89-70' runs backwards"),
        ({"ship_types": ["70-300"]}, r"ship_types: '70-300' goes past 255"),
        ({"detector": "telepathy"}, r"unknown detector 'telepathy'"),
        ({"inhibited_by": ["nothing"]}, r"inhibited_by: no rule named 'nothing'"),
        ({"persist_minutes": -1}, r"persist_minutes: must not be negative"),
    ],
)
def test_mistakes_name_the_table_and_key(table: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        RuleEngine([rule_spec("loitering", table)], index())


def test_bad_toml_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "broken.toml").write_text("[loitering\n")
    with pytest.raises(ConfigError, match=r"broken\.toml: not valid TOML"):
        load_rule_files([tmp_path])


def test_a_watch_list_file_is_read_relative_to_its_rule_file(tmp_path: Path) -> None:
    (tmp_path / "watch.csv").write_text("mmsi,imo,name,reason\n636000009,,,sanctions\n,9123456,,\n")
    (tmp_path / "rules.toml").write_text('[watch_list]\nfile = "watch.csv"\n')
    engine = RuleEngine(load_rule_files([tmp_path]), index())
    (rule,) = engine.rules
    assert rule.watch_list.mmsi == {636000009: "sanctions"}  # type: ignore[attr-defined]
    (tmp_path / "watch.csv").write_text("mmsi\nnot-a-number\n")
    with pytest.raises(ConfigError, match=r"watch.csv:2: mmsi 'not-a-number' is not a number"):
        RuleEngine(load_rule_files([tmp_path]), index())


def test_an_empty_or_na_cell_gives_nothing_but_a_row_must_name_a_vessel(tmp_path: Path) -> None:
    """One rule for every vessel list file: watch lists, carrier lists, licence lists."""
    path = tmp_path / "list.csv"
    path.write_text("mmsi,imo,name,reason\nNA,9123456,,sanctions\n636000009,n/a, ,\n,,SHADOW,\n")
    rows = read_vessel_rows(path, "watch list", with_names=True)
    assert [(r.mmsi, r.imo, r.name, r.reason) for r in rows] == [
        (None, 9123456, None, "sanctions"), (636000009, None, None, ""), (None, None, "SHADOW", "")
    ]
    # Without a name column the name-only row names no vessel: refused, not skipped.
    with pytest.raises(ConfigError, match=r"carrier list .*list.csv:4: a row needs an mmsi or imo"):
        load_vessel_list(path, "carrier list")
    path.write_text("mmsi,name,imo\n636000009,REEFER ONE,NA\nNone,REEFER TWO,9123456\n")
    listed = load_vessel_list(path, "carrier list")
    assert (listed.mmsi, listed.imo) == ({636000009}, {9123456})
    path.write_text("vessel,flag\n636000009,LR\n")
    with pytest.raises(ConfigError, match=r"licence list .*list.csv: needs a column named mmsi"):
        load_vessel_list(path, "licence list")
