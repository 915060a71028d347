"""Alerts: current ones from the live picture, past ones from the store; acknowledgement and
comments, each written to the audit log."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request

from mda.alerts.lifecycle import AlertNotFoundError
from mda.api import params
from mda.api.alertboard import AlertQuery
from mda.api.auth import Ctx, audience, require
from mda.api.context import ApiContext, remote
from mda.api.roles import Permission
from mda.api.schemas import AcknowledgeRequest, AlertPage, Comment, CommentRequest
from mda.api.tokens import Principal
from mda.errors import ConfigError
from mda.store.queries import SEVERITIES, STATES, Queries, TooManyRowsError

router = APIRouter(tags=["alerts"])
Reader = Annotated[Principal, Depends(require(Permission.ALERTS))]
Actor = Annotated[Principal, Depends(require(Permission.ACKNOWLEDGE))]
ENDED = ("cleared", "retracted")
ALERT_SQL = "SELECT body::text AS body FROM alerts WHERE alert_id::text = $1"


@router.get("/alerts", response_model=AlertPage, summary="Alerts")
async def alerts(
    request: Request, ctx: Ctx, who: Reader,
    rule: Annotated[list[str] | None, Query(description="Rule names")] = None,
    state: Annotated[list[str] | None, Query(description="open, acknowledged, cleared, "
                                                          "retracted")] = None,
    severity: Annotated[list[str] | None, Query(description="alarm, warning, caution")] = None,
    mmsi: Annotated[int | None, Query(ge=1, le=999_999_999)] = None,
    zone: Annotated[str | None, Query(description="Zone id")] = None,
    since: Annotated[str | None, Query(description="From the store: alerts alive since "
                                                   "(ISO 8601, date, now, -6h)")] = None,
    until: Annotated[str | None, Query(description="... until (default now)")] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 500,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:  # fmt: skip
    """Without a time window: the current alerts (open and acknowledged; ask for a state to
    see recently ended ones too). With ``since``: the store's alerts alive in that window
    (history access)."""
    states = params.choices(state, "state", STATES)
    query = AlertQuery(
        frozenset(params.values(rule)),
        states,
        params.choices(severity, "severity", SEVERITIES),
        mmsi,
        params.zone(zone, ctx.zone_by_id),
    )
    if since is None and until is None:
        board = ctx.need_live().alerts(audience(who))
        found = board.select(query, include_ended=bool(states & set(ENDED)))
        return _page("live", found, limit, offset)
    if not who.role.allows(Permission.HISTORY):
        raise_forbidden(who, "stored alerts")
    start, end = params.window(since, until, now=ctx.now(), max_span=ctx.settings.max_window,
                               what="alerts")  # fmt: skip

    def stored(q: Queries) -> tuple[int, list[dict[str, Any]]]:
        try:
            frame = q.alerts(start, end, vessel=mmsi, zone=query.zone,
                             rule=sorted(query.rules) or None,
                             severity=sorted(query.severities) or None,
                             state=sorted(states) or None,
                             row_limit=ctx.settings.max_rows)  # fmt: skip
        except TooManyRowsError:
            raise ConfigError(f"more than the {ctx.settings.max_rows} alerts allowed in one "
                              "answer in this window; narrow it") from None  # fmt: skip
        # Only the page asked for is decoded: the rest of the window is counted, not parsed.
        page = frame["body"].slice(offset, limit).to_list()
        return len(frame), [json.loads(b) for b in page]

    total, page = await ctx.need_store().run(stored)
    await ctx.audit.record(who, "alerts", None, {"since": since, "until": until, "rows": total},
                           remote(request))  # fmt: skip
    return {"source": "store", "total": total, "limit": limit, "offset": offset, "alerts": page}


def _page(source: str, found: list[dict[str, Any]], limit: int, offset: int) -> dict[str, Any]:
    return {"source": source, "total": len(found), "limit": limit, "offset": offset,
            "alerts": found[offset : offset + limit]}  # fmt: skip


def raise_forbidden(who: Principal, what: str) -> None:
    """403 for something the role lacks."""
    raise HTTPException(403, f"role {who.role} may not read {what} (history access needed)")


async def find_alert(ctx: ApiContext, who: Principal, alert_id: str) -> dict[str, Any]:
    """An alert by id (or its first characters): the live board, else the store for roles
    with history access; 404 when neither has it."""
    partner = audience(who)
    if ctx.live is not None:
        body = ctx.live.alerts(partner).get(alert_id)
        if body is not None:
            return body
    if partner is None and who.role.allows(Permission.HISTORY) and ctx.store is not None:
        rows = await ctx.store.run(lambda q: q.fetch(ALERT_SQL, (alert_id,)))
        if len(rows):
            found: dict[str, Any] = json.loads(rows["body"][0])
            return found
    raise AlertNotFoundError(f"no alert has the id {alert_id}")


@router.get("/alerts/{alert_id}", summary="One alert")
async def alert(ctx: Ctx, who: Reader, alert_id: str) -> dict[str, Any]:
    """An alert's latest state (its published body)."""
    return await find_alert(ctx, who, alert_id)


@router.post("/alerts/{alert_id}/acknowledge", summary="Acknowledge an alert")
async def acknowledge(
    request: Request, ctx: Ctx, who: Actor, alert_id: str, body: AcknowledgeRequest
) -> dict[str, Any]:
    """Take an open alert in hand, with a note; every console sees it (MQTT, the stream, the
    store). 409 if it was already acknowledged or has ended. Audited."""
    acknowledged = await ctx.need_live().acknowledge(alert_id, who.name, body.note)
    await ctx.audit.record(who, "acknowledge", str(acknowledged["alert_id"]),
                           {"note": body.note}, remote(request))  # fmt: skip
    return acknowledged


@router.post("/alerts/{alert_id}/comments", response_model=Comment, status_code=201,
             summary="Comment on an alert")  # fmt: skip
async def comment(
    request: Request, ctx: Ctx, who: Actor, alert_id: str, body: CommentRequest
) -> dict[str, Any]:
    """Add a comment to an alert (shared with every console; kept in the store). Audited."""
    found = await find_alert(ctx, who, alert_id)
    full_id = str(found["alert_id"])
    stored = await ctx.audit.comment(full_id, who.name, body.text)
    await ctx.audit.record(who, "comment", full_id, {"comment_id": stored["id"]},
                           remote(request))  # fmt: skip
    return stored


@router.get("/alerts/{alert_id}/comments", response_model=list[Comment],
            summary="Comments on an alert")  # fmt: skip
async def comments(ctx: Ctx, who: Actor, alert_id: str) -> list[dict[str, Any]]:
    """An alert's comments, oldest first."""
    found = await find_alert(ctx, who, alert_id)
    return await ctx.audit.comments(str(found["alert_id"]))
