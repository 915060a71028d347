"""The HTTP API as one FastAPI application, built around a running service or a store alone."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from fastapi import FastAPI

from mda import __version__
from mda.api import (
    routes_admin,
    routes_alerts,
    routes_history,
    routes_live,
    routes_session,
    routes_zones,
)
from mda.api.audit import AuditLog
from mda.api.context import ApiContext, wall_clock
from mda.api.errors import install_handlers
from mda.api.hardening import BodyLimit, SecurityHeaders
from mda.api.live import LivePicture
from mda.api.routes_docs import install_docs
from mda.api.storeaccess import StoreReader
from mda.api.tokens import TokenStore
from mda.settings.api import ApiSettings
from mda.web import install_map
from mda.zones import ZoneCatalog, load_zones
from mda.zones.model import Zone

PREFIX = "/api/v1"
DESCRIPTION = """\
The live picture, alerts, zones and history of an mda service.

Every endpoint, this description included, needs a bearer token (`Authorization: Bearer
mda_...`, made with `mda api token add`), or the session cookie `POST /api/v1/session` sets for
the live map (served at `/map/`). Roles: **officer** (live picture, alerts, acknowledgement),
**analyst** (also history and exports), **partner:&lt;name&gt;** (only that partner's feed,
redacted as the feed is), **admin** (everything, and tokens). Errors are
`{"detail": "one sentence"}`: 401 without a valid token, 403 outside the role, 404 for an
unknown id, 409 for an alert that cannot be acknowledged, 413 for a request body over 1 MiB,
422 for a bad parameter or an answer over the row limit, 503 when the store is away or busy,
504 when a query ran too long.
"""


def build_api(
    settings: ApiSettings,
    tokens: TokenStore,
    *,
    live: LivePicture | None = None,
    store_url: str | None = None,
    zones: Sequence[Zone] | None = None,
    now: Callable[[], datetime] = wall_clock,
) -> FastAPI:
    """The API application.

    ``live``: the running pipeline's picture (None: an API of the store alone). ``store_url``:
    the database the service writes (None: no history, and the audit goes to the log only).
    ``zones``: the catalogue in force (default: the live pipeline's, else mda's defaults).
    Call ``await api_context(app).start()`` before serving (``ApiServer`` does).
    """
    if zones is None:
        zones = live.pipeline.index.zones if live is not None else list(load_zones())
    store = None
    if store_url is not None:
        store = StoreReader(store_url, ZoneCatalog(zones), settings)
    audit = AuditLog(store_url, statement_timeout_s=settings.statement_timeout_s)
    ctx = ApiContext(settings, tokens, list(zones), audit, live, store, now)
    # The description is served behind tokens (install_docs), not by FastAPI's open routes.
    app = FastAPI(title="mda", version=__version__, description=DESCRIPTION,
                  docs_url=None, redoc_url=None, openapi_url=None)  # fmt: skip
    app.state.mda = ctx
    install_handlers(app)
    for module in (routes_live, routes_alerts, routes_zones, routes_history, routes_admin,
                   routes_session):  # fmt: skip
        app.include_router(module.router, prefix=PREFIX)
    install_docs(app, PREFIX)
    install_map(app)
    # Added last, so outermost: the body is bounded before any route, token check included.
    app.add_middleware(SecurityHeaders)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    return app


def api_context(app: FastAPI) -> ApiContext:
    """The context an app was built with."""
    ctx: ApiContext = app.state.mda
    return ctx
