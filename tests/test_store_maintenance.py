"""mda's own retention where TimescaleDB's policies are not available."""

from __future__ import annotations

from datetime import UTC, datetime

import psycopg

from mda.model import Position
from mda.store.batch import StoreBatch
from mda.store.maintenance import maintain
from mda.store.settings import StoreSettings
from mda.store.writer import StoreWriter

DAY = 86_400.0
NOW = datetime(2026, 3, 1, tzinfo=UTC)


def position(days_ago: float) -> Position:
    t = NOW.timestamp() - days_ago * DAY
    return Position(t, 211000001, 1, 54.0, 10.0, 5.0, 90.0, 90, 0, 0.0, True, "rx")


async def stored_days_ago(url: str) -> list[int]:
    async with await psycopg.AsyncConnection.connect(url) as conn:
        cur = await conn.execute(
            "SELECT round(extract(epoch FROM %s - time) / 86400)::int FROM positions ORDER BY 1",
            (NOW,),
        )
        return [row[0] for row in await cur.fetchall()]


async def test_retention_drops_old_positions_and_keeps_recent_ones(database: str) -> None:
    settings = StoreSettings(retention_days=30)
    writer = StoreWriter(database, settings=settings)
    level = await writer.start()
    await writer.write(StoreBatch(positions=[position(d) for d in (90, 45, 31.5, 10, 1)]))
    report = await maintain(writer.connection, level, settings, NOW)
    assert report.dropped  # chunks or partitions
    assert await stored_days_ago(database) == [1, 10]
    await writer.close()


async def test_partitions_are_created_ahead_on_plain_postgresql(plain_database: str) -> None:
    settings = StoreSettings(partitions_ahead_days=3)
    writer = StoreWriter(plain_database, settings=settings)
    level = await writer.start()
    report = await maintain(writer.connection, level, settings, NOW)
    assert report.created_partitions == [
        "positions_p20260301", "positions_p20260302", "positions_p20260303", "positions_p20260304",
    ]  # fmt: skip
    again = await maintain(writer.connection, level, settings, NOW)
    assert again.created_partitions == []
    await writer.close()
