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
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

import psycopg

from mda.errors import ConfigError, ServiceUnavailableError
from mda.model import Position
from mda.net.backoff import Backoff
from mda.store.batch import StoreBatch
from mda.store.binary_copy import distinct_positions
from mda.store.connection import bounded, connect
from mda.store.copy import newest_positions, prepare_connection, write_batch
from mda.store.dburl import check_database_url, redact_url
from mda.store.defence import StoreDefence
from mda.store.guard import GuardSettings
from mda.store.identity import DatabaseIdentity, database_identity, record_identity
from mda.store.levels import StoreLevel, detect_level
from mda.store.maintenance import existing_days
from mda.store.rejects import RejectsFile
from mda.store.schema import migrate
from mda.store.settings import StoreSettings
from mda.store.splitting import (
    WriteTimeoutError,
    halves,
    is_connection_loss,
)
from mda.store.spool import Spool, SpoolInUseError, SpoolStatus
from mda.zones.presence import ZoneLocator

T = TypeVar("T")

# redact_url is imported from here by the service and the API.
__all__ = ["StoreWriter", "WriterCounts", "WrongDatabaseError", "redact_url"]

log = logging.getLogger("mda.store")

MAX_SPOOLS = 64  # processes spooling for one database on one host, at most

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
    # Records set aside (never retried), by reason; the rows are kept in the rejects file.
    set_aside_reasons: dict[str, int] = field(default_factory=dict)
    timeouts: int = 0  # writes the database did not answer in time

    @property
    def set_aside(self) -> int:
        """Records set aside, all reasons together."""
        return sum(self.set_aside_reasons.values())


class StoreWriter:
    """Writes ``StoreBatch``es; one connection, one writer per process."""

    def __init__(
        self,
        url: str,
        *,
        settings: StoreSettings | None = None,
        spool_dir: Path | None = None,
        spool_folder: Path | None = None,
        spool_max_bytes: int = 1 << 30,
        retry_s: tuple[float, float] = (0.5, 15.0),
        latest_interval_s: float = 10.0,
        locate: ZoneLocator | None = None,
        spooling: bool = True,
        write_timeout_s: float = 10.0,
        guard: GuardSettings | None = None,
        clock: Callable[[], float] | None = None,
        newest_time_limit: int = 500_000,
    ) -> None:
        """``latest_interval_s``: how often vessels' last known positions are updated (they are
        a convenience for queries; the live picture is the pipeline's own). ``locate``: the
        pipeline's zones, to put right the zone events that late fixes change.
        ``spool_dir``: the folder under which each database gets its own spool and rejects
        file (``spooling`` False: the rejects file only); ``spool_folder``: exactly this
        folder under it (draining one left by an earlier run). ``write_timeout_s``: a write the
        database has not answered by then counts as a lost connection (the batch spools).
        ``clock``: the wall clock of a live service (new days are welcome around today).
        ``newest_time_limit``: vessels whose newest stored time is remembered, at most."""
        self.url = check_database_url(url)
        self.settings = settings or StoreSettings()
        self.spool_root = spool_dir
        if spool_dir is not None:
            try:
                spool_dir.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ConfigError(
                    f"cannot create the spool folder {spool_dir}: {exc.strerror or exc}"
                ) from exc
        self._spooling = spooling
        self._spool_folder = spool_folder
        self._spool_max_bytes = spool_max_bytes
        self.spool: Spool | None = None  # the database's own, once start() knows which it is
        self.identity: DatabaseIdentity | None = None
        self.counts = WriterCounts()
        self.level: StoreLevel | None = None
        self._backoff = Backoff(retry_s)
        self._timeout_s = write_timeout_s
        self.defence = StoreDefence(guard, clock, reasons=self.counts.set_aside_reasons)
        self._conn: Connection | None = None
        self._writing_since: float | None = None
        self._newest_limit = newest_time_limit
        self._replay: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()  # one transaction at a time on the connection
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
            self.identity = await database_identity(conn)
        except (psycopg.OperationalError, WriteTimeoutError) as exc:
            raise ServiceUnavailableError(
                f"cannot reach the database at {redact_url(self.url)}: {_first_line(exc)}"
            ) from exc
        self._open_spool(self.identity)
        self.level = await detect_level(conn)
        applied = await migrate(conn, self.level, self.settings)
        await prepare_connection(conn)
        self.defence.known_days = await existing_days(conn, self.level)
        self._conn = conn
        for migration in applied:
            log.info("applied migration %d: %s", migration.version, migration.description)
        log.info("store: %s", self.level.describe())
        if self.spool is not None and len(self.spool):
            log.warning("%d batches waiting in the spool from before: replaying", len(self.spool))
            self._start_replay()
        return self.level

    def _open_spool(self, identity: DatabaseIdentity) -> None:
        """This database's own folder under the spool root: its spool and its rejects."""
        if self.spool_root is None:
            return
        folder = self.spool_root / identity.key

        def prepare(folder: Path = folder) -> None:
            try:
                folder.mkdir(exist_ok=True)
                record_identity(folder, identity, redact_url(self.url))
            except OSError as exc:
                raise ConfigError(
                    f"cannot use the spool folder {folder}: {exc.strerror or exc}"
                ) from exc

        if not self._spooling:  # an import: a folder only if something is set aside
            self.defence.rejects = RejectsFile(folder, on_first=prepare)
            return
        # Several processes on one host may write one database (workers, a run beside an
        # import): each spools in a folder of its own, the database's or a numbered sibling.
        candidates = [self.spool_root / (identity.key if n == 1 else f"{identity.key}~{n}")
                      for n in range(1, MAX_SPOOLS + 1)]  # fmt: skip
        for folder in [self._spool_folder] if self._spool_folder is not None else candidates:
            prepare(folder)
            try:
                self.spool = Spool(folder, self._spool_max_bytes)
            except SpoolInUseError:
                if self._spool_folder is not None:
                    raise  # the very folder asked for (a drain): say it is busy
                continue
            self.defence.rejects = RejectsFile(folder)
            return
        raise ConfigError(f"{MAX_SPOOLS} processes already spool for {identity.describe()} "
                          f"under {self.spool_root}")  # fmt: skip

    async def _connect(self) -> Connection:
        return await connect(self.url, self._timeout_s)

    async def _bounded(self, conn: Connection, work: Coroutine[Any, Any, T]) -> T:
        """``work`` on ``conn`` within the write timeout (``connection.bounded``)."""
        self._writing_since = time.monotonic()
        try:
            return await bounded(conn, work, self._timeout_s)
        except WriteTimeoutError:
            self.counts.timeouts += 1
            raise
        finally:
            self._writing_since = None

    @property
    def rejects(self) -> RejectsFile:
        """Where set-aside records are kept (and counted)."""
        return self.defence.rejects

    def spool_status(self) -> SpoolStatus | None:
        """Batches waiting in the spool, for metrics and the log."""
        return self.spool.status() if self.spool is not None else None

    @property
    def connected(self) -> bool:
        """Whether batches go straight to the database: not while one has waited for an answer
        for more than a few seconds (health must not say "connected" to a frozen server)."""
        since = self._writing_since
        if since is not None and time.monotonic() - since > min(5.0, self._timeout_s / 2):
            return False
        return self._conn is not None and not self._conn.closed and self._replay is None

    async def write(self, batch: StoreBatch) -> None:
        """Store a batch, or spool it when the database is away (waiting if the spool is full)."""
        if not len(batch):
            return
        if self._replay is None and self._conn is not None:
            rest = await self._write_or_split(batch)
            if rest is None:
                return
            batch = rest
        if self.spool is None:
            raise ServiceUnavailableError(
                f"the database at {redact_url(self.url)} is unreachable and no spool is "
                f"configured: {self.counts.last_error}"
            )
        await self._wait_for_room()
        self.spool.append(batch)
        self.counts.spooled_batches += 1
        self._start_replay()

    async def _write_or_split(self, batch: StoreBatch) -> StoreBatch | None:
        """Write a batch; when the database refuses it for its data, halve it until the
        records it refuses are alone, and set those aside. Returns None when all is done, or
        what is left to write when the connection was lost (for the spool)."""
        pending = [batch]
        budget = 64 + 4 * len(batch).bit_length()  # transactions, at most, for one batch
        while pending:
            piece = pending.pop()
            try:
                await self._write_now(piece)
                continue
            except Exception as exc:
                if not is_connection_loss(exc, self._conn):
                    if not isinstance(exc, psycopg.Error):
                        raise  # a bug of ours, not the data's
                    budget -= 1
                    if len(piece) == 1 or budget <= 0:
                        self.defence.refused(piece, exc, _first_line(exc))
                    else:
                        pending.extend(reversed(halves(piece)))
                    continue
                self._lost(exc)
                rest = piece
                for more in reversed(pending):
                    rest = rest.joined(more)
                return rest
        return None

    async def _write_now(self, batch: StoreBatch, *, final: bool = False) -> None:
        assert self._conn is not None
        assert self.level is not None
        start = time.perf_counter()
        batch = self.defence.admit(batch)
        positions, repeats, newest = distinct_positions(batch.positions, self._newest_time)
        batch = replace(batch, positions=positions)
        # Vessels' last positions are worked out once per interval, not per batch.
        due = final or time.monotonic() - self._latest_written >= self._latest_interval_s
        latest = None
        if due:
            merged: dict[int, Position] = {}
            for unsettled in (*self._unsettled, batch.positions):
                newest_positions(unsettled, merged)
            latest = list(merged.values())
        conn = self._conn
        async with self._lock:
            stored = await self._bounded(conn, write_batch(
                conn, batch, self.level, self.defence.known_days, latest, self._locate
            ))  # fmt: skip
        # Committed: only now may later repeats of these times be left out (a batch that
        # failed goes to the spool whole and is filtered again when replayed).
        self.counts.same_second_repeats += repeats
        self._remember_newest(newest)
        self.defence.written(batch)
        if due:
            self._unsettled.clear()
            self._latest_written = time.monotonic()
        else:
            self._unsettled.append(batch.positions)
        self.counts.write_seconds += time.perf_counter() - start
        self.counts.batches += 1
        self.counts.positions += stored

    def _remember_newest(self, newest: dict[int, float]) -> None:
        """Keep each vessel's newest stored time, for at most ``newest_time_limit`` vessels:
        past that, the vessels heard of longest ago are forgotten (a repeat of theirs then
        reaches the database, whose unique index keeps it out)."""
        table = self._newest_time
        for m, t in newest.items():
            if t > table.get(m, -1.0):
                table[m] = t
        if len(table) > self._newest_limit:
            keep = sorted(table.items(), key=lambda item: item[1])[-(self._newest_limit // 2) :]
            self._newest_time = dict(keep)

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
        self._backoff.reset()  # each run starts with the shortest wait
        try:
            while len(self.spool):
                if self._conn is None or self._conn.closed:
                    try:
                        self._conn = await self._reconnect()
                        self.counts.reconnects += 1
                        log.warning(
                            "database at %s is back: replaying the spool", redact_url(self.url)
                        )
                    except (psycopg.OperationalError, WriteTimeoutError, WrongDatabaseError) as exc:
                        self.counts.last_error = _first_line(exc)
                        if isinstance(exc, WrongDatabaseError):
                            log.error("%s", exc)
                        await self._backoff.wait()
                        continue
                batch = self.spool.peek()
                assert batch is not None
                if await self._write_or_split(batch) is not None:
                    continue  # the connection was lost: the batch stays first in the spool
                self.spool.pop()
                self.counts.replayed_batches += 1
                self._backoff.reset()
        finally:
            self._replay = None

    async def _reconnect(self) -> Connection:
        """A new connection, to the same database as the spool's (a URL may lead elsewhere
        after a failover or a DNS change: the spool is never written into another)."""
        conn = await self._connect()
        try:
            identity = await self._bounded(conn, database_identity(conn))
            if self.identity is not None and identity != self.identity:
                raise WrongDatabaseError(
                    f"{redact_url(self.url)} now leads to {identity.describe()}, not to the "
                    f"spool's {self.identity.describe()}: the spool waits for its own database"
                )
            await self._bounded(conn, prepare_connection(conn))
        except BaseException:
            await conn.close()
            raise
        return conn

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
            with contextlib.suppress(psycopg.Error, WriteTimeoutError):
                await self._write_now(StoreBatch(), final=True)
        if self._replay is not None:
            self._replay.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._replay
        if self._conn is not None:
            await self._conn.close()
            self._conn = None
        if self.spool is not None:
            self.spool.close()

    @property
    def connection(self) -> Connection:
        """The writer's connection (maintenance and tests)."""
        if self._conn is None:
            raise ServiceUnavailableError(f"not connected to {redact_url(self.url)}")
        return self._conn


class WrongDatabaseError(Exception):
    """The URL now reaches a database other than the one the spool is for."""


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
