"""Serving the map page and its files from the API application."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

HERE: Final = Path(__file__).parent
STATIC: Final = HERE / "static"
VENDOR: Final = HERE / "vendor"
MAP_PATH: Final = "/map/"

# The page may load and reach nothing but its own origin: a stray reference to a tile server
# or a CDN fails at once in every browser, instead of hanging on a ship with no internet.
# (Leaflet positions its panes through inline styles, hence 'unsafe-inline' for styles only.)
CONTENT_SECURITY_POLICY: Final = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'"
)
_HEADERS: Final = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


class _MapFiles(StaticFiles):
    """Static files with the page's security headers; the page's own files are revalidated on
    every load (ETag), so an upgraded service never runs with last version's scripts."""

    def __init__(self, directory: Path, *, html: bool = False, revalidate: bool) -> None:
        super().__init__(directory=directory, html=html)
        self.revalidate = revalidate

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers.update(_HEADERS)
        if self.revalidate:
            response.headers["Cache-Control"] = "no-cache"
        return response


def install_map(app: FastAPI) -> None:
    """Serve the map at ``/map/`` (and send ``/`` there); the files need no token, the data
    they ask for does."""
    # The vendor mount comes first: "/map" would otherwise take its paths.
    app.mount("/map/vendor", _MapFiles(VENDOR, revalidate=False), name="map-vendor")
    app.mount("/map", _MapFiles(STATIC, html=True, revalidate=True), name="map")

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse(MAP_PATH)
