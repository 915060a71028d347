"""Bearer tokens on requests: who is asking (401 when nobody valid) and whether their role
allows the endpoint (403 when it does not)."""

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


def authenticated(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """The principal of the request's bearer token; 401 without a valid one."""
    ctx = context(request)
    if credentials is None:
        raise HTTPException(401, "a bearer token is required (Authorization: Bearer ...)",
                            headers=_CHALLENGE)  # fmt: skip
    token = credentials.credentials
    principal = ctx.tokens.authenticate(token) if len(token) <= MAX_TOKEN_CHARS else None
    if principal is None:
        raise HTTPException(401, "the bearer token is not valid (unknown or revoked)",
                            headers=_CHALLENGE)  # fmt: skip
    return principal


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
