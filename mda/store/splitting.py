"""What to do with a write the database refused: whether it is a lost connection (spool and
retry) or the data (split the batch, set the offending records aside).

A lost connection, a server going down or a client timeout says nothing about the rows: the
batch waits in the spool. Anything else - a value out of range (class 22), a constraint
(23), the server out of memory or locks for this transaction (53), a limit (54) - would fail
again on every retry, so the batch is halved until the records that fail are alone.
"""

from __future__ import annotations

from typing import Any, Final

import psycopg

from mda.store.batch import StoreBatch

# SQLSTATEs that mean "not now", not "not this": connection exceptions (class 08), a deadlock
# or serialization failure with another writer (class 40: the same rows go through on a
# retry), the server shutting down or starting (57P01-57P03), too many connections, disk full.
_TRANSIENT_CLASSES: Final = ("08", "40")
_TRANSIENT: Final = frozenset({"57P01", "57P02", "57P03", "53300", "53100"})

_FIELDS: Final = ("positions", "statics", "zone_events", "zone_hours", "alerts")
KIND: Final = {"positions": "position", "statics": "static", "zone_events": "zone event",
               "zone_hours": "zone hour", "alerts": "alert"}  # fmt: skip


class WriteTimeoutError(Exception):
    """The database did not answer a write in time (frozen, or the link drops packets)."""


def is_connection_loss(exc: BaseException, conn: psycopg.AsyncConnection[Any] | None) -> bool:
    """Whether a failed write says the database is away rather than the data wrong."""
    if isinstance(exc, WriteTimeoutError | psycopg.InterfaceError):
        return True
    if conn is None or conn.closed or conn.broken:
        return True
    if not isinstance(exc, psycopg.Error):
        return False
    state = exc.sqlstate
    if state is None:
        return isinstance(exc, psycopg.OperationalError)
    return state[:2] in _TRANSIENT_CLASSES or state in _TRANSIENT


def reason_of(exc: BaseException) -> str:
    """A short, countable reason for records the database refused."""
    state = getattr(exc, "sqlstate", None)
    return f"refused by the database (SQLSTATE {state})" if state else type(exc).__name__


def size(batch: StoreBatch) -> int:
    """Records in a batch (late fixes are a view of its positions, not records of their own)."""
    return len(batch)


def halves(batch: StoreBatch) -> tuple[StoreBatch, StoreBatch]:
    """Two batches that together hold ``batch``, each about half of it."""
    records = [(name, r) for name in _FIELDS for r in getattr(batch, name)]
    middle = len(records) // 2
    return _gather(batch, records[:middle]), _gather(batch, records[middle:])


def single(batch: StoreBatch) -> tuple[str, Any]:
    """The kind and the record of a one-record batch."""
    for name in _FIELDS:
        records = getattr(batch, name)
        if records:
            return KIND[name], records[0]
    raise ValueError("an empty batch")


def _gather(batch: StoreBatch, records: list[tuple[str, Any]]) -> StoreBatch:
    out = StoreBatch()
    for name, record in records:
        getattr(out, name).append(record)
    if batch.late_fixes and out.positions:
        late = {(p.mmsi, p.time) for p in batch.late_fixes}
        out.late_fixes = [p for p in out.positions if (p.mmsi, p.time) in late]
    return out
