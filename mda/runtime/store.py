"""The store writer a configuration asks for: one way for every shell to open it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import typer

from mda.config import Config
from mda.settings.places import default_spool_root
from mda.store.embedded import EmbeddedPostgres
from mda.store.writer import StoreWriter, redact_url
from mda.zones.presence import ZoneLocator


def resolve_store_url(config: Config) -> str | None:
    """The database URL to write to: the configured one, mda's embedded server, or None."""
    url = config.database_url
    if url is None:
        return None
    if url == "embedded":
        embedded = EmbeddedPostgres()
        typer.echo(f"mda: using the embedded PostgreSQL in {embedded.pgdata}", err=True)
        return embedded.start()
    return url


async def open_store(
    config: Config, *, locate: ZoneLocator | None = None, clock: Callable[[], float] | None = None
) -> StoreWriter | None:
    """The configured store, connected and migrated (None without a database). Without a
    spool folder configured, each database spools under the default spool root (what
    ``mda db spool`` drains), so a shell whose database goes away keeps its rows on disk.
    ``locate`` and ``clock``: see :class:`~mda.store.writer.StoreWriter`."""
    url = await asyncio.to_thread(resolve_store_url, config)
    if url is None:
        return None
    spool = config.spool_dir or default_spool_root()
    writer = StoreWriter(url, spool_dir=spool, spool_max_bytes=config.spool_max_mb << 20,
                         locate=locate, clock=clock,
                         write_timeout_s=config.write_timeout_s)  # fmt: skip
    level = await writer.start()
    typer.echo(f"mda: storing in {redact_url(url)} ({level.describe()})", err=True)
    return writer
