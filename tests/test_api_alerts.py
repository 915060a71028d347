"""Alerts through the API: current and stored lists, acknowledgement through the service,
comments, and the audit rows each leaves."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.test_api_kit import ALPHA, World, world

ALERTS = "/api/v1/alerts"


def audit_rows(url: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT actor, role, action, target, details FROM api_audit ORDER BY id"
        ).fetchall()


async def acknowledge(w: World, alert_id: str, role: str, note: str | None) -> Any:
    return await w.client.post(f"{ALERTS}/{alert_id}/acknowledge", json={"note": note},
                               headers=w.auth(role))  # fmt: skip


async def test_current_alerts_are_listed_with_their_published_body(tmp_path: Path) -> None:
    async with world(tmp_path, None) as w:
        body = (await w.get(ALERTS, "officer")).json()
        (opened,) = w.alerts
    assert (body["source"], body["total"]) == ("live", 1)
    (alert,) = body["alerts"]
    assert alert == opened.body
    assert (alert["rule"], alert["state"], alert["mmsi"]) == ("sea_entry", "open", ALPHA)


@pytest.mark.parametrize(
    ("params", "count"),
    [({"rule": "sea_entry"}, 1), ({"rule": "cable_threat"}, 0), ({"severity": "warning"}, 1),
     ({"severity": "alarm,caution"}, 0), ({"mmsi": str(ALPHA)}, 1), ({"mmsi": "636000002"}, 0),
     ({"zone": "test-sea"}, 1), ({"state": "cleared"}, 0), ({"state": ["open", "cleared"]}, 1)],
)  # fmt: skip
async def test_current_alerts_filter(tmp_path: Path, params: dict[str, Any], count: int) -> None:
    async with world(tmp_path, None) as w:
        response = await w.get(ALERTS, "officer", **params)
    assert response.status_code == 200 and response.json()["total"] == count


async def test_a_partner_sees_the_alert_redacted_under_its_own_id(tmp_path: Path) -> None:
    async with world(tmp_path, None) as w:
        (alert,) = (await w.get(ALERTS, "partner:navy-a")).json()["alerts"]
        (opened,) = w.alerts
    assert alert["alert_id"] != opened.alert_id
    assert "dedup_key" not in alert and "earlier_alerts" not in alert
    position = alert["position"]
    assert (position["lat"], position["lon"]) == (round(position["lat"], 2),
                                                  round(position["lon"], 2))  # fmt: skip


async def test_an_officer_acknowledges_with_a_note_through_the_service(tmp_path: Path) -> None:
    async with world(tmp_path, None) as w:
        (opened,) = w.alerts
        response = await acknowledge(w, opened.alert_id, "officer", "calling the ship on 16")
        listed = (await w.get(ALERTS, "officer")).json()["alerts"]
    assert response.status_code == 200
    body = response.json()
    assert (body["state"], body["acknowledged_by"], body["note"]) == (
        "acknowledged", "officer", "calling the ship on 16")  # fmt: skip
    assert listed[0]["state"] == "acknowledged"


async def test_the_first_characters_of_an_id_are_enough(tmp_path: Path) -> None:
    async with world(tmp_path, None) as w:
        (opened,) = w.alerts
        response = await acknowledge(w, opened.alert_id[:8], "officer", None)
    assert response.status_code == 200 and response.json()["alert_id"] == opened.alert_id


async def test_a_second_acknowledgement_is_409_naming_the_first(tmp_path: Path) -> None:
    async with world(tmp_path, None) as w:
        (opened,) = w.alerts
        await acknowledge(w, opened.alert_id, "officer", None)
        again = await acknowledge(w, opened.alert_id, "analyst", None)
    assert again.status_code == 409
    assert again.json() == {"detail": f"alert {opened.alert_id} was already acknowledged by "
                                      "officer"}  # fmt: skip


async def test_acknowledging_an_unknown_alert_is_404(tmp_path: Path) -> None:
    async with world(tmp_path, None) as w:
        response = await acknowledge(w, "0123456789", "officer", None)
    assert response.status_code == 404
    assert response.json() == {"detail": "no alert has the id 0123456789"}


async def test_a_note_longer_than_1000_characters_is_422(tmp_path: Path) -> None:
    async with world(tmp_path, None) as w:
        (opened,) = w.alerts
        response = await acknowledge(w, opened.alert_id, "officer", "x" * 1001)
    assert response.status_code == 422
    assert response.json() == {"detail": "note: String should have at most 1000 characters"}


async def test_an_acknowledgement_is_audited(tmp_path: Path, plain_database: str) -> None:
    async with world(tmp_path, plain_database) as w:
        (opened,) = w.alerts
        await acknowledge(w, opened.alert_id, "officer", "calling the ship")
    assert audit_rows(plain_database) == [
        ("officer", "officer", "acknowledge", opened.alert_id, {"note": "calling the ship"}),
    ]


async def test_comments_are_shared_and_audited(tmp_path: Path, plain_database: str) -> None:
    async with world(tmp_path, plain_database) as w:
        (opened,) = w.alerts
        made = await w.client.post(f"{ALERTS}/{opened.alert_id}/comments",
                                   json={"text": "pilot boarding, expected"},
                                   headers=w.auth("officer"))  # fmt: skip
        listed = (await w.get(f"{ALERTS}/{opened.alert_id}/comments", "analyst")).json()
    assert made.status_code == 201
    assert [(c["author"], c["text"]) for c in listed] == [("officer", "pilot boarding, expected")]
    ((actor, _, action, target, details),) = audit_rows(plain_database)
    assert (actor, action, target, details) == ("officer", "comment", opened.alert_id,
                                                {"comment_id": made.json()["id"]})  # fmt: skip


async def test_stored_alerts_of_a_window_come_from_the_store(
    tmp_path: Path, plain_database: str
) -> None:
    async with world(tmp_path, plain_database) as w:
        body = (await w.get(ALERTS, "analyst", since="2026-01-01", until="2026-01-02")).json()
        empty = (await w.get(ALERTS, "analyst", since="2026-01-03", until="2026-01-04")).json()
        (opened,) = w.alerts
    assert (body["source"], body["total"], empty["total"]) == ("store", 1, 0)
    assert body["alerts"][0]["alert_id"] == opened.alert_id
    with psycopg.connect(plain_database) as conn:
        rows = conn.execute("SELECT action, details->>'rows', remote FROM api_audit "
                            "ORDER BY id").fetchall()  # fmt: skip
    # Audited like every history query, with where it came from (httpx's test client address).
    assert rows == [("alerts", "1", "127.0.0.1:123"), ("alerts", "0", "127.0.0.1:123")]


async def test_an_alert_is_found_in_the_store_when_the_live_picture_forgot_it(
    tmp_path: Path, plain_database: str
) -> None:
    async with world(tmp_path, plain_database) as w:
        (opened,) = w.alerts
        w.live.board.current.clear()
        found = await w.get(f"{ALERTS}/{opened.alert_id}", "analyst")
        hidden = await w.get(f"{ALERTS}/{opened.alert_id}", "officer")
    assert found.status_code == 200 and found.json()["alert_id"] == opened.alert_id
    assert hidden.status_code == 404


@pytest.mark.parametrize(
    ("params", "detail"),
    [({"state": "closed"}, "state: 'closed' is not one of open, acknowledged, cleared, retracted"),
     ({"severity": "high"}, "severity: 'high' is not one of alarm, warning, caution"),
     ({"zone": "atlantis"}, "zone: unknown zone 'atlantis' (GET /api/v1/zones lists them)"),
     ({"until": "2026-01-02"}, "since: required (alerts: give a time window, since and until)"),
     ({"since": "2026-01-02", "until": "2026-01-01"},
      "since (2026-01-02T00:00:00Z) must be before until (2026-01-01T00:00:00Z)"),
     ({"since": "2025-01-01", "until": "2026-01-01"},
      "alerts: a window of 365.0 days is longer than the 31 days allowed; narrow it"),
     ({"since": "soon"}, "since: cannot read 'soon' as a time (use ISO 8601 (2011-07-26T10:00Z),"
      " a date (2011-07-26), now, or -30m/-6h/-2d/-1w)")],
)  # fmt: skip
async def test_bad_alert_queries_are_422_with_one_clear_message(
    tmp_path: Path, plain_database: str, params: dict[str, str], detail: str
) -> None:
    async with world(tmp_path, plain_database) as w:
        response = await w.get(ALERTS, "analyst", **params)
    assert response.status_code == 422
    assert response.json() == {"detail": detail}
