"""The live stream over a real HTTP server on loopback (uvicorn in the test's event loop, as in
the service): alerts raised by the running service, vessel updates coalesced per vessel, a
partner's redacted stream, and slow clients dropped without holding anything up."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from mda.api import ApiServer, LivePicture, TokenStore, build_api
from mda.api.picture import PictureFilter
from mda.api.stream import StreamHub
from mda.config import Config, SourceSettings
from mda.errors import ServiceUnavailableError
from mda.ingest.sources import open_source
from mda.resources import default_folder
from mda.runtime.core import make_pipeline
from mda.runtime.service import Service
from tests.test_api_kit import ALPHA, BRAVO, CHARLIE, World, entry, settings, step, world

STREAM = "/api/v1/stream"
ANCHOR_DRAG = default_folder("ingest") / "samples" / "anchor-drag.nmea.gz"
DRAGGING = 538_367_459  # the bulk carrier of the recording, dragging across the cable


async def events(response: httpx.Response) -> AsyncIterator[tuple[str, Any]]:
    """Server-sent events as (event, parsed data)."""
    event, data = "message", []
    async for line in response.aiter_lines():
        if line == "":
            if data:
                yield event, json.loads("\n".join(data))
            event, data = "message", []
        elif line.startswith("event: "):
            event = line[len("event: ") :]
        elif line.startswith("data: "):
            data.append(line[len("data: ") :])


@asynccontextmanager
async def served(w: World) -> AsyncIterator[httpx.AsyncClient]:
    """The world's API on a free loopback port, and a client of it."""
    server = ApiServer(w.app, "127.0.0.1:0")
    await server.start()
    try:
        # The read timeout only ends a test that would otherwise hang; nothing is timed.
        async with httpx.AsyncClient(base_url=server.url, timeout=30.0) as client:
            yield client
    finally:
        await server.stop()


@asynccontextmanager
async def listening(
    w: World, role: str, **params: str
) -> AsyncIterator[tuple[httpx.AsyncClient, AsyncIterator[tuple[str, Any]]]]:
    """A client of the served API, listening to the stream with ``params``."""
    async with (
        served(w) as client,
        client.stream("GET", STREAM, params=params, headers=w.auth(role)) as response,
    ):
        assert response.status_code == 200
        yield client, aiter(events(response))


async def test_an_alert_raised_by_the_running_service_reaches_the_stream(
    tmp_path: Path,
) -> None:
    config = Config(sources=(SourceSettings(str(ANCHOR_DRAG)),), http_listen=None)
    pipeline = make_pipeline(config)
    service = Service(config, pipeline, [open_source(str(ANCHOR_DRAG), fail_fast=True)],
                      live=False)  # fmt: skip
    live = LivePicture(pipeline, acknowledge=service.acknowledge)
    service.sinks.append(live)  # the wiring the service does
    token_store = TokenStore(tmp_path / "tokens.json")
    tokens = {"Authorization": "Bearer " + token_store.add("officer", "officer")}
    app = build_api(settings(tmp_path), token_store, live=live)
    server = ApiServer(app, "127.0.0.1:0")
    await server.start()
    try:
        async with (
            httpx.AsyncClient(base_url=server.url, timeout=30.0) as client,
            client.stream("GET", STREAM, params={"vessels": "false"}, headers=tokens) as resp,
        ):
            assert resp.headers["content-type"].startswith("text/event-stream")
            await service.run()  # the recording, flat out, while the client listens
            received = []
            async for event, body in events(resp):
                received.append((event, body["rule"], body["mmsi"], body["state"]))
                if body["state"] == "cleared":
                    break
    finally:
        await server.stop()
    assert received == [("alert", "cable_threat", DRAGGING, "open"),
                        ("alert", "cable_threat", DRAGGING, "cleared")]  # fmt: skip


async def test_a_new_client_starts_with_the_current_alerts(tmp_path: Path) -> None:
    async with world(tmp_path, None) as w, listening(w, "officer", vessels="false") as (_, got):
        event, body = await anext(got)
    assert (event, body["rule"], body["state"]) == ("alert", "sea_entry", "open")


async def test_an_acknowledgement_reaches_every_console(tmp_path: Path) -> None:
    async with (
        world(tmp_path, None) as w,
        listening(w, "officer", vessels="false", snapshot="false") as (client, got),
    ):
        (opened,) = w.alerts
        acked = await client.post(f"/api/v1/alerts/{opened.alert_id}/acknowledge",
                                  json={"note": "on it"}, headers=w.auth("analyst"))  # fmt: skip
        event, body = await anext(got)
    assert acked.status_code == 200
    assert (event, body["state"], body["acknowledged_by"], body["note"]) == (
        "alert", "acknowledged", "analyst", "on it")  # fmt: skip


async def test_vessel_updates_are_coalesced_to_one_row_per_vessel(tmp_path: Path) -> None:
    async with (
        world(tmp_path, None, entered=False) as w,
        listening(w, "officer", alerts="false") as (_, got),
    ):
        step(w.pipeline, w.live, entry(), w.feeds)  # 100 fixes of three vessels
        await w.live.send_updates()
        event, rows = await anext(got)
        latest = w.pipeline.tracks.vessels[ALPHA].current
    assert event == "vessels"
    assert sorted(r["mmsi"] for r in rows) == sorted([ALPHA, BRAVO, CHARLIE])
    alpha = next(r for r in rows if r["mmsi"] == ALPHA)
    assert latest is not None and alpha["lon"] == round(latest.lon, 6)


async def test_vessel_updates_go_out_by_themselves(tmp_path: Path) -> None:
    async with (
        world(tmp_path, None, entered=False, update_s=0.05) as w,
        listening(w, "officer", alerts="false", zone="test-cable") as (_, got),
    ):
        step(w.pipeline, w.live, entry(), w.feeds)
        event, rows = await anext(got)
    assert (event, [r["mmsi"] for r in rows]) == ("vessels", [CHARLIE])


async def test_a_partner_streams_its_feed_only(tmp_path: Path) -> None:
    async with (
        world(tmp_path, None, entered=False) as w,
        listening(w, "partner:navy-a") as (_, got),
    ):
        step(w.pipeline, w.live, entry(), w.feeds)
        await w.live.send_updates()
        received = [await anext(got), await anext(got)]
        (opened,) = [a for a in w.live.board.current.values() if a["mmsi"] == ALPHA]
    alert = next(body for event, body in received if event == "alert")
    rows = next(body for event, body in received if event == "vessels")
    assert alert["alert_id"] != opened["alert_id"] and "dedup_key" not in alert
    assert sorted(r["mmsi"] for r in rows) == [ALPHA, BRAVO]
    assert all(r["lat"] == round(r["lat"], 2) for r in rows)


@pytest.mark.parametrize(("role", "status"), [(None, 401), ("partner:nobody", 403)])
async def test_the_stream_needs_a_token_with_a_feed(
    tmp_path: Path, role: str | None, status: int
) -> None:
    async with world(tmp_path, None) as w, served(w) as client:
        headers = w.auth(role) if role else {}
        response = await client.get(STREAM, headers=headers)
    assert response.status_code == status


async def test_stopping_the_server_ends_open_streams(tmp_path: Path) -> None:
    async with world(tmp_path, None) as w:
        server = ApiServer(w.app, "127.0.0.1:0")
        await server.start()
        async with httpx.AsyncClient(base_url=server.url, timeout=30.0) as client:
            async with client.stream("GET", STREAM, headers=w.auth("officer")) as response:
                received = aiter(events(response))
                first = await anext(received)
                stopping = asyncio.create_task(server.stop())
                rest = [e async for e in received]
            await stopping
    assert first[0] == "alert" and rest == []


async def test_a_port_in_use_is_one_clear_error(tmp_path: Path) -> None:
    async with world(tmp_path, None) as w:
        first = ApiServer(w.app, "127.0.0.1:0")
        await first.start()
        try:
            with pytest.raises(ServiceUnavailableError, match=r"cannot listen on 127\.0\.0\.1:"):
                await ApiServer(w.app, f"127.0.0.1:{first.port}").start()
        finally:
            await first.stop()


def test_a_slow_client_is_dropped_and_counted_never_waited_for() -> None:
    hub = StreamHub(max_bytes=1000)
    slow = hub.subscribe("", PictureFilter(), alerts=True)
    fast = hub.subscribe("", None, alerts=True)
    for i in range(20):  # nobody reads: 20 alerts of ~100 bytes
        hub.send_alert("", {"alert_id": str(i), "message": "x" * 60})
    assert slow.dropped and fast.dropped  # both stopped reading
    assert hub.counts.dropped_clients == 2 and hub.counts.clients == 0
    assert slow.waiting_bytes == 0


async def test_a_dropped_client_is_told_and_its_stream_ends() -> None:
    hub = StreamHub(max_bytes=500)
    sub = hub.subscribe("", None, alerts=True)
    for i in range(10):
        hub.send_alert("", {"alert_id": str(i), "message": "x" * 60})
    frames = [frame async for frame in sub.frames()]
    assert frames[0].startswith(b"retry: ")
    assert frames[-1].startswith(b"event: dropped\n")
    assert len(frames) == 2  # what was queued is discarded: the client reconnects afresh


async def test_a_client_that_keeps_up_gets_everything() -> None:
    hub = StreamHub(max_bytes=500)
    sub = hub.subscribe("", None, alerts=True)
    reader = aiter(sub.frames())
    await anext(reader)  # retry
    got = []
    for i in range(50):  # 50 alerts, far more than the buffer, read as they come
        hub.send_alert("", {"alert_id": str(i)})
        got.append(await anext(reader))
    assert not sub.dropped and len(got) == 50 and hub.counts.dropped_clients == 0
