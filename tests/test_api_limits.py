"""Hostile requests cost the API next to nothing: bodies are refused before authentication
and before they are read, whole or in part, and every answer carries headers that keep
browsers and caches from keeping or reinterpreting it."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mda.api import routes_zones
from tests.api_process import MIB, api_process, post_flood
from tests.test_api_kit import world
from tests.test_api_stream import served

FLOOD = 200 * MIB
# What the server may grow by while a flood goes by: generous, far below the flood itself.
MEMORY_BOUND = 50 * MIB


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_huge_body_without_a_token_is_413_without_being_read(
    tmp_path: Path, plain_database: str, chunked: bool
) -> None:
    """Making a token takes a JSON body, which FastAPI reads before it checks the token."""
    with api_process(tmp_path, plain_database) as api:
        before = api.peak_rss()
        answer = post_flood(api.address, "/api/v1/tokens", FLOOD, chunked=chunked)
        grown = api.peak_rss() - before
    assert answer.status == 413, answer.head
    assert json.loads(answer.body) == {"detail": "the request body is larger than the "
                                                 "1048576 bytes allowed"}  # fmt: skip
    assert answer.head.lower().count("connection: close") == 1, answer.head
    assert grown < MEMORY_BOUND, f"the server grew by {grown / MIB:.0f} MiB"
    # The server stopped reading: most of the flood could not even be sent.
    assert answer.sent_bytes < FLOOD // 2, f"{answer.sent_bytes / MIB:.0f} MiB went out"


def test_a_body_the_endpoint_does_not_read_is_not_read_either(
    tmp_path: Path, plain_database: str
) -> None:
    """A chunked body sent to an endpoint that answers before reading it (401 here): the
    connection is closed after the answer, not drained on the event loop (sign-in reads
    no body)."""
    with api_process(tmp_path, plain_database) as api:
        answer = post_flood(api.address, "/api/v1/session", FLOOD, chunked=True)
    assert answer.status == 401, answer.head
    assert "connection: close" in answer.head.lower()
    assert answer.sent_bytes < FLOOD // 2, f"{answer.sent_bytes / MIB:.0f} MiB went out"


def test_a_small_body_still_works(tmp_path: Path, plain_database: str) -> None:
    with api_process(tmp_path, plain_database) as api:
        headers = {"Authorization": f"Bearer {api.tokens['analyst']}"}
        answer = post_flood(api.address, "/api/v1/session", 2, headers=headers)
    assert answer.status == 200, answer.head
    assert json.loads(answer.body)["role"] == "analyst"


@pytest.mark.parametrize("path", ["/api/v1/me", "/api/v1/zones", "/api/v1/nothing-here",
                                  "/api/v1/docs", "/api/v1/openapi.json"])  # fmt: skip
async def test_every_answer_says_nosniff_and_no_store(tmp_path: Path, path: str) -> None:
    async with world(tmp_path, None) as w:
        signed = await w.client.get(path, headers=w.auth("officer"))
        refused = await w.client.get(path)
    for response in (signed, refused):
        assert response.headers["x-content-type-options"] == "nosniff", response.status_code
        assert response.headers["cache-control"] == "no-store", response.status_code


async def test_the_live_stream_is_not_stored_either(tmp_path: Path) -> None:
    async with (
        world(tmp_path, None) as w,
        served(w) as client,
        client.stream("GET", "/api/v1/stream", headers=w.auth("officer")) as r,
    ):
        headers = r.headers
    assert headers["cache-control"] == "no-store"


@pytest.mark.parametrize("path", ["/api/v1/docs", "/api/v1/openapi.json", "/docs",
                                  "/openapi.json"])  # fmt: skip
async def test_the_api_description_needs_a_token(tmp_path: Path, path: str) -> None:
    async with world(tmp_path, None) as w:
        response = await w.client.get(path, follow_redirects=True)
    assert response.status_code == 401
    assert response.json()["detail"].startswith("a bearer token is required")


async def test_the_api_description_is_served_to_a_signed_in_browser(tmp_path: Path) -> None:
    """The map's session cookie is kept to /api/: the docs page and its schema live there."""
    async with world(tmp_path, None) as w:
        signed_in = await w.client.post("/api/v1/session", headers=w.auth("officer"))
        page = await w.client.get("/docs", follow_redirects=True)
        schema = await w.client.get("/api/v1/openapi.json")
    assert signed_in.status_code == 200
    assert page.status_code == 200 and "/api/v1/openapi.json" in page.text
    assert schema.status_code == 200 and "/api/v1/vessels" in schema.json()["paths"]


async def test_zone_outlines_are_simplified_off_the_event_loop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Simplifying outlines takes seconds for a large catalogue: the event loop, which also
    ingests and raises alerts, must not wait for it."""
    loop_thread = threading.get_ident()
    threads: list[int] = []
    for name in ("collection", "cables", "zone_feature"):
        monkeypatch.setattr(routes_zones, name, _watched(getattr(routes_zones, name), threads))
    async with world(tmp_path, None) as w:
        answers = [await w.get("/api/v1/zones", "officer", simplify_m=500),
                   await w.get("/api/v1/zones/test-sea", "officer", simplify_m=500),
                   await w.get("/api/v1/cables", "officer", simplify_m=500)]  # fmt: skip
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert len(threads) == 3 and loop_thread not in threads


def _watched(render: Callable[..., Any], threads: list[int]) -> Callable[..., Any]:
    def watched(*args: Any, **kwargs: Any) -> Any:
        threads.append(threading.get_ident())
        return render(*args, **kwargs)

    return watched
