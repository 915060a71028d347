"""The store writer: batches into the database, or into the spool while it is unreachable.

Order is kept: once a batch has gone to the spool, later ones follow it there until the spool
has been replayed. Replay starts as soon as the database answers again. A full spool is the one
case where input has to wait: ``write`` then holds its caller (and so the sources) and says so
loudly, rather than dropping anything.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import psycopg

from mda.errors import ServiceUnavailableError
from mda.model import Position
from mda.store.batch import StoreBatch
from mda.store.binary_copy import distinct_positions
from mda.store.copy import newest_positions, prepare_connection, write_batch
from mda.store.levels import StoreLevel, detect_level
from mda.store.schema import StoreSettings, migrate
from mda.store.spool import Spool, SpoolStatus
from mda.zones.presence import ZoneLocator

log = logging.getLogger("mda.store")

Connection = psycopg.AsyncConnection[tuple[Any, ...]]


@dataclass(slots=True)
class WriterCounts:
    """What the writer has done since it started."""

    batches: int = 0
    positions: int = 0
    spooled_batches: int = 0
    replayed_batches: int = 0
    reconnects: int = 0
    # A vessel's second report with the same time (the store keeps one position per vessel
    # and second); counted, as every dropped record is.
    same_second_repeats: int = 0
    write_seconds: float = 0.0
    last_error: str | None = None
    levels: list[str] = field(default_factory=list)


class StoreWriter:
    """Writes ``StoreBatch``es; one connection, one writer per process."""

    def __init__(
        self,
        url: str,
        *,
        settings: StoreSettings | None = None,
        spool_dir: Path | None = None,
        spool_max_bytes: int = 1 << 30,
        retry_s: tuple[float, float] = (0.5, 15.0),
        latest_interval_s: float = 10.0,
        locate: ZoneLocator | None = None,
    ) -> None:
        """``latest_interval_s``: how often vessels' last known positions are updated (they are
        a convenience for queries; the live picture is the pipeline's own). ``locate``: the
        pipeline's zones, to put right the zone events that late fixes change."""
        self.url = url
        self.settings = settings or StoreSettings()
        self.spool = Spool(spool_dir, spool_max_bytes) if spool_dir is not None else None
        self.counts = WriterCounts()
        self.level: StoreLevel | None = None
        self._retry = retry_s
        self._conn: Connection | None = None
        self._partitions: set[date] = set()
        self._replay: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()  # one transaction at a time on the connection
        self._latest: dict[int, Position] = {}
        self._unsettled: list[list[Position]] = []  # positions written since the last update
        self._latest_interval_s = latest_interval_s
        self._locate = locate
        self._latest_written = time.monotonic()
        # Each vessel's newest stored position time: a repeat of it is not written again.
        self._newest_time: dict[int, float] = {}

    async def start(self) -> StoreLevel:
        """Connect, detect the level, apply migrations; fails with one clear line if the
        database cannot be reached (a service must start knowing where it writes)."""
        try:
            conn = await self._connect()
        except psycopg.OperationalError as exc:
            raise ServiceUnavailableError(
                f"cannot reach the database at {redact_url(self.url)}: {_first_line(exc)}"
            ) from exc
        self.level = await detect_level(conn)
        applied = await migrate(conn, self.level, self.settings)
        await prepare_connection(conn)
        self._conn = conn
        for migration in applied:
            log.info("applied migration %d: %s", migration.version, migration.description)
        log.info("store: %s", self.level.describe())
        if self.spool is not None and len(self.spool):
            log.warning("%d batches waiting in the spool from before: replaying", len(self.spool))
            self._start_replay()
        return self.level

    async def _connect(self) -> Connection:
        conn: Connection = await psycopg.AsyncConnection.connect(self.url, connect_timeout=10)
        return conn

    def spool_status(self) -> SpoolStatus | None:
        """Batches waiting in the spool, for metrics and the log."""
        return self.spool.status() if self.spool is not None else None

    @property
    def connected(self) -> bool:
        """Whether batches go straight to the database."""
        return self._conn is not None and not self._conn.closed and self._replay is None

    async def write(self, batch: StoreBatch) -> None:
        """Store a batch, or spool it when the database is away (waiting if the spool is full)."""
        if not len(batch):
            return
        if self._replay is None and self._conn is not None:
            try:
                await self._write_now(batch)
                return
            except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
                self._lost(exc)
        if self.spool is None:
            raise ServiceUnavailableError(
                f"the database at {redact_url(self.url)} is unreachable and no spool is "
                f"configured: {self.counts.last_error}"
            )
        await self._wait_for_room()
        self.spool.append(batch)
        self.counts.spooled_batches += 1
        self._start_replay()

    async def _write_now(self, batch: StoreBatch, *, final: bool = False) -> None:
        assert self._conn is not None
        assert self.level is not None
        start = time.perf_counter()
        positions, repeats, newest = distinct_positions(batch.positions, self._newest_time)
        batch = replace(batch, positions=positions)
        # Vessels' last positions are worked out once per interval, not per batch.
        self._unsettled.append(batch.positions)
        due = final or time.monotonic() - self._latest_written >= self._latest_interval_s
        latest = None
        if due:
            for positions in self._unsettled:
                newest_positions(positions, self._latest)
            latest = list(self._latest.values())
        async with self._lock:
            stored = await write_batch(
                self._conn, batch, self.level, self._partitions, latest, self._locate
            )
        # Committed: only now may later repeats of these times be left out (a batch that
        # failed goes to the spool whole and is filtered again when replayed).
        self.counts.same_second_repeats += repeats
        for m, t in newest.items():
            if t > self._newest_time.get(m, -1.0):
                self._newest_time[m] = t
        if due:
            self._latest.clear()
            self._unsettled.clear()
            self._latest_written = time.monotonic()
        self.counts.write_seconds += time.perf_counter() - start
        self.counts.batches += 1
        self.counts.positions += stored

    def _lost(self, exc: BaseException) -> None:
        self.counts.last_error = _first_line(exc)
        log.error(
            "database at %s unreachable (%s): spooling batches until it is back",
            redact_url(self.url),
            self.counts.last_error,
        )
        if self._conn is not None:
            conn, self._conn = self._conn, None
            with contextlib.suppress(Exception):
                asyncio.get_running_loop().create_task(conn.close())

    async def _wait_for_room(self) -> None:
        assert self.spool is not None
        warned = 0.0
        while self.spool.full:
            now = time.monotonic()
            if now - warned > 30.0:
                status = self.spool.status()
                log.error(
                    "spool full (%d batches, %.0f MB): input is held until the database at %s "
                    "is back",
                    status.batches,
                    status.bytes / 1e6,
                    redact_url(self.url),
                )
                warned = now
            self._start_replay()
            await asyncio.sleep(0.2)

    def _start_replay(self) -> None:
        if self._replay is None or self._replay.done():
            self._replay = asyncio.get_running_loop().create_task(self._replay_spool())

    async def _replay_spool(self) -> None:
        """Reconnect with backoff, then write the spool oldest first until it is empty."""
        assert self.spool is not None
        delay = self._retry[0]
        try:
            while len(self.spool):
                if self._conn is None or self._conn.closed:
                    try:
                        conn = await self._connect()
                        await prepare_connection(conn)
                        self._conn = conn
                        self.counts.reconnects += 1
                        log.warning(
                            "database at %s is back: replaying the spool", redact_url(self.url)
                        )
                    except psycopg.OperationalError as exc:
                        self.counts.last_error = _first_line(exc)
                        await asyncio.sleep(delay)
                        delay = min(delay * 2, self._retry[1])
                        continue
                batch = self.spool.peek()
                assert batch is not None
                try:
                    await self._write_now(batch)
                except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
                    self._lost(exc)
                    continue
                self.spool.pop()
                self.counts.replayed_batches += 1
                delay = self._retry[0]
        finally:
            self._replay = None

    async def flush(self, timeout_s: float | None = None) -> bool:
        """Wait until the spool is empty (True) or ``timeout_s`` passes (False)."""
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        while self.spool is not None and len(self.spool):
            self._start_replay()
            if deadline is not None and time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.1)
        return True

    async def close(self) -> None:
        """Write the vessels' last positions, stop replaying and close the connection (the
        spool stays on disk)."""
        if self._unsettled and self.connected:
            with contextlib.suppress(psycopg.OperationalError, psycopg.InterfaceError):
                await self._write_now(StoreBatch(), final=True)
        if self._replay is not None:
            self._replay.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._replay
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    @property
    def connection(self) -> Connection:
        """The writer's connection (maintenance and tests)."""
        if self._conn is None:
            raise ServiceUnavailableError(f"not connected to {redact_url(self.url)}")
        return self._conn


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def redact_url(url: str) -> str:
    """A database URL without its password, for messages."""
    head, sep, tail = url.partition("://")
    if not sep or "@" not in tail:
        return url
    credentials, _, host = tail.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{head}://{user}@{host}"
