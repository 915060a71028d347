"""Who am I, tokens, and the audit log (admin)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from mda.api import params
from mda.api.auth import Ctx, authenticated, require
from mda.api.context import remote
from mda.api.errors import NotFoundError
from mda.api.roles import Permission, parse_role
from mda.api.schemas import AuditEntry, Me, NewToken, TokenInfo, TokenRequest
from mda.api.tokens import Principal

router = APIRouter(tags=["tokens and audit"])
Admin = Annotated[Principal, Depends(require(Permission.ADMIN))]


@router.get("/me", response_model=Me, summary="The token's owner")
async def me(who: Annotated[Principal, Depends(authenticated)]) -> dict[str, Any]:
    """Name, role and permissions of the token used."""
    permissions = sorted(p.value for p in who.role.permissions)
    return {"name": who.name, "role": str(who.role), "permissions": permissions}


@router.get("/tokens", response_model=list[TokenInfo], summary="Tokens")
async def tokens(ctx: Ctx, who: Admin) -> list[dict[str, str]]:
    """Every token: id, name, role, when created (never the token)."""
    return [r.public() for r in ctx.tokens.records()]


@router.post("/tokens", response_model=NewToken, status_code=201, summary="Make a token")
async def add_token(request: Request, ctx: Ctx, who: Admin, body: TokenRequest) -> dict[str, str]:
    """A new token for a person or partner; the answer holds it, once. Audited."""
    role = parse_role(body.role)
    token = ctx.tokens.add(body.name, role)
    record = next(r for r in ctx.tokens.records() if r.name == body.name.strip())
    await ctx.audit.record(who, "token add", record.name, {"role": str(role)}, remote(request))
    return {**record.public(), "token": token}


@router.delete("/tokens/{name}", status_code=204, summary="Revoke a token")
async def revoke_token(request: Request, ctx: Ctx, who: Admin, name: str) -> Response:
    """Revoke the token named ``name`` (it stops working within a second). Audited."""
    if not ctx.tokens.revoke(name):
        raise NotFoundError(f"no token is named {name!r}")
    await ctx.audit.record(who, "token revoke", name, {}, remote(request))
    return Response(status_code=204)


@router.get("/audit", response_model=list[AuditEntry], summary="The audit log")
async def audit(
    ctx: Ctx, who: Admin,
    since: Annotated[str | None, Query(description="Start (ISO 8601, date, now, -6h)")] = None,
    until: Annotated[str | None, Query(description="End (default now)")] = None,
    actor: Annotated[str | None, Query(description="Only this token name")] = None,
    action: Annotated[str | None, Query(description="Only this action (acknowledge, "
                                        "track ...)")] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> list[dict[str, Any]]:  # fmt: skip
    """Audited actions in ``[since, until)``, newest first."""
    start, end = params.window(since, until, now=ctx.now(), max_span=ctx.settings.max_window,
                               what="audit log")  # fmt: skip
    return await ctx.audit.entries(start, end, actor=actor, action=action, limit=limit)
