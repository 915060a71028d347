"""``mda db``: the store's schema and maintenance from the command line."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Coroutine
from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from mda.cli.spool import spool_command
from mda.errors import MdaError

# The store's settings give the retention's default in the help; the writer is imported when
# a command runs.
from mda.store.settings import StoreSettings

app = typer.Typer(help="The store: schema, status, maintenance.", no_args_is_help=True)
app.command("spool")(spool_command)

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
    from mda.store.schema import MIGRATIONS
    from mda.store.writer import StoreWriter

    async def run() -> None:
        writer = StoreWriter(resolve_database(database))
        level = await writer.start()
        await writer.close()
        typer.echo(f"{level.describe()}; schema at version {MIGRATIONS[-1].version}")

    _run(run())


@app.command("status")
def status_command(database: DatabaseOption = None) -> None:
    """The level, the schema version and how much is stored."""
    import psycopg

    from mda.store.writer import StoreWriter

    async def run() -> None:
        writer = StoreWriter(resolve_database(database))
        level = await writer.start()
        conn = writer.connection
        typer.echo(level.describe())
        cur = await conn.execute(
            b"SELECT count(*) FROM pg_inherits WHERE inhparent = 'positions'::regclass"
        )
        row = await cur.fetchone()
        typer.echo(f"  {'partitions':<16} {row[0] if row else 0:>12,}  (or chunks) of positions")
        await conn.commit()
        for table in ("positions", "vessels", "vessel_identity", "zone_events", "alerts"):
            try:
                cur = await conn.execute(f"SELECT count(*) FROM {table}".encode())
                row = await cur.fetchone()
                typer.echo(f"  {table:<16} {row[0] if row else 0:>12,}")
            except psycopg.Error as exc:  # e.g. too many partitions to lock in one query
                await conn.rollback()
                typer.echo(f"  {table:<16} {'?':>12}  cannot count: {_first_line(exc)}")
        try:
            cur = await conn.execute(b"SELECT min(time), max(time) FROM positions")
            span = await cur.fetchone()
        except psycopg.Error:
            await conn.rollback()
            span = None
        if span and span[0] is not None:
            typer.echo(f"  positions from {span[0]:%Y-%m-%d %H:%M} to {span[1]:%Y-%m-%d %H:%M} UTC")
        await writer.close()

    _run(run())


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _run(work: Coroutine[Any, Any, None]) -> None:
    """Run a command; a database error is one line for the user, not a traceback."""
    import psycopg

    try:
        asyncio.run(work)
    except psycopg.Error as exc:
        raise MdaError(f"database error: {_first_line(exc)}") from exc


@app.command("maintain")
def maintain_command(
    database: DatabaseOption = None,
    retention_days: Annotated[
        int, typer.Option(help="Keep positions this many days.", min=1)
    ] = StoreSettings().retention_days,
) -> None:
    """Create partitions ahead and drop data past the retention (where TimescaleDB's own
    policies are not available)."""
    from mda.store.maintenance import maintain
    from mda.store.writer import StoreWriter

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

    _run(run())
