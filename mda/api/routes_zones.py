"""Zones and cables of the catalogue in force, as GeoJSON for a map.

A partner's token sees no catalogue, only the cables and pipelines its own alerts name: the
corridor a partner was alerted about is drawn on its map, and nothing else of mda's zones.

Simplifying outlines takes up to seconds for a large catalogue, so it runs in a worker thread,
one rendering at a time: the event loop, which also ingests and raises alerts, never waits for
it, and a client asking for many tolerances at once takes one thread, not all of them.
"""

from __future__ import annotations

import asyncio
import json
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import Response

from mda.api import params
from mda.api.auth import Ctx, audience, authenticated
from mda.api.context import ApiContext
from mda.api.errors import NotFoundError
from mda.api.roles import Permission
from mda.api.tokens import Principal
from mda.api.zonesjson import Shape, cables, collection, zone_feature
from mda.zones.model import LINEAR_KINDS, ZONE_KINDS, Zone

router = APIRouter(tags=["zones"])
Viewer = Annotated[Principal, Depends(authenticated)]
Simplify = Annotated[float, Query(ge=0, le=100_000, description="Simplify outlines to this "
                                  "tolerance, in metres (0: exact)")]  # fmt: skip
GEOJSON = "application/geo+json"


def alerted_assets(ctx: ApiContext, partner: str) -> list[Zone]:
    """The cables and pipelines named by a partner's alerts (current and recently ended), in
    catalogue order."""
    if ctx.live is None:
        return []  # a store alone: no partner has live alerts
    board = ctx.live.alerts(partner)  # NoSuchPartnerError (403) without such a feed
    named = set()
    for body in (*board.current.values(), *board.ended.values()):
        zone = body.get("zone")
        if isinstance(zone, dict) and zone.get("kind") in LINEAR_KINDS:
            named.add(zone.get("id"))
    return [z for z in ctx.zones if z.id in named]


def _visible(ctx: ApiContext, who: Principal) -> list[Zone] | None:
    """The zones ``who`` may see: None for all of them, else a partner's alerted assets; 403
    for a role that may see none."""
    if who.role.allows(Permission.ZONES):
        return None
    partner = audience(who)
    if partner is None:
        raise HTTPException(
            403, f"role {who.role} may not use this ({Permission.ZONES.value} access needed)"
        )
    return alerted_assets(ctx, partner)


def _render(ctx: ApiContext, kinds: frozenset[str], simplify_m: float, shape: Shape) -> bytes:
    if shape == "route":
        return cables(ctx.zones, simplify_m=simplify_m)
    return collection(ctx.zones, kinds=kinds, simplify_m=simplify_m)


async def _rendered(
    ctx: ApiContext, kinds: frozenset[str], simplify_m: float, shape: Shape
) -> bytes:  # fmt: skip
    # The catalogue does not change while the service runs: each rendering is made once.
    key = (kinds, simplify_m, shape)
    async with ctx.rendering:
        body = ctx.renderings.get(key)  # made while this request waited its turn?
        if body is None:
            body = await asyncio.to_thread(_render, ctx, kinds, simplify_m, shape)
            if len(ctx.renderings) < 64:
                ctx.renderings[key] = body
    return body


@router.get("/zones", summary="Zones (GeoJSON)",
            responses={200: {"content": {GEOJSON: {}}}})  # fmt: skip
async def zones(
    ctx: Ctx, who: Viewer,
    kind: Annotated[list[str] | None, Query(description="Only these kinds (sea, eez, cable, "
                                            "port ...)")] = None,
    simplify_m: Simplify = 0.0,
) -> Response:  # fmt: skip
    """Every zone in force as a FeatureCollection: id, name, kind, and the area checked
    (a cable's corridor, a port's circle). A partner gets the cables and pipelines its alerts
    name."""
    kinds = params.choices(kind, "kind", sorted(ZONE_KINDS))
    own = _visible(ctx, who)
    if own is not None:
        mine = await asyncio.to_thread(collection, own, kinds=kinds, simplify_m=simplify_m)
        return Response(mine, media_type=GEOJSON)
    body = ctx.renderings.get((kinds, simplify_m, "area"))
    if body is None:
        body = await _rendered(ctx, kinds, simplify_m, "area")
    return Response(body, media_type=GEOJSON)


@router.get("/zones/{zone_id}", summary="One zone (GeoJSON)",
            responses={200: {"content": {GEOJSON: {}}}})  # fmt: skip
async def zone(ctx: Ctx, who: Viewer, zone_id: str, simplify_m: Simplify = 0.0) -> Response:
    """One zone as a Feature (for a partner, a cable or pipeline one of its alerts names)."""
    found = ctx.zone_by_id.get(zone_id)
    own = _visible(ctx, who)
    if own is not None and found not in own:
        found = None  # what a partner was not alerted about does not exist for it
    if found is None:
        raise NotFoundError(f"unknown zone {zone_id!r} (GET /api/v1/zones lists them)")
    async with ctx.rendering:
        body = await asyncio.to_thread(_feature, found, simplify_m)
    return Response(body, media_type=GEOJSON)


def _feature(found: Zone, simplify_m: float) -> bytes:
    return json.dumps(zone_feature(found, simplify_m=simplify_m), separators=(",", ":")).encode()


@router.get("/cables", summary="Cables and pipelines (GeoJSON)",
            responses={200: {"content": {GEOJSON: {}}}})  # fmt: skip
async def cable_routes(
    ctx: Ctx, who: Viewer,
    geometry: Annotated[Shape, Query(description="route (the line) or area (the corridor "
                                     "checked)")] = "route",
    simplify_m: Simplify = 0.0,
) -> Response:  # fmt: skip
    """Undersea cables and pipelines: routes, or the corridors alerts are raised in (for a
    partner, those its alerts name)."""
    kinds = frozenset(("cable", "pipeline"))
    own = _visible(ctx, who)
    if own is not None:
        mine = await asyncio.to_thread(cables, own, simplify_m=simplify_m, shape=geometry)
        return Response(mine, media_type=GEOJSON)
    body = ctx.renderings.get((kinds, simplify_m, geometry))
    if body is None:
        body = await _rendered(ctx, kinds, simplify_m, geometry)
    return Response(body, media_type=GEOJSON)
