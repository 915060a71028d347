"""Browser sessions for the map page: the token once in a header, then in a cookie.

The cookie holds the token itself, so a session is exactly as good as its token: same role,
and revoking the token ends the session at the next request. HttpOnly keeps it from page
scripts, SameSite=Strict off other sites' requests, and its path keeps it to the API.
"""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.security import HTTPAuthorizationCredentials

from mda.api.auth import MAX_TOKEN_CHARS, SESSION_COOKIE, bearer
from mda.api.context import context, remote
from mda.api.routes_admin import me
from mda.api.schemas import Me

router = APIRouter(tags=["tokens and audit"])
SESSION_MAX_AGE_S: Final = 12 * 3600  # a watch and then some: the page asks again after
COOKIE_PATH: Final = "/api/"


@router.post("/session", response_model=Me, summary="Sign a browser in")
async def sign_in(
    request: Request,
    response: Response,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> dict[str, Any]:
    """Check the bearer token and hand it back as an HttpOnly, SameSite=Strict session cookie
    that every endpoint (the stream too) accepts in place of the header: browsers cannot send
    headers with ``EventSource``. Answers as ``GET /me``. Audited."""
    if credentials is None:
        raise HTTPException(401, "sign in with the token in the header (Authorization: Bearer "
                                 "...)", headers={"WWW-Authenticate": "Bearer"})  # fmt: skip
    ctx = context(request)
    token = credentials.credentials
    principal = ctx.tokens.authenticate(token) if len(token) <= MAX_TOKEN_CHARS else None
    if principal is None:
        raise HTTPException(401, "the bearer token is not valid (unknown or revoked)",
                            headers={"WWW-Authenticate": "Bearer"})  # fmt: skip
    response.set_cookie(SESSION_COOKIE, token, max_age=SESSION_MAX_AGE_S, path=COOKIE_PATH,
                        httponly=True, samesite="strict",
                        secure=request.url.scheme == "https")  # fmt: skip
    await ctx.audit.record(principal, "sign_in", None, {}, remote(request))
    return await me(principal)


@router.delete("/session", status_code=204, summary="Sign a browser out")
async def sign_out() -> Response:
    """Forget the session cookie (the token itself stays valid until revoked)."""
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path=COOKIE_PATH, httponly=True, samesite="strict")
    return response
