"""What an alert says to a watch officer at 3 a.m.: ship type and navigational status in words
beside the codes, the nearest named place ("38 nm SE of Port Sudan"), the cable's owners and
landing points from the catalogue, and where a cleared alert cleared; and a partner whose alert
names a cable sees that cable's corridor (and no other zone) through the API."""

from __future__ import annotations

import contextlib
import copy
import math
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mda.aiswords import nav_status_words, ship_type_words
from mda.alerts.places import Gazetteer, compass_point
from mda.alerts.sinks import alert_line
from mda.api import LivePicture, TokenStore, api_context, build_api
from mda.config import Config
from mda.feeds.core import FeedSet
from mda.geo import NM, destination
from mda.model import Alert, Position
from mda.pipeline import Pipeline
from mda.rules.engine import RuleEngine
from mda.rules.settings import rule_spec
from mda.runtime.service import Service
from mda.settings.feeds import parse_feeds
from mda.zones.catalog import zones_from_geojson
from mda.zones.index import ZoneIndex
from tests.rule_kit import CABLE_LON, T0, ZONES, end_of, leg, static
from tests.test_api_kit import NOW, settings, step

TANKER = 636_000_081
OWNERS = ["Owner One", "Owner Two"]
LANDINGS = ["South Landing, Nowhere", "North Landing, Nowhere"]
CABLE_RULE = {"severity": "alarm", "zones": ["kind:cable"], "clear_after_minutes": 5.0}
PORT_LAT, PORT_LON = 0.2, 10.2  # the test port


# -- the words ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "words"),
    [(0, None), (None, None), (30, "fishing"), (52, "tug"), (70, "cargo ship"),
     (80, "tanker"), (81, "tanker, hazardous category A"), (84, "tanker, hazardous category D"),
     (89, "tanker, no additional information"), (86, "tanker, reserved"), (37, "pleasure craft"),
     (12, "reserved"), (38, "reserved"), (99, "other type, no additional information"),
     (100, None)],
)  # fmt: skip
def test_ship_types_in_words(code: int | None, words: str | None) -> None:
    assert ship_type_words(code) == words


@pytest.mark.parametrize(
    ("code", "words"),
    [(0, "under way using engine"), (1, "at anchor"), (5, "moored"), (7, "engaged in fishing"),
     (14, "AIS-SART, MOB or EPIRB active"), (15, "not defined"), (16, None), (None, None)],
)  # fmt: skip
def test_navigational_status_in_words(code: int | None, words: str | None) -> None:
    assert nav_status_words(code) == words


@pytest.mark.parametrize(
    ("bearing", "point"),
    [(0.0, "N"), (11.24, "N"), (11.26, "NNE"), (135.0, "SE"), (180.0, "S"), (348.74, "NNW"),
     (348.76, "N"), (359.9, "N"), (270.0, "W")],
)  # fmt: skip
def test_the_sixteen_points_of_the_compass(bearing: float, point: str) -> None:
    assert compass_point(bearing) == point


def _gazetteer() -> Gazetteer:
    return Gazetteer(zones_from_geojson(ZONES, "test", "test zones"))


def test_a_position_is_said_from_the_nearest_port() -> None:
    lat, lon = destination(PORT_LAT, PORT_LON, 135.0, 38 * NM)  # 38 nm south-east of it
    place = _gazetteer().nearest(lat, lon)
    assert place is not None
    assert place["text"] == "38 nm SE of Test Port"
    assert (place["zone_id"], place["compass"], place["distance_nm"]) == ("test-port", "SE", 38.0)
    assert place["bearing_deg"] == 135


def test_a_vessel_in_port_is_at_it_and_without_ports_nothing_is_said() -> None:
    place = _gazetteer().nearest(PORT_LAT + 0.001, PORT_LON)
    assert place is not None and place["text"] == "at Test Port"
    no_ports = [z for z in zones_from_geojson(ZONES, "test", "t") if z.kind != "port"]
    assert Gazetteer(no_ports).nearest(1.0, 11.0) is None


def test_the_nearest_of_two_ports_is_named() -> None:
    zones = copy.deepcopy(ZONES)
    zones["features"].append(
        {"type": "Feature", "properties": {"id": "far-port", "name": "Far Port", "kind": "port"},
         "geometry": {"type": "Point", "coordinates": [11.8, 1.8]}}
    )  # fmt: skip
    gazetteer = Gazetteer(zones_from_geojson(zones, "test", "test zones"))
    assert gazetteer.nearest(1.7, 11.7)["name"] == "Far Port"  # type: ignore[index]
    assert gazetteer.nearest(0.3, 10.3)["name"] == "Test Port"  # type: ignore[index]


# -- a cable alarm, in words -----------------------------------------------------------------


def _zones() -> dict[str, Any]:
    """The test zones, their cable with owners and landing points as the catalogue gives."""
    zones = copy.deepcopy(ZONES)
    for feature in zones["features"]:
        if feature["properties"]["id"] == "test-cable":
            feature["properties"] |= {"owners": OWNERS, "landing_points": LANDINGS}
    return zones


def _pipeline() -> Pipeline:
    idx = ZoneIndex(zones_from_geojson(_zones(), "test", "test zones"))
    return Pipeline(idx, RuleEngine([rule_spec("cable_threat", dict(CABLE_RULE))], idx))


def _anchoring() -> list[Position]:
    """A tanker steaming east, anchoring on the cable (at anchor, stopped, 20 min)."""
    start_lon = CABLE_LON - 0.1
    track = leg(TANKER, T0, 1.0, start_lon, 90.0, 12.0, 30, every_s=30)
    t, lat, _ = end_of(track)
    return track + leg(TANKER, t + 30, lat, CABLE_LON, 90.0, 0.0, 20, every_s=30, nav=1)


def _weighing_anchor(track: list[Position]) -> list[Position]:
    """Then under way again, east at 12 knots for 30 minutes: out of the corridor."""
    t, lat, lon = end_of(track)
    return leg(TANKER, t + 30, lat, lon, 90.0, 12.0, 30, every_s=30, nav=0)


def _alerts(p: Pipeline, *parts: list[Position]) -> list[Alert]:
    out: list[Alert] = []
    first = True
    for part in parts:
        records: list[Any] = [static(TANKER, T0, "TANKER ONE", 81)] if first else []
        first = False
        got = p.process_records([*records, *part])
        got.extend(p.advance_to(max(q.time for q in part if q.time is not None) + 60.0))
        out += got.alerts
    return out


def test_a_cable_alarm_says_who_where_and_whose_cable() -> None:
    p = _pipeline()
    anchoring = _anchoring()
    alerts = _alerts(p, anchoring, _weighing_anchor(anchoring))
    opened = next(a for a in alerts if a.state == "open")
    body = opened.body
    vessel = body["vessel"]
    assert isinstance(vessel, dict)
    assert (vessel["ship_type"], vessel["ship_type_text"]) == (81, "tanker, hazardous category A")
    assert (vessel["nav_status"], vessel["nav_status_text"]) == (1, "at anchor")
    assert body["zone"] == {"id": "test-cable", "name": "Test Cable", "kind": "cable",
                            "owners": OWNERS, "landing_points": LANDINGS}  # fmt: skip
    place = body["nearest_place"]
    assert isinstance(place, dict) and isinstance(body["position"], dict)
    # The anchorage is about 0.8 degrees north and east of the port: some 68 nm north-east.
    assert place["name"] == "Test Port" and place["compass"] == "NE"
    assert 66 <= float(place["distance_nm"]) <= 70
    assert place["text"] == f"{float(place['distance_nm']):.0f} nm NE of Test Port"
    line = alert_line(opened)
    assert "TANKER ONE (tanker, hazardous category A, at anchor)" in line
    assert str(place["text"]) in line
    assert "cleared_at" not in body


def test_a_cleared_alert_says_where_it_cleared() -> None:
    p = _pipeline()
    anchoring = _anchoring()
    alerts = _alerts(p, anchoring, _weighing_anchor(anchoring))
    assert [a.state for a in alerts] == ["open", "cleared"]
    opened, cleared = alerts
    where = cleared.body["cleared_at"]
    assert isinstance(where, dict) and isinstance(opened.body["position"], dict)
    anchored_lon = float(opened.body["position"]["lon"])
    # Cleared once out of the corridor (1 nm each side of 11 E), east of where it anchored.
    half_corridor = NM / (111_320.0 * math.cos(math.radians(1.0)))
    assert float(where["lon"]) > CABLE_LON + half_corridor * 0.9 > anchored_lon
    assert where["time"] <= cleared.body["updated"]
    assert where["nearest_place"]["name"] == "Test Port"
    assert "cleared " in alert_line(cleared)


# -- a partner sees the corridor its alert names -----------------------------------------------

FEEDS = {"navy-b": {"formats": ["mqtt"], "zones": ["test-sea"], "ship_types": ["70-89"],
                    "rules": ["cable_threat"], "round_decimals": 2}}  # fmt: skip


@contextlib.asynccontextmanager
async def _api(tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, str], Any]]:
    """The API over the cable pipeline with a partner feed; yields the client, the tokens'
    headers by role, and a function running a step of records through the service."""
    p = _pipeline()
    service = Service(Config(http_listen=None), p, [])
    feeds = parse_feeds(FEEDS, "test feeds", tmp_path)
    live = LivePicture(p, feeds=feeds, acknowledge=service.acknowledge, refresh_s=0.0,
                       vessel_update_s=3600.0)  # fmt: skip
    service.sinks.append(live)
    feed_set = FeedSet(feeds, p.index, p.tracks, rules=p.engine.scopes)
    api_settings = settings(tmp_path)
    tokens = TokenStore(api_settings.tokens_file)
    headers = {role: {"Authorization": f"Bearer {tokens.add(role.replace(':', '-'), role)}"}
               for role in ("officer", "partner:navy-b")}  # fmt: skip
    app = build_api(api_settings, tokens, live=live, store_url=None, now=lambda: NOW)
    ctx = api_context(app)
    await ctx.start()

    def run(records: list[Any]) -> list[Alert]:
        return list(step(p, live, records, feed_set).alerts)

    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://mda") as client:
            yield client, headers, run
    finally:
        await ctx.close()


def _ids(collection: dict[str, Any]) -> list[str]:
    return [f["id"] for f in collection["features"]]


async def test_a_partner_sees_the_corridor_of_the_cable_its_alert_names(tmp_path: Path) -> None:
    async with _api(tmp_path) as (client, headers, run):
        partner = headers["partner:navy-b"]
        before = (await client.get("/api/v1/cables", headers=partner)).json()
        unseen = await client.get("/api/v1/zones/test-cable", headers=partner)
        alerts = run([static(TANKER, T0, "TANKER ONE", 81), *_anchoring()])
        assert [a.state for a in alerts] == ["open"]
        cables = (await client.get("/api/v1/cables", headers=partner)).json()
        corridors = (await client.get("/api/v1/cables", headers=partner,
                                      params={"geometry": "area"})).json()  # fmt: skip
        zones = (await client.get("/api/v1/zones", headers=partner)).json()
        corridor = await client.get("/api/v1/zones/test-cable", headers=partner)
        sea = await client.get("/api/v1/zones/test-sea", headers=partner)
        shared = (await client.get("/api/v1/alerts", headers=partner)).json()["alerts"]
        officer = (await client.get("/api/v1/zones", headers=headers["officer"])).json()
    assert _ids(before) == [] and unseen.status_code == 404
    assert _ids(cables) == ["test-cable"] and cables["features"][0]["geometry"]["type"] == (
        "LineString"
    )
    assert corridors["features"][0]["geometry"]["type"] == "Polygon"
    assert _ids(zones) == ["test-cable"]
    assert corridor.status_code == 200 and corridor.json()["geometry"]["type"] == "Polygon"
    assert sea.status_code == 404  # nothing of the catalogue the alert does not name
    assert _ids(officer) == ["test-sea", "test-cable", "test-port"]
    (alert,) = shared
    assert alert["zone"]["owners"] == OWNERS
    # Positions reach this partner rounded to two decimals: the place is named, no distance.
    assert alert["nearest_place"] == {"zone_id": "test-port", "name": "Test Port",
                                      "text": "near Test Port"}  # fmt: skip
    assert alert["vessel"]["nav_status_text"] == "at anchor"
