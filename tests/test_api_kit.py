"""The world the API tests run in: a pipeline over the test sea with four vessels, a partner
feed, a real store (PostgreSQL 15) holding what the pipeline made, tokens for every role, and
the API in process (httpx over ASGI) or on loopback (uvicorn).

The vessels (test sea 0-2 N, 10-12 E; a cable along 11 E):

- ALPHA, 235000001 (GB, cargo 70): comes in from the west and enters the sea, which opens a
  ``sea_entry`` alert (the rule watches ALPHA alone);
- BRAVO, 636000002 (LR, tanker 80): steams north inside the sea;
- CHARLIE, 538000003 (MH, fishing 30): creeps along the cable, inside the sea;
- 219000004 (DK, no static report): outside the sea, to the west.

The partner ``navy-a`` is given the sea, types 70-89 and the ``sea_entry`` rule, rounded to
two decimals: ALPHA (once inside) and BRAVO, never CHARLIE or the Dane.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from mda.api import LivePicture, TokenStore, api_context, build_api
from mda.config import Config
from mda.feeds.core import FeedSet
from mda.model import Alert, Position, Record
from mda.pipeline import Pipeline
from mda.runtime.service import Service
from mda.settings.api import ApiSettings
from mda.settings.feeds import parse_feeds
from mda.store.batch import StoreBatch
from mda.store.writer import StoreWriter
from tests.rule_kit import T0, leg, pipeline, static

ALPHA, BRAVO, CHARLIE, DANE = 235_000_001, 636_000_002, 538_000_003, 219_000_004
NOW = datetime.fromtimestamp(T0 + 86_400, UTC)  # "now" for the API: a day after the start
RULES = {"sea_entry": {"detector": "zone_entry", "zones": ["test-sea"], "severity": "warning",
                       "mmsi": [ALPHA]}}  # fmt: skip
FEEDS = {"navy-a": {"formats": ["mqtt"], "zones": ["test-sea"], "ship_types": ["70-89"],
                    "rules": ["sea_entry"], "round_decimals": 2}}  # fmt: skip
ROLES = ("officer", "analyst", "admin", "partner:navy-a")


def before_entry() -> list[Record]:
    """The first ten minutes: statics, and every vessel under way; ALPHA still outside."""
    return [
        static(ALPHA, T0, "ALPHA", 70), static(BRAVO, T0, "BRAVO", 80),
        static(CHARLIE, T0, "CHARLIE", 30),
        *leg(ALPHA, T0, 1.0, 9.95, 90.0, 10.0, 10, every_s=30),
        *leg(BRAVO, T0, 1.2, 11.5, 0.0, 12.0, 10, every_s=30),
        *leg(CHARLIE, T0, 0.5, 11.005, 0.0, 1.0, 10, every_s=60),
        *leg(DANE, T0, 1.0, 9.0, 0.0, 8.0, 10, every_s=60),
    ]  # fmt: skip


def entry() -> list[Position]:
    """The next twenty minutes: ALPHA crosses 10 E into the sea."""
    t = T0 + 600
    return [
        *leg(ALPHA, t, 1.0, 9.9778, 90.0, 10.0, 20, every_s=30),
        *leg(BRAVO, t, 1.2333, 11.5, 0.0, 12.0, 20, every_s=30),
        *leg(CHARLIE, t, 0.5017, 11.005, 0.0, 1.0, 20, every_s=60),
    ]  # fmt: skip


def step(
    p: Pipeline, live: LivePicture | None, records: Iterable[Record], feeds: FeedSet | None = None
) -> StoreBatch:
    """One pipeline step, handed to the live picture as the service hands it over: the
    records, then event time moved past them (what a live service's clock does), with what
    the process's partner feeds (``feeds``) released from it."""
    records = list(records)
    out = p.process_records(records)
    latest = max((r.time for r in records if r.time is not None), default=None)
    if latest is not None:
        out.extend(p.advance_to(latest + p.sequencer.slice_s))
    if live is not None:
        live.observe(out.positions, out.statics)  # right after the step, as the service does
        live.release([] if feeds is None else feeds.step(out, p.watermark))
        live.publish(out.alerts)
    return out.store_batch()


def sea_pipeline() -> Pipeline:
    """The pipeline of the test sea with the sea-entry rule."""
    return pipeline(RULES)


async def store(url: str, batches: Sequence[StoreBatch]) -> None:
    """Write batches through the store writer, as the service does."""
    writer = StoreWriter(url)
    await writer.start()
    for batch in batches:
        await writer.write(batch)
    await writer.close()


@dataclass
class World:
    """A running API and what it runs on."""

    app: FastAPI
    pipeline: Pipeline
    live: LivePicture
    service: Service
    tokens: dict[str, str]
    token_store: TokenStore
    client: httpx.AsyncClient
    url: str | None
    alerts: list[Alert]
    feeds: FeedSet  # the process's partner feeds, whose releases the API shows partners

    def auth(self, role: str) -> dict[str, str]:
        """Headers of a request with ``role``'s token."""
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    async def get(self, path: str, role: str = "admin", **params: Any) -> httpx.Response:
        """GET with ``role``'s token."""
        return await self.client.get(path, params=params, headers=self.auth(role))


def settings(tmp_path: Path, **changes: Any) -> ApiSettings:
    """API settings with a token file of the test's own."""
    return ApiSettings(tokens_file=tmp_path / "tokens.json", **changes)


@contextlib.asynccontextmanager
async def world(
    tmp_path: Path, url: str | None, *, entered: bool = True, update_s: float = 3600.0,
    **changes: Any,
) -> AsyncIterator[World]:  # fmt: skip
    """The world, with ALPHA's entry already processed (``entered``) or still to come.
    Vessel updates go to stream clients every ``update_s`` (tests call
    ``live.send_updates()`` themselves), ``changes`` are API settings."""
    p = sea_pipeline()
    service = Service(Config(http_listen=None), p, [])
    feeds = parse_feeds(FEEDS, "test feeds", tmp_path)
    live = LivePicture(p, feeds=feeds, acknowledge=service.acknowledge, refresh_s=0.0,
                       vessel_update_s=update_s)  # fmt: skip
    service.sinks.append(live)  # how the service hands alerts over
    feed_set = FeedSet(feeds, p.index, p.tracks, rules=p.engine.scopes)
    batches = [step(p, live, before_entry(), feed_set)]
    alerts = list(batches[0].alerts)
    if entered:
        batches.append(step(p, live, entry(), feed_set))
        alerts += batches[1].alerts
    if url is not None:
        await store(url, batches)
    api_settings = settings(tmp_path, **changes)
    tokens = TokenStore(api_settings.tokens_file)
    issued = {role: tokens.add(role.replace(":", "-"), role) for role in ROLES}
    issued["partner:nobody"] = tokens.add("nobody", "partner:nobody")
    app = build_api(api_settings, tokens, live=live, store_url=url, now=lambda: NOW)
    ctx = api_context(app)
    await ctx.start()
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://mda") as client:
            yield World(app, p, live, service, issued, tokens, client, url, alerts, feed_set)
    finally:
        await ctx.close()


def test_the_scenario_opens_one_sea_entry_alert_for_alpha() -> None:
    p = sea_pipeline()
    alerts = step(p, None, before_entry()).alerts
    assert alerts == []
    (opened,) = step(p, None, entry()).alerts
    assert (opened.rule, opened.state, opened.mmsi) == ("sea_entry", "open", ALPHA)


@pytest.mark.parametrize("mmsi", [ALPHA, BRAVO, CHARLIE, DANE])
def test_every_vessel_of_the_scenario_has_a_fix(mmsi: int) -> None:
    p = sea_pipeline()
    step(p, None, before_entry())
    step(p, None, entry())
    state = p.tracks.vessels[mmsi]
    assert state.current is not None
