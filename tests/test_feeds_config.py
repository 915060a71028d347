"""Partner feed definitions: what the [feeds.<partner>] tables say, and one clear line when
they are wrong."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mda.errors import ConfigError
from mda.settings.feeds import check_feeds, load_feeds, parse_feeds

EXAMPLE = """
[feeds]
topic_prefix = "mda"
service_user = "mda-service"

[feeds.navy-a]
formats = ["mqtt", "cot"]
zones = ["bab-el-mandeb"]
zone_kinds = ["cable"]
bbox = [32.0, 11.0, 44.0, 30.0]
ship_types = [30, "70-89", "unknown"]
never_share = { mmsi = [211000001], imo = [9000001] }
always_share = { mmsi = [366000001] }
rules = ["cable_threat", "loitering"]
round_m = 500
delay_minutes = 15
affiliation = "n"
alert_strip = ["evidence.corridors"]

[feeds.navy-a.cot]
url = "tls://tak.example.org:8089"
ca_file = "tak-ca.pem"
cert_file = "mda.pem"
key_file = "mda.key"
events_per_s = 50

[feeds.navy-b]
formats = ["nmea"]
"""


def write(tmp_path: Path, text: str, name: str = "feeds.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error_of(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load_feeds(write(tmp_path, text))
    return str(caught.value)


def test_a_feeds_file_gives_each_partner_its_entitlement(tmp_path: Path) -> None:
    config = load_feeds(write(tmp_path, EXAMPLE))
    a, b = config.feeds
    assert (config.topic_prefix, config.service_user) == ("mda", "mda-service")
    assert config.service_read == ("mda/ack/#",)
    assert a.partner == "navy-a" and a.formats == ("mqtt", "cot")
    assert a.zones == {"bab-el-mandeb"} and a.zone_kinds == {"cable"}
    assert a.bbox == (32.0, 11.0, 44.0, 30.0)
    assert a.ship_types.ranges == ((30, 30), (70, 89)) and a.ship_types.unknown
    assert a.never_share.mmsi == {211000001} and a.never_share.imo == {9000001}
    assert a.always_share.mmsi == {366000001}
    assert a.rules == {"cable_threat", "loitering"}
    assert a.precision.metres == 500.0 and a.delay_s == 900.0 and a.affiliation == "n"
    assert a.tak is not None and a.tak.tls and (a.tak.host, a.tak.port) == ("tak.example.org", 8089)
    assert a.tak.ca_file == tmp_path / "tak-ca.pem" and a.tak.events_per_s == 50.0
    assert b.formats == ("nmea",) and b.precision.exact and b.delay_s == 0.0


def test_what_is_left_out_shares_less_never_more(tmp_path: Path) -> None:
    (spec,) = load_feeds(write(tmp_path, '[feeds.p]\nformats = ["mqtt"]\n')).feeds
    assert spec.rules == frozenset() and not spec.shares_rule("cable_threat")
    assert spec.ship_types.everything and not spec.restricted_to_areas
    assert spec.affiliation == "u"


def test_the_service_configuration_can_hold_the_feeds(tmp_path: Path) -> None:
    path = write(tmp_path, '[mqtt]\nurl = "mqtt://b"\n' + EXAMPLE, "mda.toml")
    assert [s.partner for s in load_feeds(path).feeds] == ["navy-a", "navy-b"]


def test_a_file_without_feeds_has_none(tmp_path: Path) -> None:
    assert load_feeds(write(tmp_path, '[mqtt]\nurl = "mqtt://b"\n')).feeds == ()


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ('formats = ["mqtt", "kml"]', "[feeds.p] formats: 'kml' is not one of mqtt, cot, nmea"),
        ("formats = []", "[feeds.p] formats: required"),
        ('formats = ["mqtt"]\nzone_kind = ["cable"]', "[feeds.p] zone_kind: unknown setting"),
        ('formats = ["mqtt"]\nzone_kinds = ["cables"]', "[feeds.p] zone_kinds: 'cables'"),
        ('formats = ["mqtt"]\nbbox = [44, 11, 32]', "[feeds.p] bbox: expected [west, south"),
        ('formats = ["mqtt"]\nbbox = [32, 30, 44, 11]', "[feeds.p] bbox: [32, 30, 44, 11] is"),
        ('formats = ["mqtt"]\nship_types = ["89-70"]', "[feeds.p] ship_types: '89-70' runs"),
        ('formats = ["mqtt"]\nship_types = ["cargo"]', "[feeds.p] ship_types: 'cargo' is not"),
        ('formats = ["mqtt"]\nnever_share = { mmsi = ["x"] }', "[feeds.p] never_share.mmsi:"),
        ('formats = ["mqtt"]\nalways_share = { imo = [12] }', "[feeds.p] always_share.imo: 12"),
        ('formats = ["mqtt"]\nnever_share = { name = [] }', "[feeds.p] never_share.name: unknown"),
        ('formats = ["mqtt"]\nround_decimals = 7', "[feeds.p] round_decimals: expected a whole"),
        ('formats = ["mqtt"]\nround_m = 0', "[feeds.p] round_m: must be more than 0 m"),
        ('formats = ["mqtt"]\nround_m = 5\nround_decimals = 2', "[feeds.p] round_m: give"),
        ('formats = ["mqtt"]\ndelay_minutes = -1', "[feeds.p] delay_minutes: must not be"),
        ('formats = ["mqtt"]\ndelay_minutes = "soon"', "[feeds.p] delay_minutes: expected a nu"),
        ('formats = ["mqtt"]\naffiliation = "friend"', "[feeds.p] affiliation: 'friend' is not"),
        ('formats = ["mqtt"]\nrules = "cable_threat"', "[feeds.p] rules: expected a list"),
        ('formats = ["cot"]', "[feeds.p] cot: a [feeds.p.cot] table"),
        ('formats = ["mqtt"]\ncot = { url = "tcp://h:1" }', "[feeds.p] cot: a [feeds.p.cot]"),
        ('formats = ["cot"]\ncot = { url = "http://h:1" }', "[feeds.p.cot] url: 'http://h:1'"),
        ('formats = ["cot"]\ncot = { url = "tcp://h:1", ca_file = "ca" }', "must be tls://"),
        ('formats = ["cot"]\ncot = { url = "tls://h:1", cert_file = "c" }', "[feeds.p.cot] key"),
        ('formats = ["cot"]\ncot = { url = "tls://h:1", pin = 1 }', "[feeds.p.cot] pin: unknown"),
        ('formats = ["cot"]\ncot = { url = "tcp://h:1", events_per_s = 0 }',
         "[feeds.p.cot] events_per_s: expected a positive number, got 0"),
    ],
)
def test_a_mistake_names_the_file_the_table_and_the_key(
    tmp_path: Path, table: str, expected: str
) -> None:
    message = error_of(tmp_path, f"[feeds.p]\n{table}\n")
    assert message.startswith(f"{tmp_path / 'feeds.toml'}: ")
    assert expected in message


@pytest.mark.parametrize("redaction", ["round_decimals = 3", "round_m = 100", "delay_minutes = 5"])
def test_raw_nmea_cannot_be_redacted_so_the_combination_is_refused(
    tmp_path: Path, redaction: str
) -> None:
    message = error_of(tmp_path, f'[feeds.p]\nformats = ["mqtt", "nmea"]\n{redaction}\n')
    assert "[feeds.p] formats: raw 'nmea' sentences are passed unaltered" in message


def test_partner_names_must_be_safe_as_topics_and_user_names(tmp_path: Path) -> None:
    message = error_of(tmp_path, '[feeds."navy/#"]\nformats = ["mqtt"]\n')
    assert "[feeds.navy/#]: a partner name is letters, digits" in message
    message = error_of(tmp_path, '[feeds]\nservice_user = "navy"\n[feeds.navy]\nformats = []\n')
    assert "[feeds.navy]: the name of the service user" in message


def test_a_shared_setting_must_be_known(tmp_path: Path) -> None:
    message = error_of(tmp_path, '[feeds]\nformats = ["mqtt"]\n')
    assert "[feeds] formats: unknown setting" in message and "[feeds.<partner>]" in message


def test_an_area_comes_from_a_geojson_file_beside_the_feeds(tmp_path: Path) -> None:
    square = {"type": "Polygon", "coordinates": [[[40, 10], [41, 10], [41, 11], [40, 11],
                                                  [40, 10]]]}  # fmt: skip
    (tmp_path / "area.geojson").write_text(json.dumps(square))
    path = write(tmp_path, '[feeds.p]\nformats = ["mqtt"]\narea = "area.geojson"\n')
    (spec,) = load_feeds(path).feeds
    assert spec.area is not None and spec.area.bounds == (40.0, 10.0, 41.0, 11.0)
    message = error_of(tmp_path, '[feeds.p]\nformats = ["mqtt"]\narea = "missing.geojson"\n')
    assert "[feeds.p] area: " in message and "missing.geojson" in message


def test_zones_and_rules_a_feed_names_must_exist(tmp_path: Path) -> None:
    config = parse_feeds(
        {"p": {"formats": ["mqtt"], "zones": ["red-sea", "red-see"], "rules": ["loitering"]}},
        "feeds.toml", tmp_path,
    )  # fmt: skip
    with pytest.raises(
        ConfigError, match=r"\[feeds.p\] zones: no loaded zone has the id 'red-see'"
    ):
        check_feeds(config, {"red-sea": None}, None)
    with pytest.raises(ConfigError, match=r"\[feeds.p\] rules: no rule is named 'loitering'"):
        check_feeds(config, {"red-sea": None, "red-see": None}, {"going_dark"})


def test_the_service_configuration_can_point_to_a_feeds_file(tmp_path: Path) -> None:
    write(tmp_path, EXAMPLE)
    service = write(tmp_path, '[mqtt]\nurl = "mqtt://b"\n[feeds]\nfile = "feeds.toml"\n', "m.toml")
    config = load_feeds(service)
    assert [s.partner for s in config.feeds] == ["navy-a", "navy-b"]
    assert config.where == str(tmp_path / "feeds.toml")  # errors name the file the feeds are in
    both = '[feeds]\nfile = "feeds.toml"\n[feeds.p]\nformats = ["mqtt"]\n'
    assert "[feeds] file: the feeds are in that file" in error_of(tmp_path, both)
    write(tmp_path, '[feeds]\nfile = "m.toml"\n', "loop.toml")
    looping = '[feeds]\nfile = "loop.toml"\n'
    assert "must hold [feeds.<partner>] tables" in error_of(tmp_path, looping)


def test_the_example_in_the_documentation_is_valid(tmp_path: Path) -> None:
    docs = Path(__file__).parent.parent / "docs" / "feeds.md"
    blocks = docs.read_text(encoding="utf-8").split("```toml\n")
    example = next(b.split("```")[0] for b in blocks if "[feeds.navy-a]" in b)
    (tmp_path / "areas").mkdir()
    (tmp_path / "areas" / "navy-a.geojson").write_text(
        '{"type": "Polygon", "coordinates": [[[42, 12], [43, 12], [43, 13], [42, 12]]]}'
    )
    config = load_feeds(write(tmp_path, example))
    assert [s.partner for s in config.feeds] == ["navy-a", "coastguard-b"]


def test_the_check_command_says_what_each_partner_receives_and_catches_typos(
    tmp_path: Path,
) -> None:
    from typer.testing import CliRunner

    from mda.cli import app

    feeds = write(tmp_path, '[feeds.p]\nformats = ["mqtt"]\nzones = ["red-sea"]\nround_m = 250\n')
    result = CliRunner().invoke(app, ["feeds", "check", "--feeds", str(feeds)])
    assert result.exit_code == 0, result.output
    assert "waters: red-sea; every ship type" in result.stdout and "250 m" in result.stdout
    write(tmp_path, '[feeds.p]\nformats = ["mqtt"]\nrules = ["cable_treat"]\n')
    result = CliRunner().invoke(app, ["feeds", "check", "--feeds", str(feeds)])
    assert isinstance(result.exception, ConfigError)
    assert "[feeds.p] rules: no rule is named 'cable_treat'" in str(result.exception)
