"""Bearer tokens on requests: who is asking (401 when nobody valid) and whether their role
allows the endpoint (403 when it does not).

A browser page cannot put a header on an ``EventSource``, so the map signs in once with its
token (``POST /api/v1/session``) and the token then comes back in an HttpOnly, SameSite=Strict
cookie, checked exactly as the header is (same token, same role, revoked just as fast). A
request with an ``Authorization`` header is judged by the header alone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from mda.api.context import ApiContext, context
from mda.api.roles import Permission
from mda.api.tokens import Principal

bearer = HTTPBearer(
    auto_error=False,
    description="A token from `mda api token add` or POST /api/v1/tokens: "
    "`Authorization: Bearer mda_...`",
)
_CHALLENGE = {"WWW-Authenticate": "Bearer"}
MAX_TOKEN_CHARS = 200
SESSION_COOKIE = "mda_session"
_SAFE_METHODS = frozenset(("GET", "HEAD", "OPTIONS"))


def authenticated(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """The principal of the request's bearer token (or, without one, of the session cookie);
    401 without a valid one."""
    ctx = context(request)
    if credentials is not None:
        token = credentials.credentials
        why = "the bearer token is not valid (unknown or revoked)"
    else:
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie is None:
            raise HTTPException(401, "a bearer token is required (Authorization: Bearer ...)",
                                headers=_CHALLENGE)  # fmt: skip
        _same_origin(request)
        token, why = cookie, "the session's token is not valid (unknown or revoked): sign in again"
    principal = ctx.tokens.authenticate(token) if len(token) <= MAX_TOKEN_CHARS else None
    if principal is None:
        raise HTTPException(401, why, headers=_CHALLENGE)
    return principal


def _same_origin(request: Request) -> None:
    """403 for a cookie-authenticated change sent from another origin. SameSite=Strict already
    keeps the cookie off cross-site requests; this also covers other ports of the same host,
    which browsers count as the same site."""
    origin = request.headers.get("origin")
    if request.method in _SAFE_METHODS or origin is None:
        return
    host = request.headers.get("host", "")
    if origin.partition("://")[2] != host:
        raise HTTPException(403, f"a session may not be used from another origin ({origin})")


def require(permission: Permission) -> Callable[..., Principal]:
    """A dependency: the principal, if its role carries ``permission`` (else 403)."""

    def check(principal: Annotated[Principal, Depends(authenticated)]) -> Principal:
        if not principal.role.allows(permission):
            raise HTTPException(
                403, f"role {principal.role} may not use this ({permission.value} access needed)"
            )
        return principal

    return check


def audience(principal: Principal) -> str | None:
    """Whose picture a principal sees: None for mda's own, else the partner's name."""
    return principal.role.partner


Ctx = Annotated[ApiContext, Depends(context)]
