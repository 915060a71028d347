"""Connecting to NATS and making sure the stream, the lease bucket and the snapshot store exist.

Every gateway and worker calls :func:`prepare` at start: creating what is missing is
idempotent, so the first process to start sets the deployment up and the others find it.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
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
from mda.net.backoff import Backoff
from mda.scale.grid import GRID_STREAM, GRID_STREAM_SUBJECT
from mda.scale.partition import STREAM_SUBJECT
from mda.settings.scale import ScaleSettings

log = logging.getLogger("mda.scale")

# How long JetStream remembers message ids to drop a resent duplicate.
DUPLICATE_WINDOW_S = 120.0
# How long a publish keeps trying to have one message stored. A stream has no leader, and so
# no subscriber, while an R3 cluster elects a new one after a node died (seconds, tens of
# seconds on a loaded machine): a publish then gets "no response from stream" at once.
STORE_PATIENCE_S = 120.0
STORE_BACKOFF_S = (0.2, 5.0)


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


def message_id(subject: str, body: bytes) -> str:
    """A Nats-Msg-Id from the content: a message resent after a lost acknowledgement is the
    same message to JetStream's duplicate window, so it is stored once."""
    return hashlib.blake2b(subject.encode() + b"|" + body, digest_size=12).hexdigest()


async def publish_stored(
    js: JetStreamContext, subject: str, body: bytes, headers: dict[str, str] | None = None, *,
    timeout_s: float = 10.0, patience_s: float = STORE_PATIENCE_S,
) -> None:  # fmt: skip
    """Publish and return once JetStream has stored the message, trying again (same message
    id, so at most one copy is kept) through a leader election or a reconnection; the last
    error once ``patience_s`` has passed without success."""
    headers = dict(headers or {})
    headers.setdefault("Nats-Msg-Id", message_id(subject, body))
    backoff = Backoff(STORE_BACKOFF_S)
    deadline = asyncio.get_running_loop().time() + patience_s
    while True:
        try:
            await js.publish(subject, body, headers=dict(headers), timeout=timeout_s)
            return
        except (NatsError, TimeoutError) as exc:
            if asyncio.get_running_loop().time() + backoff.delay > deadline:
                raise
            log.warning("NATS did not store a message on %s (%s); retrying in %.1f s",
                        subject, exc or type(exc).__name__, backoff.delay)  # fmt: skip
            await backoff.wait()


async def read_object(js: JetStreamContext, store: ObjectStore, name: str) -> bytes:
    """An object's content read message by message (NotFoundError when there is none,
    ValueError when what was read does not match the object's digest).

    Not ``ObjectStore.get``: that creates an ephemeral consumer for the chunks, and after a
    node of a JetStream cluster died, creating a consumer times out in about one try of
    three (nats-server 2.9 places it on the dead peer or waits for an election that includes
    it). Getting messages by subject needs only the stream's leader.
    """
    info = await store.get_info(name)
    if not info.size:
        return b""
    bucket = info.bucket or store._name
    stream, chunks = f"OBJ_{bucket}", f"$O.{bucket}.C.{info.nuid}"
    data = bytearray()
    seq = 0
    while len(data) < info.size:
        msg = await js.get_msg(stream, seq=seq + 1, subject=chunks, next=True)
        if msg.seq is None or msg.seq <= seq:
            raise NatsError(f"object {name}: chunk after {seq} not found")
        data += msg.data or b""
        seq = msg.seq
    digest = (info.digest or "").replace("SHA-256=", "").replace("SHA-256=".upper(), "")
    if base64.urlsafe_b64decode(digest) != hashlib.sha256(data).digest():
        raise ValueError(f"object {name}: its content does not match its digest")
    return bytes(data)
