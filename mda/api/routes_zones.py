"""Zones and cables of the catalogue in force, as GeoJSON for a map.

Simplifying outlines takes up to seconds for a large catalogue, so it runs in a worker thread,
one rendering at a time: the event loop, which also ingests and raises alerts, never waits for
it, and a client asking for many tolerances at once takes one thread, not all of them.
"""

from __future__ import annotations

import asyncio
import json
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from mda.api import params
from mda.api.auth import Ctx, require
from mda.api.context import ApiContext
from mda.api.errors import NotFoundError
from mda.api.roles import Permission
from mda.api.tokens import Principal
from mda.api.zonesjson import Shape, cables, collection, zone_feature
from mda.zones.model import ZONE_KINDS, Zone

router = APIRouter(tags=["zones"])
Reader = Annotated[Principal, Depends(require(Permission.ZONES))]
Simplify = Annotated[float, Query(ge=0, le=100_000, description="Simplify outlines to this "
                                  "tolerance, in metres (0: exact)")]  # fmt: skip
GEOJSON = "application/geo+json"


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
    ctx: Ctx, who: Reader,
    kind: Annotated[list[str] | None, Query(description="Only these kinds (sea, eez, cable, "
                                            "port ...)")] = None,
    simplify_m: Simplify = 0.0,
) -> Response:  # fmt: skip
    """Every zone in force as a FeatureCollection: id, name, kind, and the area checked
    (a cable's corridor, a port's circle)."""
    kinds = params.choices(kind, "kind", sorted(ZONE_KINDS))
    body = ctx.renderings.get((kinds, simplify_m, "area"))
    if body is None:
        body = await _rendered(ctx, kinds, simplify_m, "area")
    return Response(body, media_type=GEOJSON)


@router.get("/zones/{zone_id}", summary="One zone (GeoJSON)",
            responses={200: {"content": {GEOJSON: {}}}})  # fmt: skip
async def zone(ctx: Ctx, who: Reader, zone_id: str, simplify_m: Simplify = 0.0) -> Response:
    """One zone as a Feature."""
    found = ctx.zone_by_id.get(zone_id)
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
    ctx: Ctx, who: Reader,
    geometry: Annotated[Shape, Query(description="route (the line) or area (the corridor "
                                     "checked)")] = "route",
    simplify_m: Simplify = 0.0,
) -> Response:  # fmt: skip
    """Undersea cables and pipelines: routes, or the corridors alerts are raised in."""
    kinds = frozenset(("cable", "pipeline"))
    body = ctx.renderings.get((kinds, simplify_m, geometry))
    if body is None:
        body = await _rendered(ctx, kinds, simplify_m, geometry)
    return Response(body, media_type=GEOJSON)
