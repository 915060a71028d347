"""The audit log of the API, and comments on alerts: two tables of the store of their own.

Every acknowledgement, comment, history query, export and token change is a row of
``api_audit``: who (the token's name and role), when (the database's clock), what (action,
target, details as JSON) and from where. The tables are created here, idempotently, when the
API starts, so the store's own migrations need not know about them.

Without a database (a service that stores nothing) the audit goes to the log, and comments,
which must be shared across consoles, are not available.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any, Final

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from mda.api.tokens import Principal
from mda.errors import ServiceUnavailableError
from mda.store.writer import redact_url

log = logging.getLogger("mda.api.audit")

_LOCK: Final = 0x6D64_6132  # "mda2": two services starting together create the tables once
DDL: Final = """
CREATE TABLE IF NOT EXISTS api_audit (
    id bigserial PRIMARY KEY,
    time timestamptz NOT NULL DEFAULT now(),
    actor text NOT NULL,
    role text NOT NULL,
    action text NOT NULL,
    target text,
    details jsonb NOT NULL DEFAULT '{}'::jsonb,
    remote text
);
CREATE INDEX IF NOT EXISTS api_audit_time ON api_audit (time);
CREATE TABLE IF NOT EXISTS api_alert_comments (
    id bigserial PRIMARY KEY,
    alert_id text NOT NULL,
    time timestamptz NOT NULL DEFAULT now(),
    author text NOT NULL,
    text text NOT NULL
);
CREATE INDEX IF NOT EXISTS api_alert_comments_alert ON api_alert_comments (alert_id, time);
"""
_ERRORS: Final = (psycopg.OperationalError, psycopg.InterfaceError, TimeoutError)


class AuditLog:
    """Writes and reads the audit log and alert comments (a small connection pool)."""

    def __init__(self, url: str | None, *, statement_timeout_s: float = 15.0) -> None:
        self.url = url
        # As the store queries have: a slow audit read cannot hold a connection for ever.
        self._options = f"-c statement_timeout={max(1, round(statement_timeout_s * 1000))}"
        self._pool: AsyncConnectionPool[psycopg.AsyncConnection[dict[str, Any]]] | None = None

    async def start(self) -> None:
        """Connect and create the tables if they are missing."""
        if self.url is None:
            return
        try:
            # Once by hand first: the pool would log every failed attempt (several lines each)
            # before giving up, where an unreachable database deserves one clear line.
            first = await psycopg.AsyncConnection.connect(self.url, connect_timeout=10)
        except psycopg.Error as exc:
            reason = str(exc).strip().splitlines()[0].removeprefix("connection failed: ")
            raise ServiceUnavailableError(
                f"API audit log: cannot reach the database at {redact_url(self.url)}: {reason}"
            ) from exc
        await first.close()
        pool: AsyncConnectionPool[psycopg.AsyncConnection[dict[str, Any]]] = AsyncConnectionPool(
            self.url, min_size=1, max_size=4, open=False,
            kwargs={"autocommit": True, "row_factory": dict_row, "options": self._options},
        )  # fmt: skip
        try:
            await pool.open(wait=True, timeout=10.0)
            async with pool.connection() as conn, conn.transaction():
                await conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK,))
                await conn.execute(DDL.encode())
        except (*_ERRORS, psycopg.errors.Error) as exc:
            await pool.close()
            raise ServiceUnavailableError(
                f"API audit log: cannot use the database at {redact_url(self.url)}: {exc}"
            ) from exc
        self._pool = pool

    async def close(self) -> None:
        """Close the pool."""
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()

    @property
    def stored(self) -> bool:
        """Whether entries go to the database (else only to the log)."""
        return self._pool is not None

    async def _execute(self, sql: str, params: tuple[Any, ...]) -> list[dict[str, Any]]:
        if self._pool is None:
            raise ServiceUnavailableError("this API has no database: comments and the audit "
                                          "log are kept in the store")  # fmt: skip
        try:
            async with self._pool.connection(timeout=5.0) as conn:
                cur = await conn.execute(sql.encode(), params)
                return await cur.fetchall() if cur.description else []
        except _ERRORS as exc:
            raise ServiceUnavailableError(
                f"the audit log's database is unreachable: {exc}"
            ) from exc

    async def record(
        self, who: Principal, action: str, target: str | None,
        details: dict[str, Any] | None = None, remote: str | None = None,
    ) -> None:  # fmt: skip
        """One audit entry; ServiceUnavailableError when it cannot be written (the caller then
        does not hand out what it was about to)."""
        details = details or {}
        if self._pool is None:
            log.info("audit: %s (%s) %s %s %s", who.name, who.role, action, target, details)
            return
        await self._execute(
            "INSERT INTO api_audit (actor, role, action, target, details, remote) "
            "VALUES (%s, %s, %s, %s, %s, %s)",
            (who.name, str(who.role), action, target, Jsonb(details), remote),
        )

    async def entries(
        self, since: datetime, until: datetime, *, actor: str | None = None,
        action: str | None = None, limit: int = 1000,
    ) -> list[dict[str, Any]]:  # fmt: skip
        """Audit entries in ``[since, until)``, newest first."""
        rows = await self._execute(
            "SELECT id, time, actor, role, action, target, details, remote FROM api_audit "
            "WHERE time >= %s AND time < %s AND (%s::text IS NULL OR actor = %s) "
            "AND (%s::text IS NULL OR action = %s) ORDER BY time DESC, id DESC LIMIT %s",
            (since, until, actor, actor, action, action, limit),
        )
        return [{**r, "time": _iso(r["time"])} for r in rows]

    async def comment(self, alert_id: str, author: str, text: str) -> dict[str, Any]:
        """Add a comment to an alert; returns it."""
        rows = await self._execute(
            "INSERT INTO api_alert_comments (alert_id, author, text) VALUES (%s, %s, %s) "
            "RETURNING id, alert_id, time, author, text",
            (alert_id, author, text),
        )
        return {**rows[0], "time": _iso(rows[0]["time"])}

    async def comments(self, alert_id: str) -> list[dict[str, Any]]:
        """An alert's comments, oldest first."""
        rows = await self._execute(
            "SELECT id, alert_id, time, author, text FROM api_alert_comments "
            "WHERE alert_id = %s ORDER BY time, id",
            (alert_id,),
        )
        return [{**r, "time": _iso(r["time"])} for r in rows]


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
