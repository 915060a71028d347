"""The API's own description (OpenAPI schema and its browsable page), behind the same tokens
as the API: the list of endpoints, roles and parameters is a map of the service that nobody
without a token needs.

Both live under ``/api/`` so that the map's session cookie, kept to that path, also opens them
in a browser; ``/docs`` and ``/openapi.json`` send there.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Final

from fastapi import Depends, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

from mda.api.auth import authenticated
from mda.api.tokens import Principal

Who = Annotated[Principal, Depends(authenticated)]
SCHEMA: Final = "/openapi.json"
PAGE: Final = "/docs"


def install_docs(app: FastAPI, prefix: str) -> None:
    """Serve the description at ``prefix``/docs and ``prefix``/openapi.json (any valid token
    or session), and send the usual addresses there."""

    async def schema(request: Request, who: Who) -> JSONResponse:
        description: dict[str, Any] = request.app.openapi()
        return JSONResponse(description)

    async def page(who: Who) -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=prefix + SCHEMA, title="mda API")

    app.add_api_route(prefix + SCHEMA, schema, include_in_schema=False)
    app.add_api_route(prefix + PAGE, page, include_in_schema=False)
    for path in (SCHEMA, PAGE):
        app.add_api_route(path, _redirect(prefix + path), include_in_schema=False)


def _redirect(target: str) -> Callable[[], Awaitable[RedirectResponse]]:
    async def moved() -> RedirectResponse:
        return RedirectResponse(target, status_code=307)

    return moved
