"""The live picture: vessels, one vessel, and the stream of alert changes and vessel updates."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response, StreamingResponse

from mda.api import params
from mda.api.alertboard import AlertQuery
from mda.api.auth import Ctx, audience, require
from mda.api.errors import NotFoundError
from mda.api.live import OWN
from mda.api.roles import Permission
from mda.api.schemas import VesselDetail, VesselPage
from mda.api.stream import Subscriber
from mda.api.tokens import Principal
from mda.store.exports import plain_columns
from mda.store.queries import Queries

router = APIRouter(tags=["live picture"])
Live = Annotated[Principal, Depends(require(Permission.LIVE))]
Mmsi = Annotated[int, Path(ge=1, le=999_999_999, description="The vessel's MMSI")]
ZoneParam = Annotated[str | None, Query(description="Only vessels in this zone (its id)")]
ShipTypes = Annotated[
    list[str] | None, Query(description="AIS ship types: codes or ranges (70, 80-89)")
]
Flags = Annotated[list[str] | None, Query(description="Flag states, ISO alpha-2 (GB, PA)")]
Box = Annotated[str | None, Query(description="west,south,east,north in degrees")]

IDENTITY_SQL = (
    "SELECT mmsi, shipname, callsign, imo, ship_type, flag, to_bow, to_stern, to_port, "
    "to_starboard, draught, destination, eta, static_time, last_time, last_lat, last_lon, "
    "last_sog, last_cog FROM vessels WHERE mmsi = $1"
)
HISTORY_SQL = (
    "SELECT time, shipname, callsign, imo, ship_type, flag FROM vessel_identity "
    "WHERE mmsi = $1 ORDER BY time"
)


@router.get("/vessels", response_model=VesselPage, summary="The live picture")
async def vessels(
    ctx: Ctx, who: Live, zone: ZoneParam = None, ship_type: ShipTypes = None,
    flag: Flags = None, bbox: Box = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:  # fmt: skip
    """The latest position and identity of every vessel in the picture (a partner's token:
    its feed's picture), filtered, by MMSI, a page at a time."""
    selection = params.picture_filter(ctx.zone_by_id, zone_id=zone, ship_type=ship_type,
                                      flag=flag, box=bbox)  # fmt: skip
    limit = min(limit, ctx.settings.page_max)
    picture = await ctx.need_live().picture(audience(who))
    # Filtering runs in polars and rows' JSON is ready: a page costs a join of bytes. In a
    # thread all the same, so that 10,000 rows never hold up the pipeline on the event loop.
    body = await asyncio.to_thread(picture.page, selection, limit, offset)
    return Response(body, media_type="application/json")


@router.get("/vessels/{mmsi}", response_model=VesselDetail, summary="One vessel")
async def vessel(ctx: Ctx, who: Live, mmsi: Mmsi) -> dict[str, Any]:
    """A vessel's live row, recent track and alerts; with history access also its identity
    and identity changes as stored. 404 when neither the picture nor the store knows it."""
    partner = audience(who)
    out: dict[str, Any] = {"mmsi": mmsi, "vessel": None, "alerts": [], "recent_track": []}
    live = ctx.live
    if live is not None:
        out["vessel"] = live.vessel(mmsi, partner)
        out["alerts"] = live.alerts(partner).select(AlertQuery(mmsi=mmsi), include_ended=True)
        if partner is None:  # a partner's feed carries positions, not mda's track summary
            out["recent_track"] = live.recent_track(mmsi)
    if who.role.allows(Permission.HISTORY) and ctx.store is not None:
        identity, history = await ctx.store.run(lambda q: _identity(q, mmsi))
        out["identity"], out["identity_history"] = identity, history
    if out["vessel"] is None and out.get("identity") is None:
        raise NotFoundError(f"no vessel with MMSI {mmsi} is in the picture"
                            + ("" if partner else " or the store"))  # fmt: skip
    return out


def _identity(q: Queries, mmsi: int) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    stored = plain_columns(q.fetch(IDENTITY_SQL, (mmsi,)))
    history = plain_columns(q.fetch(HISTORY_SQL, (mmsi,)))
    return (stored.row(0, named=True) if len(stored) else None), history.to_dicts()


@router.get(
    "/stream", summary="Live stream (server-sent events)",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}},
                     "description": "events 'alert', 'vessels' and 'dropped'"}},
)  # fmt: skip
async def stream(
    request: Request, ctx: Ctx, who: Live,
    vessels: Annotated[bool, Query(description="Send vessel updates")] = True,
    alerts: Annotated[bool, Query(description="Send alert changes")] = True,
    snapshot: Annotated[bool, Query(description="Start with the current alerts")] = True,
    zone: ZoneParam = None, ship_type: ShipTypes = None, flag: Flags = None, bbox: Box = None,
) -> StreamingResponse:  # fmt: skip
    """Alert state changes as they happen (``event: alert``) and vessel updates at most once
    per vessel per second (``event: vessels``, a JSON array of rows). A client that falls
    too far behind gets ``event: dropped`` and is disconnected; it may reconnect."""
    live = ctx.need_live()
    partner = audience(who)
    selection = params.picture_filter(ctx.zone_by_id, zone_id=zone, ship_type=ship_type,
                                      flag=flag, box=bbox)  # fmt: skip
    board = live.alerts(partner)  # a partner without a feed is refused here
    sub = live.hub.subscribe(partner or OWN, selection if vessels else None, alerts)
    if alerts and snapshot:
        for body in reversed(board.select(AlertQuery(), include_ended=False)):
            live.hub.send_alert_to(sub, body)
    return StreamingResponse(_events(live.hub.unsubscribe, sub), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store",
                                      "X-Accel-Buffering": "no"})  # fmt: skip


async def _events(unsubscribe: Any, sub: Subscriber) -> AsyncIterator[bytes]:
    try:
        async for frame in sub.frames():
            yield frame
    finally:
        unsubscribe(sub)
