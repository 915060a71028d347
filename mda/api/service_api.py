"""The HTTP API of a running service, as one object the service holds.

The service makes it in its constructor and adds it to its alert sinks; right after every
pipeline step and clock tick (before the step's alerts are emitted) it calls
:meth:`ServiceApi.observe` with the step's records and its partner feeds' releases; it starts
and stops it with the rest::

    self.api = ServiceApi(config.api, pipeline, feeds=config.feeds,
                          acknowledge=self.acknowledge, store_url=writer.url if writer else None)
    self.sinks.append(self.api)
"""

from __future__ import annotations

from collections.abc import Sequence

from mda.api.app import build_api
from mda.api.live import AckRequest, LivePicture
from mda.api.server import ApiServer
from mda.api.tokens import TokenStore, prepare_tokens_file
from mda.errors import ConfigError
from mda.feeds.core import FeedRelease
from mda.model import Alert, Position, VesselStatic
from mda.pipeline import Pipeline
from mda.settings.api import ApiSettings
from mda.settings.feed_spec import FeedsConfig


class ServiceApi:
    """The live picture of the service's pipeline, served over HTTP."""

    def __init__(
        self,
        settings: ApiSettings,
        pipeline: Pipeline,
        *,
        feeds: FeedsConfig | None,
        acknowledge: AckRequest,
        store_url: str | None,
    ) -> None:
        if settings.listen is None:
            raise ConfigError("api.listen: required to serve the HTTP API (host:port)")
        self.live = LivePicture(
            pipeline, feeds=feeds, acknowledge=acknowledge,
            stream_buffer_bytes=settings.stream_buffer_bytes,
            vessel_update_s=settings.vessel_update_s,
        )  # fmt: skip
        prepare_tokens_file(settings.tokens_file)
        tokens = TokenStore(settings.tokens_file)
        app = build_api(settings, tokens, live=self.live, store_url=store_url)
        self.server = ApiServer(app, settings.listen)

    @property
    def url(self) -> str:
        """Where the API answers (``/docs`` for its description)."""
        return self.server.url

    @property
    def serving(self) -> bool:
        """Whether it listens now."""
        return self.server.serving

    def publish(self, alerts: list[Alert]) -> None:
        """Alert state changes (an alert sink of the service)."""
        self.live.publish(alerts)

    def observe(
        self, positions: Sequence[Position], statics: Sequence[VesselStatic],
        releases: Sequence[FeedRelease],
    ) -> None:  # fmt: skip
        """A pipeline step's records (empty on a clock tick), and what partners were released
        from it (partners' delays move on with the clock too)."""
        self.live.observe(positions, statics)
        self.live.release(releases)

    async def start(self) -> None:
        """Listen (a port in use or an unreachable database is one clear error)."""
        await self.server.start()

    async def stop(self) -> None:
        """End streams and stop listening."""
        await self.server.stop()

    def figures(self) -> dict[str, int]:
        """Stream clients, events sent, clients dropped as too slow (for metrics)."""
        return self.live.figures()
