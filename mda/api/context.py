"""What every request handler reaches: settings, tokens, the live picture, the store, audit."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from fastapi import Request

from mda.api.audit import AuditLog
from mda.api.live import LivePicture
from mda.api.storeaccess import StoreReader
from mda.api.tokens import TokenStore
from mda.errors import ServiceUnavailableError
from mda.settings.api import ApiSettings
from mda.zones.model import Zone


def wall_clock() -> datetime:
    """Now, for times people write relative to it ("now", "-6h")."""
    return datetime.now(UTC)


@dataclass(slots=True)
class ApiContext:
    """The API's view of the service it runs in."""

    settings: ApiSettings
    tokens: TokenStore
    zones: list[Zone]
    audit: AuditLog
    live: LivePicture | None = None
    store: StoreReader | None = None
    now: Callable[[], datetime] = wall_clock
    zone_by_id: dict[str, Zone] = field(init=False)
    renderings: dict[tuple[object, ...], bytes] = field(init=False, default_factory=dict)
    # One zone rendering at a time (each in a worker thread; see routes_zones).
    rendering: asyncio.Semaphore = field(init=False, default_factory=lambda: asyncio.Semaphore(1))
    started: bool = field(init=False, default=False)

    def __post_init__(self) -> None:
        self.zone_by_id = {z.id: z for z in self.zones}

    async def start(self) -> None:
        """Connect the audit log (creating its tables) and start the live stream's updates
        (once: a second call does nothing)."""
        if self.started:
            return
        self.started = True
        await self.audit.start()
        if self.live is not None:
            self.live.start()

    async def close(self) -> None:
        """End every stream, stop updates, close connections."""
        self.started = False
        if self.live is not None:
            self.live.hub.close()
            await self.live.stop()
        await self.audit.close()
        if self.store is not None:
            self.store.close()

    def need_live(self) -> LivePicture:
        """The live picture, or 503 when this API serves the store only."""
        if self.live is None:
            raise ServiceUnavailableError("no live picture: this API serves the store only")
        return self.live

    def need_store(self) -> StoreReader:
        """The store, or 503 when the service stores nothing."""
        if self.store is None:
            raise ServiceUnavailableError("no store: this service keeps no history "
                                          "(configure [database] url)")  # fmt: skip
        return self.store


def context(request: Request) -> ApiContext:
    """The context of the app serving ``request``."""
    ctx: ApiContext = request.app.state.mda
    return ctx


def remote(request: Request) -> str | None:
    """Where a request came from (host:port), for the audit log."""
    client = request.client
    return None if client is None else f"{client.host}:{client.port}"
