"""The HTTP API: live picture, alerts, zones, history and exports, behind bearer tokens.

The service holds a :class:`ServiceApi` (see :mod:`mda.api.service_api`); tests and tools
build the pieces: ``build_api(settings, tokens, live=LivePicture(pipeline), store_url=url)``
served by ``ApiServer(app, "127.0.0.1:8080")``. docs/api.md describes the endpoints.

Names are imported on first use: the command line's token commands do not load the web stack.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mda.api.app import api_context, build_api
    from mda.api.live import LivePicture
    from mda.api.server import ApiServer
    from mda.api.service_api import ServiceApi
    from mda.api.tokens import TokenStore

_WHERE = {
    "api_context": "mda.api.app", "build_api": "mda.api.app", "LivePicture": "mda.api.live",
    "ApiServer": "mda.api.server", "ServiceApi": "mda.api.service_api",
    "TokenStore": "mda.api.tokens",
}  # fmt: skip

__all__ = ["ApiServer", "LivePicture", "ServiceApi", "TokenStore", "api_context", "build_api"]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'mda.api' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
