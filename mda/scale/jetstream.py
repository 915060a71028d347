"""Connecting to NATS and making sure the stream, the lease bucket and the snapshot store exist.

Every gateway and worker calls :func:`prepare` at start: creating what is missing is
idempotent, so the first process to start sets the deployment up and the others find it.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

import nats
from nats.aio.client import Client as Nats
from nats.errors import Error as NatsError
from nats.js import JetStreamContext
from nats.js.api import (
    KeyValueConfig,
    ObjectStoreConfig,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)
from nats.js.errors import BadRequestError, NotFoundError
from nats.js.kv import KeyValue
from nats.js.object_store import ObjectStore

from mda.errors import ServiceUnavailableError
from mda.scale.grid import GRID_STREAM, GRID_STREAM_SUBJECT
from mda.scale.partition import STREAM_SUBJECT
from mda.settings.scale import ScaleSettings

log = logging.getLogger("mda.scale")

# How long JetStream remembers message ids to drop a resent duplicate.
DUPLICATE_WINDOW_S = 120.0


@dataclass(slots=True)
class JetStream:
    """A connection and the deployment's streams (AIS messages by partition, grid points by
    cell), lease bucket and snapshot store."""

    nc: Nats
    js: JetStreamContext
    leases: KeyValue
    snapshots: ObjectStore

    async def close(self) -> None:
        """Flush what is buffered and close."""
        if not self.nc.is_closed:
            try:
                await asyncio.wait_for(self.nc.drain(), 10.0)
            except (TimeoutError, NatsError):
                await self.nc.close()


async def connect(settings: ScaleSettings, name: str) -> Nats:
    """A connection that reconnects for ever once it has been made; a clear error if the
    servers cannot be reached at start."""

    async def quiet(exc: Exception) -> None:
        log.warning("NATS: %s", exc)

    async def reconnected() -> None:
        log.info("NATS: reconnected to %s", nc.connected_url.netloc if nc.connected_url else "?")

    try:
        nc: Nats = await nats.connect(
            servers=list(settings.nats), name=name, connect_timeout=5,
            max_reconnect_attempts=-1, reconnect_time_wait=0.5, allow_reconnect=True,
            error_cb=quiet, reconnected_cb=reconnected,
            # Messages published while reconnecting wait in the client (bytes).
            pending_size=64 * 1024 * 1024,
        )  # fmt: skip
    except (OSError, NatsError, TimeoutError) as exc:
        raise ServiceUnavailableError(
            f"cannot reach NATS at {', '.join(settings.nats)}: {exc or type(exc).__name__}"
        ) from exc
    return nc


async def prepare(settings: ScaleSettings, name: str) -> JetStream:
    """Connect and make sure the stream, leases and snapshots exist (retrying while a
    cluster elects its leaders)."""
    nc = await connect(settings, name)
    js = nc.jetstream(timeout=10.0)
    leases_name, snapshots_name = settings.buckets
    stream = StreamConfig(
        name=settings.stream, subjects=[STREAM_SUBJECT], retention=RetentionPolicy.LIMITS,
        max_age=settings.retention_hours * 3600.0, storage=StorageType.FILE,
        num_replicas=settings.replicas, duplicate_window=DUPLICATE_WINDOW_S,
    )  # fmt: skip
    last: Exception | None = None
    grid = StreamConfig(
        name=GRID_STREAM, subjects=[GRID_STREAM_SUBJECT], retention=RetentionPolicy.LIMITS,
        max_age=settings.retention_hours * 3600.0, storage=StorageType.FILE,
        num_replicas=settings.replicas,
    )  # fmt: skip
    for _ in range(30):
        try:
            await _ensure_stream(js, stream)
            await _ensure_stream(js, grid)
            try:
                leases = await js.key_value(leases_name)
            except NotFoundError:
                leases = await js.create_key_value(
                    KeyValueConfig(bucket=leases_name, ttl=settings.lease_s, history=1,
                                   replicas=settings.replicas, storage=StorageType.FILE)
                )  # fmt: skip
            try:
                snapshots = await js.object_store(snapshots_name)
            except NotFoundError:
                snapshots = await js.create_object_store(
                    snapshots_name,
                    ObjectStoreConfig(replicas=settings.replicas, storage=StorageType.FILE),
                )
            return JetStream(nc, js, leases, snapshots)
        except (NatsError, TimeoutError) as exc:  # a cluster still electing, say
            last = exc
            await asyncio.sleep(1.0)
    await nc.close()
    raise ServiceUnavailableError(f"NATS JetStream at {', '.join(settings.nats)}: {last}")


async def _ensure_stream(js: JetStreamContext, config: StreamConfig) -> None:
    assert config.name is not None
    try:
        info = await js.stream_info(config.name)
    except NotFoundError:
        try:
            await js.add_stream(config)
        except BadRequestError as exc:
            raise ServiceUnavailableError(
                f"cannot create the JetStream stream {config.name}: {exc.description}"
            ) from exc
        log.info("created the stream %s (%s)", config.name, config.subjects)
        return
    if info.config.subjects != config.subjects:
        raise ServiceUnavailableError(
            f"the stream {config.name} exists with subjects {info.config.subjects}, "
            f"not {config.subjects}"
        )
