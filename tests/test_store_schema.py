"""Schema: detected level, idempotent migrations, the same tables on every level."""

from __future__ import annotations

import psycopg
import pytest

from mda.store.levels import StoreLevel, detect_level
from mda.store.schema import MIGRATIONS, full_timescale_ddl, migrate
from mda.store.settings import StoreSettings


async def connect(url: str) -> psycopg.AsyncConnection[tuple[object, ...]]:
    return await psycopg.AsyncConnection.connect(url)  # type: ignore[return-value]


async def test_level_is_detected(database: str) -> None:
    async with await connect(database) as conn:
        level = await detect_level(conn)
    expected = StoreLevel.TIMESCALE_APACHE if ":5434/" in database else StoreLevel.POSTGRES
    assert level is expected


async def test_migrations_apply_once_and_again_do_nothing(database: str) -> None:
    async with await connect(database) as conn:
        level = await detect_level(conn)
        applied = await migrate(conn, level, StoreSettings())
        assert [m.version for m in applied] == [m.version for m in MIGRATIONS]
        assert await migrate(conn, level, StoreSettings()) == []
        cur = await conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        )
        tables = {row[0] for row in await cur.fetchall()}
        assert {"positions", "vessels", "vessel_identity", "zone_events", "zone_hours",
                "alerts", "alert_history", "vessel_hours", "zone_traffic"} <= tables  # fmt: skip


async def test_positions_storage_matches_the_level(database: str) -> None:
    async with await connect(database) as conn:
        level = await detect_level(conn)
        await migrate(conn, level, StoreSettings(chunk_interval_days=2))
        if level.hypertables:
            cur = await conn.execute(
                "SELECT d.time_interval FROM timescaledb_information.dimensions d "
                "WHERE d.hypertable_name = 'positions'"
            )
            (interval,) = await cur.fetchone()  # type: ignore[misc]
            assert interval.days == 2
        else:
            cur = await conn.execute(
                "SELECT partstrat FROM pg_partitioned_table WHERE partrelid = 'positions'::regclass"
            )
            assert await cur.fetchone() == ("r",)
            cur = await conn.execute(
                "SELECT indexdef FROM pg_indexes WHERE tablename = 'positions' ORDER BY 1"
            )
            definitions = " ".join(row[0] for row in await cur.fetchall())
            assert 'USING brin ("time")' in definitions or "USING brin (time)" in definitions
            assert "UNIQUE INDEX positions_mmsi_time" in definitions


async def test_full_timescale_ddl_reaches_the_licence_check_on_the_apache_build(
    timescale_database: str,
) -> None:
    """The full build's statements cannot run here; on the Apache build each one must parse,
    find its objects and functions, and be refused only for the licence. Where a full build
    is available (MDA_TEST_TIMESCALE_FULL_URL), test_full_timescale_ddl_runs applies them."""
    async with await connect(timescale_database) as conn:
        level = await detect_level(conn)
        assert level is StoreLevel.TIMESCALE_APACHE
        await migrate(conn, level, StoreSettings())  # on this level the summaries are views
        await conn.commit()
        for statement in full_timescale_ddl(StoreSettings()):
            async with conn.transaction(force_rollback=True):
                if statement.startswith("CREATE MATERIALIZED VIEW"):
                    # The name must be free for the aggregate; policies need it to exist.
                    await conn.execute("DROP VIEW vessel_hours, zone_traffic")
                with pytest.raises(psycopg.errors.FeatureNotSupported, match='"apache" license'):
                    async with conn.transaction():
                        await conn.execute(statement.encode())


async def test_full_timescale_ddl_runs_where_the_full_build_is() -> None:
    import os

    url = os.environ.get("MDA_TEST_TIMESCALE_FULL_URL")
    if url is None:
        pytest.skip(
            "no full TimescaleDB build here (set MDA_TEST_TIMESCALE_FULL_URL to a database on "
            "the timescale/timescaledb image); the Apache-build test above checks the DDL"
        )
    async with await connect(url) as conn:
        level = await detect_level(conn)
        assert level is StoreLevel.TIMESCALE
        await migrate(conn, level, StoreSettings())
        cur = await conn.execute("SELECT count(*) FROM timescaledb_information.jobs")
        (jobs,) = await cur.fetchone()  # type: ignore[misc]
        assert jobs >= 4
