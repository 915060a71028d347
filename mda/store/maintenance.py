"""mda's own maintenance where TimescaleDB's background policies are not available.

On the Apache build, old chunks are dropped with ``drop_chunks``; on plain PostgreSQL, daily
partitions are created a few days ahead and dropped past the retention. The full build does
both through its own policies, so this does nothing there. ``now`` is passed in: the service
calls this from its shell with the wall clock, tests with any date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import psycopg
from psycopg import sql

from mda.store.copy import ensure_partitions
from mda.store.levels import StoreLevel
from mda.store.settings import StoreSettings

Connection = psycopg.AsyncConnection[tuple[Any, ...]]

_PARTITION = re.compile(r"^positions_p(\d{8})$")


@dataclass(slots=True)
class MaintenanceReport:
    """What one maintenance run did."""

    created_partitions: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)


async def maintain(
    conn: Connection, level: StoreLevel, settings: StoreSettings, now: datetime
) -> MaintenanceReport:
    """Create what is needed ahead and drop what is past the retention."""
    report = MaintenanceReport()
    cutoff = now - timedelta(days=settings.retention_days)
    if level is StoreLevel.TIMESCALE_APACHE:
        cur = await conn.execute(
            "SELECT drop_chunks('positions', older_than => %s)::text", (cutoff,)
        )
        report.dropped = [row[0] for row in await cur.fetchall()]
        cur = await conn.execute(
            "SELECT drop_chunks('zone_hours', older_than => %s)::text", (cutoff,)
        )
        report.dropped += [row[0] for row in await cur.fetchall()]
    elif level is StoreLevel.POSTGRES:
        today = now.astimezone(UTC).date()
        ahead = {today + timedelta(days=i) for i in range(settings.partitions_ahead_days + 1)}
        existing = await _partitions(conn)
        created = await ensure_partitions(conn, ahead - set(existing))
        report.created_partitions = sorted(f"positions_p{d:%Y%m%d}" for d in created)
        for day, name in sorted(existing.items()):
            if datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1) <= cutoff:
                await conn.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(name)))
                report.dropped.append(name)
        await conn.execute(b"DELETE FROM zone_hours WHERE hour < %s", (cutoff,))
    await conn.commit()
    return report


async def existing_days(conn: Connection, level: StoreLevel) -> set[int]:
    """Days (since the epoch, UTC) that already have a partition or chunk of positions."""
    if level is StoreLevel.POSTGRES:
        epoch = date(1970, 1, 1)
        known = {(day - epoch).days for day in await _partitions(conn)}
        await conn.commit()  # no transaction left open: the writer's begin at its batches
        return known
    cur = await conn.execute(
        b"SELECT floor(extract(epoch FROM range_start) / 86400)::bigint, "
        b"ceil(extract(epoch FROM range_end) / 86400)::bigint "
        b"FROM timescaledb_information.chunks WHERE hypertable_name = 'positions'"
    )
    days: set[int] = set()
    for first, end in await cur.fetchall():
        days.update(range(int(first), int(end)))
    await conn.commit()
    return days


async def _partitions(conn: Connection) -> dict[date, str]:
    cur = await conn.execute(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = 'positions'::regclass"
    )
    out = {}
    for (name,) in await cur.fetchall():
        match = _PARTITION.match(name)
        if match:
            day = datetime.strptime(match.group(1), "%Y%m%d").replace(tzinfo=UTC).date()
            out[day] = name
    return out
