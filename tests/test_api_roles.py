"""Who may use which endpoint: one table of endpoints and the status each role gets.

401 without a valid token, 403 outside the role, and otherwise the endpoint's own answer
(404 for the alert id that does not exist, which shows the request was let through).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_api_kit import ALPHA, World, world

UNKNOWN_ALERT = "ffffffff-0000-0000-0000-000000000000"
DAY = {"since": "2026-01-01", "until": "2026-01-02"}
OFFICER, ANALYST, ADMIN, PARTNER = "officer", "analyst", "admin", "partner:navy-a"

# method, path, query, body; then the status for officer, analyst, admin, partner.
TABLE: list[tuple[str, str, dict[str, str], dict[str, str] | None, tuple[int, int, int, int]]] = [
    ("GET", "/api/v1/me", {}, None, (200, 200, 200, 200)),
    ("GET", "/api/v1/vessels", {}, None, (200, 200, 200, 200)),
    ("GET", f"/api/v1/vessels/{ALPHA}", {}, None, (200, 200, 200, 200)),
    ("GET", "/api/v1/alerts", {}, None, (200, 200, 200, 200)),
    ("GET", "/api/v1/alerts", DAY, None, (403, 200, 200, 403)),
    ("POST", f"/api/v1/alerts/{UNKNOWN_ALERT}/acknowledge", {}, {"note": "x"},
     (404, 404, 404, 403)),
    ("POST", f"/api/v1/alerts/{UNKNOWN_ALERT}/comments", {}, {"text": "x"},
     (404, 404, 404, 403)),
    ("GET", f"/api/v1/alerts/{UNKNOWN_ALERT}/comments", {}, None, (404, 404, 404, 403)),
    # A partner sees the cables its alerts name (here none: its alert is about the sea).
    ("GET", "/api/v1/zones", {}, None, (200, 200, 200, 200)),
    ("GET", "/api/v1/zones/test-sea", {}, None, (200, 200, 200, 404)),
    ("GET", "/api/v1/cables", {}, None, (200, 200, 200, 200)),
    ("GET", f"/api/v1/vessels/{ALPHA}/track", DAY, None, (403, 200, 200, 403)),
    ("GET", f"/api/v1/vessels/{ALPHA}/track", {**DAY, "format": "csv"}, None,
     (403, 200, 200, 403)),
    ("GET", "/api/v1/positions", {**DAY, "bbox": "9,0,12,2"}, None, (403, 200, 200, 403)),
    ("GET", "/api/v1/positions", {**DAY, "zone": "test-sea", "format": "parquet"}, None,
     (403, 200, 200, 403)),
    ("GET", "/api/v1/zones/test-sea/traffic", DAY, None, (403, 200, 200, 403)),
    ("GET", "/api/v1/tokens", {}, None, (403, 403, 200, 403)),
    ("GET", "/api/v1/audit", DAY, None, (403, 403, 200, 403)),
]  # fmt: skip
ROLE_COLUMN = {OFFICER: 0, ANALYST: 1, ADMIN: 2, PARTNER: 3}


async def _status(w: World, method: str, path: str, query: dict[str, str],
                  body: dict[str, str] | None, headers: dict[str, str]) -> int:  # fmt: skip
    response = await w.client.request(method, path, params=query, json=body, headers=headers)
    return response.status_code


@pytest.mark.parametrize("role", [OFFICER, ANALYST, ADMIN, PARTNER])
async def test_each_role_gets_what_the_table_says(
    role: str, tmp_path: Path, plain_database: str
) -> None:
    async with world(tmp_path, plain_database) as w:
        got, wanted = {}, {}
        for method, path, query, body, statuses in TABLE:
            key = f"{method} {path} {query}"
            got[key] = await _status(w, method, path, query, body, w.auth(role))
            wanted[key] = statuses[ROLE_COLUMN[role]]
        assert got == wanted


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer mda_000000000000_not-a-token"},
     {"Authorization": "Bearer nonsense"}, {"Authorization": "Basic YWxpY2U6c2VjcmV0"}],
    ids=["no token", "unknown token", "malformed token", "not a bearer"],
)  # fmt: skip
async def test_without_a_valid_token_every_endpoint_says_401(
    headers: dict[str, str], tmp_path: Path
) -> None:
    async with world(tmp_path, None) as w:
        got = {f"{m} {p}": await _status(w, m, p, q, b, headers) for m, p, q, b, _ in TABLE}
        assert set(got.values()) == {401}


async def test_a_401_names_the_bearer_scheme_and_says_why(tmp_path: Path) -> None:
    async with world(tmp_path, None) as w:
        response = await w.client.get("/api/v1/vessels")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json() == {"detail": "a bearer token is required (Authorization: Bearer ...)"}


async def test_a_403_names_the_role_and_the_access_it_lacks(tmp_path: Path) -> None:
    async with world(tmp_path, None) as w:
        response = await w.get("/api/v1/tokens", "officer")
    assert response.status_code == 403
    assert response.json() == {"detail": "role officer may not use this (admin access needed)"}


async def test_a_partner_without_a_feed_sees_nothing(tmp_path: Path) -> None:
    async with world(tmp_path, None) as w:
        paths = ("/api/v1/vessels", "/api/v1/alerts", f"/api/v1/vessels/{ALPHA}", "/api/v1/cables")
        statuses = {p: (await w.get(p, "partner:nobody")).status_code for p in paths}
        detail = (await w.get("/api/v1/vessels", "partner:nobody")).json()["detail"]
    assert set(statuses.values()) == {403}
    assert detail == "no partner feed named 'nobody' is configured"


async def test_a_revoked_token_stops_working(tmp_path: Path) -> None:
    async with world(tmp_path, None) as w:
        assert (await w.get("/api/v1/me", "officer")).status_code == 200
        response = await w.client.delete("/api/v1/tokens/officer", headers=w.auth("admin"))
        assert response.status_code == 204
        assert (await w.get("/api/v1/me", "officer")).status_code == 401


async def test_the_openapi_description_lists_the_endpoints(tmp_path: Path) -> None:
    async with world(tmp_path, None) as w:
        response = await w.get("/api/v1/openapi.json", "partner:navy-a")
    paths = set(response.json()["paths"])
    assert {"/api/v1/vessels", "/api/v1/vessels/{mmsi}", "/api/v1/vessels/{mmsi}/track",
            "/api/v1/alerts", "/api/v1/alerts/{alert_id}/acknowledge", "/api/v1/stream",
            "/api/v1/zones", "/api/v1/cables", "/api/v1/zones/{zone_id}/traffic",
            "/api/v1/tokens", "/api/v1/audit"} <= paths  # fmt: skip
    assert "HTTPBearer" in response.json()["components"]["securitySchemes"]
