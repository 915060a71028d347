"""What the database can do: full TimescaleDB, its Apache-licensed build, or plain PostgreSQL.

Detected at start-up and reported. The Apache build (what Debian ships) has hypertables,
``time_bucket`` and ``drop_chunks``; compression, continuous aggregates and background policies
refuse with "not supported under the current "apache" license".
"""

from __future__ import annotations

import enum
from typing import Any

import psycopg


class StoreLevel(enum.Enum):
    """The three levels the store works on, best first."""

    TIMESCALE = "timescaledb"  # full build: hypertables, compression, policies, aggregates
    TIMESCALE_APACHE = "timescaledb-apache"  # hypertables and drop_chunks only
    POSTGRES = "postgresql"  # native partitioning by day

    @property
    def hypertables(self) -> bool:
        """Whether positions are a TimescaleDB hypertable."""
        return self is not StoreLevel.POSTGRES

    def describe(self) -> str:
        """One line for the start-up report."""
        return {
            StoreLevel.TIMESCALE: "TimescaleDB: hypertable, compression, retention and "
            "aggregate policies",
            StoreLevel.TIMESCALE_APACHE: "TimescaleDB (Apache build): hypertable, retention by "
            "mda's maintenance, summaries by query",
            StoreLevel.POSTGRES: "PostgreSQL: daily partitions, retention by mda's maintenance, "
            "summaries by query",
        }[self]


async def detect_level(conn: psycopg.AsyncConnection[tuple[Any, ...]]) -> StoreLevel:
    """Create the timescaledb extension where it is available and report what it allows."""
    cur = await conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'")
    if await cur.fetchone() is None:
        return StoreLevel.POSTGRES
    try:
        await conn.execute("CREATE EXTENSION IF NOT EXISTS timescaledb")
    except psycopg.Error:
        # Available but not loadable (not in shared_preload_libraries, or no privilege).
        await conn.rollback()
        return StoreLevel.POSTGRES
    cur = await conn.execute("SHOW timescaledb.license")
    row = await cur.fetchone()
    await conn.commit()
    return StoreLevel.TIMESCALE if row and row[0] == "timescale" else StoreLevel.TIMESCALE_APACHE
