"""The live picture through the API: vessels and their filters, one vessel, a partner's
redacted picture, zones and cables as GeoJSON."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import shapely
from shapely.geometry import shape

from mda.api.live import LivePicture
from mda.api.zonesjson import METRES_PER_DEGREE
from tests.test_api_kit import ALPHA, BRAVO, CHARLIE, DANE, World, entry, sea_pipeline, step, world

VESSELS = "/api/v1/vessels"


async def mmsis(w: World, role: str = "officer", **params: Any) -> list[int]:
    response = await w.get(VESSELS, role, **params)
    assert response.status_code == 200, response.text
    return [v["mmsi"] for v in response.json()["vessels"]]


async def test_the_picture_holds_every_vessel_with_its_latest_fix(tmp_path: Path) -> None:
    async with world(tmp_path, None) as w:
        body = (await w.get(VESSELS, "officer")).json()
        state = w.pipeline.tracks.vessels[BRAVO].current
    rows = {v["mmsi"]: v for v in body["vessels"]}
    assert body["total"] == 4 and sorted(rows) == sorted([ALPHA, BRAVO, CHARLIE, DANE])
    assert state is not None
    bravo = rows[BRAVO]
    assert (bravo["lat"], bravo["lon"]) == (round(state.lat, 6), round(state.lon, 6))
    assert (bravo["shipname"], bravo["ship_type"], bravo["flag"], bravo["sog"], bravo["cog"],
            bravo["heading"]) == ("BRAVO", 80, "LR", 12.0, 0.0, 0)  # fmt: skip
    assert bravo["time"] == "2026-01-01T00:29:30.000Z" and bravo["zones"] == ["test-sea"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [({"zone": "test-sea"}, [ALPHA, BRAVO, CHARLIE]),
     ({"zone": "test-cable"}, [CHARLIE]),
     ({"ship_type": "70-89"}, [ALPHA, BRAVO]),
     ({"ship_type": ["30", "80"]}, [BRAVO, CHARLIE]),
     ({"flag": "gb,dk"}, [ALPHA, DANE]),
     ({"bbox": "8,0.9,10.5,1.1"}, [ALPHA, DANE]),
     ({"bbox": "11.2,0,11.8,2", "ship_type": "80"}, [BRAVO]),
     ({"bbox": "170,-10,-170,10"}, [])],
    ids=["zone", "cable", "type range", "types", "flags", "bbox", "bbox and type",
         "across the antimeridian"],
)  # fmt: skip
async def test_the_picture_filters(
    tmp_path: Path, params: dict[str, Any], expected: list[int]
) -> None:
    async with world(tmp_path, None) as w:
        assert await mmsis(w, **params) == sorted(expected)


async def test_the_picture_comes_a_page_at_a_time_in_mmsi_order(tmp_path: Path) -> None:
    async with world(tmp_path, None) as w:
        first = (await w.get(VESSELS, "officer", limit=3)).json()
        rest = (await w.get(VESSELS, "officer", limit=3, offset=3)).json()
    assert (first["total"], first["limit"], first["offset"]) == (4, 3, 0)
    ordered = [v["mmsi"] for v in first["vessels"] + rest["vessels"]]
    assert ordered == sorted([ALPHA, BRAVO, CHARLIE, DANE])


async def test_a_partner_sees_its_feed_only_and_rounded(tmp_path: Path) -> None:
    async with world(tmp_path, None) as w:
        body = (await w.get(VESSELS, "partner:navy-a")).json()
        state = w.pipeline.tracks.vessels[ALPHA].current
    rows = {v["mmsi"]: v for v in body["vessels"]}
    assert sorted(rows) == [ALPHA, BRAVO]  # not the fishing vessel, not the Dane outside
    assert state is not None
    assert (rows[ALPHA]["lat"], rows[ALPHA]["lon"]) == (round(state.lat, 2), round(state.lon, 2))


async def test_a_partner_does_not_find_a_vessel_it_may_not_see(tmp_path: Path) -> None:
    async with world(tmp_path, None) as w:
        hidden = await w.get(f"{VESSELS}/{CHARLIE}", "partner:navy-a")
        shown = await w.get(f"{VESSELS}/{CHARLIE}", "officer")
    assert hidden.status_code == 404 and shown.status_code == 200
    assert hidden.json() == {"detail": f"no vessel with MMSI {CHARLIE} is in the picture"}


async def test_one_vessel_has_its_recent_track_and_alerts(tmp_path: Path) -> None:
    async with world(tmp_path, None) as w:
        body = (await w.get(f"{VESSELS}/{ALPHA}", "officer")).json()
    assert body["vessel"]["shipname"] == "ALPHA"
    assert [a["rule"] for a in body["alerts"]] == ["sea_entry"]
    times = [point[0] for point in body["recent_track"]]
    assert times == sorted(times) and len(times) >= 2
    assert "identity_history" not in body or body["identity_history"] is None


async def test_an_analyst_sees_the_stored_identity_and_its_history(
    tmp_path: Path, plain_database: str
) -> None:
    async with world(tmp_path, plain_database) as w:
        body = (await w.get(f"{VESSELS}/{ALPHA}", "analyst")).json()
    assert body["identity"]["shipname"] == "ALPHA" and body["identity"]["ship_type"] == 70
    assert body["identity_history"] == [
        {"time": "2026-01-01T00:00:00.000Z", "shipname": "ALPHA", "callsign": "TEST1",
         "imo": None, "ship_type": 70, "flag": "GB"},
    ]  # fmt: skip


async def test_an_unknown_vessel_is_404(tmp_path: Path) -> None:
    async with world(tmp_path, None) as w:
        response = await w.get(f"{VESSELS}/123456789", "officer")
    assert response.status_code == 404


async def test_the_picture_follows_the_pipeline(tmp_path: Path) -> None:
    async with world(tmp_path, None, entered=False) as w:
        before = await mmsis(w, zone="test-sea")
        step(w.pipeline, w.live, entry(), w.feeds)
        after = await mmsis(w, zone="test-sea")
    assert ALPHA not in before and ALPHA in after


async def test_zones_are_geojson_of_the_catalogue_in_force(tmp_path: Path) -> None:
    async with world(tmp_path, None) as w:
        body = (await w.get("/api/v1/zones", "officer")).json()
        cables = (await w.get("/api/v1/zones", "officer", kind="cable")).json()
    ids = {f["id"]: f for f in body["features"]}
    assert set(ids) == {"test-sea", "test-cable", "test-port"}
    assert shape(ids["test-sea"]["geometry"]).equals(shapely.box(10, 0, 12, 2))
    assert [f["id"] for f in cables["features"]] == ["test-cable"]
    corridor = shape(cables["features"][0]["geometry"])
    assert corridor.geom_type == "Polygon" and corridor.contains(shapely.Point(11.0, 1.0))


async def test_cables_are_their_routes_or_their_corridors(tmp_path: Path) -> None:
    async with world(tmp_path, None) as w:
        routes = (await w.get("/api/v1/cables", "officer")).json()
        areas = (await w.get("/api/v1/cables", "officer", geometry="area")).json()
    (route,) = routes["features"]
    assert route["geometry"] == {"type": "LineString", "coordinates": [[11.0, -1.0], [11.0, 3.0]]}
    assert route["properties"]["width_m"] == 3704.0
    assert areas["features"][0]["geometry"]["type"] == "Polygon"


async def test_simplification_keeps_a_zone_but_with_fewer_points(tmp_path: Path) -> None:
    async with world(tmp_path, None) as w:
        exact = (await w.get("/api/v1/zones/test-port", "officer")).json()
        simple = (await w.get("/api/v1/zones/test-port", "officer", simplify_m=500)).json()
    exact_shape, simple_shape = shape(exact["geometry"]), shape(simple["geometry"])
    assert len(simple["geometry"]["coordinates"][0]) < len(exact["geometry"]["coordinates"][0])
    # Douglas-Peucker's promise: no point moves further than the tolerance.
    assert simple_shape.hausdorff_distance(exact_shape) <= 500 / METRES_PER_DEGREE


@pytest.mark.parametrize(
    ("params", "detail"),
    [({"zone": "atlantis"}, "zone: unknown zone 'atlantis' (GET /api/v1/zones lists them)"),
     ({"bbox": "1,2,3"}, "bbox: '1,2,3' is not west,south,east,north in degrees"),
     ({"bbox": "10,5,12,2"}, "bbox: '10,5,12,2' is not west,south,east,north in degrees "
      "(south below north, latitudes within 90, longitudes within 180)"),
     ({"ship_type": "70-300"}, "ship_type: '70-300' is not a type 0-255 or a range like 70-79"),
     ({"flag": "GBR"}, "flag: 'GBR' is not an ISO 3166 alpha-2 code (GB, PA ...)"),
     ({"limit": "0"}, "limit: Input should be greater than or equal to 1"),
     ({"offset": "x"}, "offset: Input should be a valid integer, unable to parse string as an "
      "integer")],
)  # fmt: skip
async def test_bad_filters_are_422_with_one_clear_message(
    tmp_path: Path, params: dict[str, str], detail: str
) -> None:
    async with world(tmp_path, None) as w:
        response = await w.get(VESSELS, "officer", **params)
    assert response.status_code == 422
    assert response.json() == {"detail": detail}


async def test_an_unknown_zone_path_is_404(tmp_path: Path) -> None:
    async with world(tmp_path, None) as w:
        response = await w.get("/api/v1/zones/atlantis", "officer")
    assert response.status_code == 404
    assert response.json() == {"detail": "unknown zone 'atlantis' (GET /api/v1/zones lists them)"}


async def test_a_fresh_pipeline_has_an_empty_picture() -> None:
    live = LivePicture(sea_pipeline())
    assert len(await live.picture()) == 0
