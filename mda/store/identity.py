"""Which database a spool belongs to: the server's system identifier and the database's name.

A URL is not an identity (the same server is reached by several URLs, and one URL may lead to
another server tomorrow), so the spool of batches waiting for a database is kept in a folder
named after what the server itself says it is, and is only ever replayed into that database.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import psycopg

Connection = psycopg.AsyncConnection[tuple[Any, ...]]

IDENTITY_FILE: Final = "database.json"


@dataclass(frozen=True, slots=True)
class DatabaseIdentity:
    """A database as its server names it."""

    system: str  # pg_control_system().system_identifier, or the server's address
    name: str  # current_database()

    @property
    def key(self) -> str:
        """A folder name for this database."""
        return f"{re.sub(r'[^A-Za-z0-9_.-]', '_', self.name)}-{self.system}"

    def describe(self) -> str:
        """How a user reads it."""
        return f"database {self.name} on server {self.system}"


async def database_identity(conn: Connection) -> DatabaseIdentity:
    """Ask the server who it is (the system identifier needs pg_monitor or superuser; without
    it, the address the server listens on stands in)."""
    cur = await conn.execute(b"SELECT current_database()")
    row = await cur.fetchone()
    name = str(row[0]) if row else "?"
    try:
        async with conn.transaction():
            cur = await conn.execute(b"SELECT system_identifier::text FROM pg_control_system()")
            row = await cur.fetchone()
        system = str(row[0]) if row else "?"
    except psycopg.errors.InsufficientPrivilege:
        cur = await conn.execute(b"SELECT coalesce(host(inet_server_addr()), 'local') || "
                                 b"'_' || current_setting('port')")  # fmt: skip
        row = await cur.fetchone()
        system = str(row[0]) if row else "?"
    await conn.commit()
    return DatabaseIdentity(system, name)


def record_identity(folder: Path, identity: DatabaseIdentity, url: str) -> None:
    """Write who the folder belongs to (and a URL without password to reach it)."""
    data = {"system": identity.system, "name": identity.name, "url": url}
    (folder / IDENTITY_FILE).write_text(json.dumps(data) + "\n", encoding="utf-8")


def read_identity(folder: Path) -> tuple[DatabaseIdentity, str] | None:
    """(identity, URL) recorded in a spool folder, or None for a folder without one."""
    path = folder / IDENTITY_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return DatabaseIdentity(str(data["system"]), str(data["name"])), str(data["url"])
    except (OSError, ValueError, KeyError):
        return None
