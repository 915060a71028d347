"""The embedded default: mda's own PostgreSQL, started and stopped by mda, same SQL path."""

from __future__ import annotations

from pathlib import Path

import psycopg

from mda.model import Position
from mda.store.batch import StoreBatch
from mda.store.embedded import EmbeddedPostgres
from mda.store.levels import StoreLevel
from mda.store.writer import StoreWriter


async def test_embedded_server_takes_the_same_writes(tmp_path: Path) -> None:
    server = EmbeddedPostgres(tmp_path / "pgdata")
    url = server.start()
    try:
        writer = StoreWriter(url)
        assert await writer.start() is StoreLevel.POSTGRES
        t0 = 1_767_225_600.0
        await writer.write(
            StoreBatch(positions=[Position(t0 + i, 211000001, 1, 54.0, 10.0 + i / 100, 5.0, 90.0,
                                           90, 0, 0.0, True, "rx") for i in range(100)])
        )  # fmt: skip
        await writer.close()
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT count(*) FROM positions").fetchone() == (100,)
            version = conn.execute("SHOW server_version").fetchone()
            assert version is not None and int(version[0].split(".")[0]) >= 17
    finally:
        server.stop()
    # Stopped: the next start finds the data again.
    again = EmbeddedPostgres(tmp_path / "pgdata")
    url = again.start()
    try:
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT count(*) FROM positions").fetchone() == (100,)
    finally:
        again.stop()
