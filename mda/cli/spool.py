"""``mda db spool``: what waits for each database, and draining or discarding it.

Each database has its own folder under the spool root (named after the server's identity):
batches that could not be written yet, and the rejects file of records set aside for good.
"""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from mda.errors import ConfigError, MdaError
from mda.settings.places import default_spool_root
from mda.store.rejects import REJECTS_FILE, summarise
from mda.store.spool import Spool


def _folders(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []


def _describe(folder: Path) -> list[str]:
    from mda.store.identity import read_identity

    identity = read_identity(folder)
    head = (f"{identity[0].describe()} ({identity[1]})" if identity is not None
            else f"{folder.name} (no identity recorded)")  # fmt: skip
    lines = [head, f"  folder: {folder}"]
    spool = Spool(folder, exclusive=False)
    status = spool.status()
    if status.batches:
        positions = other = 0
        for batch in spool.batches():
            positions += len(batch.positions)
            other += len(batch) - len(batch.positions)
        oldest = datetime.fromtimestamp(datetime.now(UTC).timestamp() - (status.oldest_age_s or 0),
                                        UTC)  # fmt: skip
        lines.append(
            f"  waiting: {status.batches} batches, {positions:,} positions and {other:,} other "
            f"records, {status.bytes / 1e6:.1f} MB, oldest from {oldest:%Y-%m-%d %H:%M} UTC"
        )
    else:
        lines.append("  waiting: nothing")
    total, reasons = summarise(folder / REJECTS_FILE)
    if total:
        lines.append(f"  set aside: {total:,} records (kept in {folder / REJECTS_FILE})")
        for reason, n in reasons.most_common():
            lines.append(f"    {n:>10,}  {reason}")
    return lines


async def _drain(folder: Path, url: str, root: Path, timeout_s: float) -> int:
    from mda.store.identity import read_identity
    from mda.store.writer import StoreWriter, redact_url

    identity = read_identity(folder)
    writer = StoreWriter(url, spool_dir=root, spool_folder=folder)
    await writer.start()
    try:
        if identity is not None and writer.identity != identity[0]:
            raise ConfigError(
                f"{redact_url(url)} is {writer.identity.describe() if writer.identity else '?'}; "
                f"the spool in {folder} is for {identity[0].describe()}: not drained"
            )
        if not await writer.flush(timeout_s):
            raise MdaError(f"the spool in {folder} was not drained in {timeout_s:g} s "
                           f"({writer.counts.last_error}); run again")  # fmt: skip
        return writer.counts.replayed_batches
    finally:
        await writer.close()


def spool_command(
    database: Annotated[
        str | None,
        typer.Option("--database", "-d", help="Only this database's spool; drain into this URL."),
    ] = None,
    config_path: Annotated[
        Path | None, typer.Option("--config", "-c", help="The spool folder of this service.")
    ] = None,
    spool_dir: Annotated[Path | None, typer.Option(help="The spool root folder.")] = None,
    drain: Annotated[bool, typer.Option(help="Write what waits into its database.")] = False,
    discard: Annotated[
        bool, typer.Option(help="Delete what waits, unwritten (needs --yes).")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", help="Confirm --discard.")] = False,
    timeout: Annotated[float, typer.Option(help="Seconds --drain may take.")] = 300.0,
) -> None:
    """What waits in the spool for each database (batches, rows, oldest, records set aside);
    --drain writes it into its database, --discard --yes deletes it."""
    from mda.config import load_config
    from mda.store.identity import read_identity
    from mda.store.writer import redact_url

    if drain and discard:
        raise ConfigError("--drain and --discard: choose one")
    if discard and not yes:
        raise ConfigError("--discard deletes batches that were never stored: add --yes to confirm")
    root = spool_dir
    if root is None and config_path is not None:
        root = load_config(config_path).spool_dir
    root = root or default_spool_root()
    legacy = Spool(root, exclusive=False).status().batches if root.is_dir() else 0
    if legacy:
        # Spooled by an mda from before spools were kept per database: which database they
        # were for is not known, so they are never replayed on their own.
        typer.echo(f"{legacy} batches in {root} itself, from an older mda: their database is "
                   "not recorded; move them into that database's folder to drain them")  # fmt: skip
    folders = _folders(root)
    if database is not None and folders:
        folders = [f for f in folders if _matches(f, database)]
    if not folders:
        typer.echo(f"nothing in the spool at {root}")
        return
    for folder in folders:
        for line in _describe(folder):
            typer.echo(line)
        if discard:
            n = Spool(folder).discard()
            typer.echo(f"  discarded {n} batches")
        elif drain:
            recorded = read_identity(folder)
            url = database or os.environ.get("MDA_DATABASE_URL") or (
                recorded[1] if recorded else None)  # fmt: skip
            if url is None:
                raise ConfigError(f"{folder}: no database recorded; give one with -d URL")
            n = asyncio.run(_drain(folder, url, root, timeout))
            typer.echo(f"  drained {n} batches into {redact_url(url)}")


def _matches(folder: Path, database: str) -> bool:
    """Whether a spool folder is the one of the database a URL names (by its name: the
    server's identity is checked when draining)."""
    from mda.store.identity import read_identity
    from mda.store.writer import redact_url

    recorded = read_identity(folder)
    if recorded is None:
        return False
    return recorded[1] == redact_url(database) or database.rstrip("/").endswith(
        "/" + recorded[0].name
    )
