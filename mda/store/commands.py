"""``mda db``: the store's schema and maintenance from the command line."""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime
from typing import Annotated

import typer

from mda.store.maintenance import maintain
from mda.store.schema import MIGRATIONS, StoreSettings
from mda.store.writer import StoreWriter

app = typer.Typer(help="The store: schema, status, maintenance.", no_args_is_help=True)

DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database",
        "-d",
        help="PostgreSQL URL (default: $MDA_DATABASE_URL, else mda's embedded server).",
    ),
]


def resolve_database(url: str | None) -> str:
    """The database to use: the option, ``MDA_DATABASE_URL``, or the embedded server."""
    url = url or os.environ.get("MDA_DATABASE_URL")
    if url:
        return url
    from mda.store.embedded import EmbeddedPostgres

    embedded = EmbeddedPostgres()
    typer.echo(f"using mda's embedded PostgreSQL in {embedded.pgdata}", err=True)
    return embedded.start()


@app.command("migrate")
def migrate_command(database: DatabaseOption = None) -> None:
    """Create or update the schema (also done whenever mda starts writing)."""

    async def run() -> None:
        writer = StoreWriter(resolve_database(database))
        level = await writer.start()
        await writer.close()
        typer.echo(f"{level.describe()}; schema at version {MIGRATIONS[-1].version}")

    asyncio.run(run())


@app.command("status")
def status_command(database: DatabaseOption = None) -> None:
    """The level, the schema version and how much is stored."""

    async def run() -> None:
        writer = StoreWriter(resolve_database(database))
        level = await writer.start()
        conn = writer.connection
        typer.echo(level.describe())
        for table in ("positions", "vessels", "vessel_identity", "zone_events", "alerts"):
            cur = await conn.execute(f"SELECT count(*) FROM {table}".encode())
            row = await cur.fetchone()
            typer.echo(f"  {table:<16} {row[0] if row else 0:>12,}")
        cur = await conn.execute(b"SELECT min(time), max(time) FROM positions")
        span = await cur.fetchone()
        if span and span[0] is not None:
            typer.echo(f"  positions from {span[0]:%Y-%m-%d %H:%M} to {span[1]:%Y-%m-%d %H:%M} UTC")
        await writer.close()

    asyncio.run(run())


@app.command("maintain")
def maintain_command(
    database: DatabaseOption = None,
    retention_days: Annotated[
        int, typer.Option(help="Keep positions this many days.", min=1)
    ] = StoreSettings().retention_days,
) -> None:
    """Create partitions ahead and drop data past the retention (where TimescaleDB's own
    policies are not available)."""

    async def run() -> None:
        settings = StoreSettings(retention_days=retention_days)
        writer = StoreWriter(resolve_database(database), settings=settings)
        level = await writer.start()
        report = await maintain(writer.connection, level, settings, datetime.now(UTC))
        await writer.close()
        typer.echo(
            f"created {len(report.created_partitions)} partitions, "
            f"dropped {len(report.dropped)} chunks or partitions"
        )

    asyncio.run(run())
