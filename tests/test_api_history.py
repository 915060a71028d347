"""History through the API, from a real store: a vessel's track in every format (each parsed
back), positions in an area, hourly traffic, the audit row of every export, and the limits
that keep a request from stalling the service."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import threading
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import psycopg
import pytest

from mda.api.errors import status_of
from mda.errors import MdaError
from mda.store.batch import StoreBatch
from mda.store.queries import Queries, QueryLimits, TooManyRowsError
from tests.test_api_kit import ALPHA, BRAVO, CHARLIE, DANE, World, store, world

DAY = {"since": "2026-01-01", "until": "2026-01-02"}
TRACK = f"/api/v1/vessels/{ALPHA}/track"
ALPHA_FIXES = 60  # 30 minutes, one fix every 30 s


async def exported(w: World, fmt: str, path: str = TRACK, **params: Any) -> Any:
    response = await w.get(path, "analyst", **DAY, format=fmt, **params)
    assert response.status_code == 200, response.text
    return response


async def test_a_track_as_json_has_every_fix_in_time_order(
    tmp_path: Path, plain_database: str
) -> None:
    async with world(tmp_path, plain_database) as w:
        body = (await exported(w, "json")).json()
    times = [p["time"] for p in body["positions"]]
    assert (body["mmsi"], body["count"], len(times)) == (ALPHA, ALPHA_FIXES, ALPHA_FIXES)
    assert times == sorted(times) and times[0] == "2026-01-01T00:00:00.000Z"
    assert {p["segment"] for p in body["positions"]} == {0}
    assert (body["since"], body["until"]) == ("2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z")


async def test_a_track_as_csv_parses_back(tmp_path: Path, plain_database: str) -> None:
    async with world(tmp_path, plain_database) as w:
        response = await exported(w, "csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == (
        'attachment; filename="track-235000001-20260101T000000Z.csv"')  # fmt: skip
    assert len(rows) == ALPHA_FIXES and {r["mmsi"] for r in rows} == {str(ALPHA)}
    assert float(rows[0]["lon"]) == pytest.approx(9.95) and rows[0]["sog"] == "10.0"


async def test_a_track_as_geojson_parses_back(tmp_path: Path, plain_database: str) -> None:
    async with world(tmp_path, plain_database) as w:
        points = (await exported(w, "geojson")).json()
        lines = (await exported(w, "geojson", lines="true")).json()
    assert points["type"] == "FeatureCollection" and len(points["features"]) == ALPHA_FIXES
    assert points["features"][0]["geometry"]["coordinates"] == pytest.approx([9.95, 1.0])
    (line,) = lines["features"]
    assert line["geometry"]["type"] == "LineString"
    assert len(line["geometry"]["coordinates"]) == ALPHA_FIXES


async def test_a_track_as_parquet_parses_back(tmp_path: Path, plain_database: str) -> None:
    async with world(tmp_path, plain_database) as w:
        response = await exported(w, "parquet")
    frame = pl.read_parquet(io.BytesIO(response.content))
    assert response.headers["content-type"] == "application/vnd.apache.parquet"
    assert len(frame) == ALPHA_FIXES and frame["mmsi"].unique().to_list() == [ALPHA]
    assert frame.schema["time"] == pl.Datetime("us", "UTC")
    assert frame["time"].is_sorted()


async def test_a_track_as_geoparquet_opens_in_geopandas(
    tmp_path: Path, plain_database: str
) -> None:
    import geopandas as gpd

    async with world(tmp_path, plain_database) as w:
        points = await exported(w, "geoparquet")
        lines = await exported(w, "geoparquet", lines="true")
    assert points.headers["content-disposition"] == (
        'attachment; filename="track-235000001-20260101T000000Z.geo.parquet"')  # fmt: skip
    frame = gpd.read_parquet(io.BytesIO(points.content))
    assert len(frame) == ALPHA_FIXES and set(frame.geom_type) == {"Point"}
    assert (frame.geometry.x[0], frame.geometry.y[0]) == pytest.approx((9.95, 1.0))
    (line,) = gpd.read_parquet(io.BytesIO(lines.content)).geometry
    assert line.geom_type == "LineString" and len(line.coords) == ALPHA_FIXES


async def test_a_track_as_moving_features_parses_back(tmp_path: Path, plain_database: str) -> None:
    async with world(tmp_path, plain_database) as w:
        body = json.loads((await exported(w, "mfjson")).content)
    (feature,) = body["features"]
    geometry = feature["temporalGeometry"]
    assert (geometry["type"], geometry["interpolation"]) == ("MovingPoint", "Linear")
    assert len(geometry["datetimes"]) == len(geometry["coordinates"]) == ALPHA_FIXES


async def test_a_track_can_be_thinned(tmp_path: Path, plain_database: str) -> None:
    async with world(tmp_path, plain_database) as w:
        body = (await exported(w, "json", resolution_s=300)).json()
    assert 6 <= body["count"] < ALPHA_FIXES  # a straight track: one fix per 5 minutes, ends kept


async def test_positions_in_a_box_or_a_zone(tmp_path: Path, plain_database: str) -> None:
    async with world(tmp_path, plain_database) as w:
        boxed = (await exported(w, "json", "/api/v1/positions", bbox="8,0,10.5,2")).json()
        zoned = (await exported(w, "json", "/api/v1/positions", zone="test-sea")).json()
    assert {p["mmsi"] for p in boxed["positions"]} == {ALPHA, DANE}
    assert {p["mmsi"] for p in zoned["positions"]} == {ALPHA, BRAVO, CHARLIE}


async def test_hourly_traffic_of_a_zone(tmp_path: Path, plain_database: str) -> None:
    async with world(tmp_path, plain_database) as w:
        response = await w.get("/api/v1/zones/test-sea/traffic", "analyst", since="2026-01-01",
                               until="2026-01-01T03:00Z")  # fmt: skip
        as_csv = await w.get("/api/v1/zones/test-sea/traffic", "analyst", since="2026-01-01",
                             until="2026-01-01T02:00Z", format="csv")  # fmt: skip
    assert response.json() == {"zone_id": "test-sea", "count": 3, "hours": [
        {"hour": "2026-01-01T00:00:00.000Z", "vessels": 3},
        {"hour": "2026-01-01T01:00:00.000Z", "vessels": 0},
        {"hour": "2026-01-01T02:00:00.000Z", "vessels": 0}]}  # fmt: skip
    assert as_csv.text.splitlines() == ["hour,vessels", "2026-01-01T00:00:00.000Z,3",
                                        "2026-01-01T01:00:00.000Z,0"]  # fmt: skip


async def test_every_export_is_audited_with_who_and_what(
    tmp_path: Path, plain_database: str
) -> None:
    async with world(tmp_path, plain_database) as w:
        for fmt in ("csv", "geojson", "parquet", "mfjson"):
            await exported(w, fmt)
        await exported(w, "csv", "/api/v1/positions", zone="test-sea")
    with psycopg.connect(plain_database) as conn:
        rows = conn.execute("SELECT actor, role, action, target, details->>'format', time "
                            "FROM api_audit ORDER BY id").fetchall()  # fmt: skip
    assert [r[:5] for r in rows] == [
        ("analyst", "analyst", "track", str(ALPHA), "csv"),
        ("analyst", "analyst", "track", str(ALPHA), "geojson"),
        ("analyst", "analyst", "track", str(ALPHA), "parquet"),
        ("analyst", "analyst", "track", str(ALPHA), "mfjson"),
        ("analyst", "analyst", "positions", "test-sea", "csv"),
    ]
    assert all(r[5] is not None for r in rows)


async def test_the_audit_log_is_read_by_admins(tmp_path: Path, plain_database: str) -> None:
    # Audit entries carry the database's clock, not the event time of the data.
    wall = datetime.now(UTC)
    window = {"since": (wall - timedelta(days=1)).isoformat(),
              "until": (wall + timedelta(days=1)).isoformat()}  # fmt: skip
    async with world(tmp_path, plain_database) as w:
        await exported(w, "csv")
        await exported(w, "parquet")
        entries = (await w.get("/api/v1/audit", "admin", **window, action="track")).json()
        none = (await w.get("/api/v1/audit", "admin", **window, actor="officer")).json()
    assert [(e["actor"], e["action"], e["details"]["format"]) for e in entries] == [
        ("analyst", "track", "parquet"), ("analyst", "track", "csv")]  # fmt: skip
    assert none == []


@pytest.fixture
def rows_read(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many rows each store query handed to the API process (the real query runs; this
    only counts what came back)."""
    counts: list[int] = []
    fetch = Queries.fetch

    def counted(self: Queries, *args: Any, **kwargs: Any) -> pl.DataFrame:
        try:
            frame = fetch(self, *args, **kwargs)
        except TooManyRowsError as exc:
            counts.append(exc.limit + 1)  # what the database returned: one past the limit
            raise
        counts.append(len(frame))
        return frame

    monkeypatch.setattr(Queries, "fetch", counted)
    return counts


@pytest.mark.parametrize(
    ("path", "params", "detail"),
    [(TRACK, {}, "more than the 10 positions allowed in one answer in this window; narrow "
      "the window (or thin the track with resolution_s)"),
     ("/api/v1/positions", {"bbox": "8,0,12,2"}, "more than the 10 positions allowed in one "
      "answer in this window; narrow the window or the area")],
)  # fmt: skip
async def test_an_answer_over_the_row_limit_is_refused_without_reading_its_rows(
    tmp_path: Path, plain_database: str, rows_read: list[int], path: str,
    params: dict[str, str], detail: str,
) -> None:  # fmt: skip
    async with world(tmp_path, plain_database, max_rows=10) as w:
        response = await w.get(path, "analyst", **DAY, **params)
    assert (response.status_code, response.json()) == (422, {"detail": detail})
    assert rows_read and max(rows_read) <= 11


async def test_stored_alerts_over_the_row_limit_are_refused_without_reading_them(
    tmp_path: Path, plain_database: str, rows_read: list[int]
) -> None:
    async with world(tmp_path, plain_database, max_rows=1) as w:
        (opened,) = w.alerts
        others = [opened._replace(alert_id=str(uuid.UUID(int=n)), dedup_key=f"copy-{n}")
                  for n in (1, 2)]  # fmt: skip
        await store(plain_database, [StoreBatch(alerts=others)])  # three in the store
        response = await w.get("/api/v1/alerts", "analyst", **DAY)
    assert (response.status_code, response.json()) == (
        422,
        {"detail": "more than the 1 alerts allowed in one answer in this window; narrow it"},
    )
    assert max(rows_read) <= 2


async def test_a_zone_is_read_at_most_twice_its_row_limit(
    tmp_path: Path, plain_database: str, rows_read: list[int]
) -> None:
    """A zone's positions are read by its bounding box, then tested exactly: a few more rows
    than answered may be read, never all of them."""
    async with world(tmp_path, plain_database, max_rows=10) as w:
        response = await w.get("/api/v1/positions", "analyst", **DAY, zone="test-sea")
    assert (response.status_code, response.json()) == (422, {
        "detail": "more than 20 positions in the bounding box of zone test-sea in this window "
                  "(twice the 10 allowed in one answer); narrow the window"})  # fmt: skip
    assert max(rows_read) <= 21


async def test_a_thinned_track_may_read_twice_its_row_limit(
    tmp_path: Path, plain_database: str, rows_read: list[int]
) -> None:
    async with world(tmp_path, plain_database, max_rows=30) as w:
        thinned = await w.get(TRACK, "analyst", **DAY, resolution_s=300)
    assert thinned.status_code == 200 and thinned.json()["count"] < 30
    assert max(rows_read) <= 61


@pytest.mark.parametrize(
    ("path", "params", "status", "detail"),
    [(TRACK, {}, 422, "since: required (track: give a time window, since and until)"),
     (TRACK, {"since": "2026-13-01"}, 422, "since: cannot read '2026-13-01' as a time (use ISO "
      "8601 (2011-07-26T10:00Z), a date (2011-07-26), now, or -30m/-6h/-2d/-1w)"),
     (TRACK, {"since": "2026-01-02", "until": "2026-01-01"}, 422,
      "since (2026-01-02T00:00:00Z) must be before until (2026-01-01T00:00:00Z)"),
     (TRACK, {"since": "2026-01-01", "until": "2026-03-01"}, 422,
      "track: a window of 59.0 days is longer than the 31 days allowed; narrow it"),
     (TRACK, {**DAY, "format": "kml"}, 422,
      "format: Input should be 'json', 'csv', 'geojson', 'parquet', 'geoparquet' or "
      "'mfjson'"),
     (TRACK, {**DAY, "resolution_s": "-5"}, 422, "resolution_s: Input should be greater than 0"),
     ("/api/v1/vessels/0/track", DAY, 422, "mmsi: Input should be greater than or equal to 1"),
     ("/api/v1/positions", DAY, 422,
      "give an area: bbox=west,south,east,north or zone=<id> (one of them)"),
     ("/api/v1/positions", {**DAY, "bbox": "west,south,east,north"}, 422,
      "bbox: 'west,south,east,north' is not west,south,east,north in degrees"),
     ("/api/v1/positions", {**DAY, "zone": "atlantis"}, 422,
      "zone: unknown zone 'atlantis' (GET /api/v1/zones lists them)"),
     ("/api/v1/zones/atlantis/traffic", DAY, 404,
      "unknown zone 'atlantis' (GET /api/v1/zones lists them)")],
)  # fmt: skip
async def test_bad_history_requests_are_4xx_with_one_clear_message(
    tmp_path: Path, plain_database: str, path: str, params: dict[str, str], status: int,
    detail: str,
) -> None:  # fmt: skip
    async with world(tmp_path, plain_database) as w:
        response = await w.get(path, "analyst", **params)
    assert (response.status_code, response.json()) == (status, {"detail": detail})


async def test_without_a_store_history_is_503(tmp_path: Path) -> None:
    async with world(tmp_path, None) as w:
        response = await w.get(TRACK, "analyst", **DAY)
    assert response.status_code == 503
    assert response.json() == {"detail": "no store: this service keeps no history (configure "
                                         "[database] url)"}  # fmt: skip


async def test_history_works_on_timescaledb_too(tmp_path: Path, timescale_database: str) -> None:
    async with world(tmp_path, timescale_database) as w:
        body = (await exported(w, "json")).json()
    assert body["count"] == ALPHA_FIXES


def test_a_query_cut_by_the_statement_timeout_is_504(plain_database: str) -> None:
    limits = QueryLimits(statement_timeout_s=0.05)
    with Queries(plain_database, limits=limits) as queries, pytest.raises(MdaError) as caught:
        queries.fetch("SELECT pg_sleep(2)")
    assert status_of(caught.value) == 504
    assert "the query ran longer than 0.05 s and was cancelled" in str(caught.value)


async def test_a_request_waits_for_a_busy_store_no_longer_than_a_query_may_run(
    tmp_path: Path, plain_database: str
) -> None:
    """Every store connection in use: the next request is told so (503), it does not queue
    for ever behind them."""
    async with world(tmp_path, plain_database, query_workers=1, statement_timeout_s=0.5) as w:
        release = threading.Event()
        store = w.app.state.mda.need_store()
        holding = asyncio.create_task(store.run(lambda q: release.wait(60)))
        try:
            response = await w.get(TRACK, "analyst", **DAY)
        finally:
            release.set()
            await holding
        after = await w.get(TRACK, "analyst", **DAY)
    assert (response.status_code, response.json()) == (
        503,
        {"detail": "the store is busy (1 query running, the most at once); try again shortly"},
    )
    assert after.status_code == 200


async def test_the_audit_log_queries_have_the_statement_timeout_too(
    tmp_path: Path, plain_database: str
) -> None:
    async with world(tmp_path, plain_database, statement_timeout_s=7) as w:
        (row,) = await w.app.state.mda.audit._execute("SHOW statement_timeout", ())
    assert row == {"statement_timeout": "7s"}


async def test_stored_alerts_come_a_page_at_a_time(tmp_path: Path, plain_database: str) -> None:
    async with world(tmp_path, plain_database) as w:
        (opened,) = w.alerts
        others = [opened._replace(alert_id=str(uuid.UUID(int=n)), dedup_key=f"copy-{n}")
                  for n in (1, 2)]  # fmt: skip
        await store(plain_database, [StoreBatch(alerts=others)])
        whole = (await w.get("/api/v1/alerts", "analyst", **DAY)).json()
        page = (await w.get("/api/v1/alerts", "analyst", **DAY, limit=1, offset=1)).json()
    assert (whole["total"], page["total"], page["limit"], page["offset"]) == (3, 3, 1, 1)
    assert page["alerts"] == whole["alerts"][1:2]
