"""``mda decode``: sources -> ingest core -> JSON lines or CSV, with a summary of counts."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mda.cli.args import more_than_zero
from mda.errors import MdaError, SourceError

if TYPE_CHECKING:
    from mda.ingest.stats import IngestStats
    from mda.ingest.writers import OutputFormat


async def run_decode(
    inputs: list[str],
    fmt: OutputFormat,
    out: Path | None,
    *,
    speed: float | None = None,
    duplicate_window_s: float | None = 10.0,
) -> IngestStats:
    """Decode every input to ``out`` (stdout if None); returns the counts."""
    from mda.ingest.core import Ingestor
    from mda.ingest.sources import open_source
    from mda.ingest.writers import RecordWriter
    from mda.runtime.pacing import EventPacer
    from mda.runtime.stream import merged_batches

    sources = [open_source(url, fail_fast=True) for url in inputs]
    ingestor = Ingestor(duplicate_window_s=duplicate_window_s)
    pacer = EventPacer(speed) if speed else None
    try:
        stream = sys.stdout if out is None else out.open("w", encoding="utf-8", newline="")
    except OSError as exc:
        raise SourceError(f"cannot write {out}: {exc.strerror or exc}") from exc
    writer = RecordWriter(stream, fmt)
    try:
        async for batch in merged_batches(sources):
            records = ingestor.ingest(batch.lines, batch.feed, batch.arrival)
            if pacer is not None and records:
                await pacer.wait_for(
                    max((r.time for r in records if r.time is not None), default=None)
                )
            writer.write(records)
            if pacer is not None:
                stream.flush()
        writer.write(ingestor.finish())  # the last records waiting for their clock
    except BrokenPipeError:
        pass  # the reader went away (mda decode ... | head): not an error
    finally:
        if out is not None:
            stream.close()
        else:
            with contextlib.suppress(BrokenPipeError):
                stream.flush()
    return ingestor.stats


def decode(
    inputs: Annotated[
        list[str],
        typer.Argument(
            help="Recordings (paths, globs, .gz, '-' for stdin) or feed URLs "
            "(tcp://, tcp-listen://, udp://, mqtt://).",
            metavar="PATH_OR_URL...",
        ),
    ],
    fmt: Annotated[str, typer.Option("--format", "-f", help="jsonl or csv.")] = "jsonl",
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write here instead of stdout.")
    ] = None,
    speed: Annotated[
        float | None,
        typer.Option(help="Pace recordings by event time, N times faster than real time."),
    ] = None,
    keep_duplicates: Annotated[
        bool, typer.Option(help="Keep copies of a message heard by several receivers.")
    ] = False,
) -> None:
    """Decode AIS into one record per line (the DESIGN contract, nulls included).

    A summary of what was read, kept and dropped goes to stderr. Damaged lines are counted and
    do not change the exit status; an unreadable input or unreachable feed does.
    """
    if fmt not in ("jsonl", "csv"):
        raise MdaError(f"--format must be jsonl or csv, not {fmt!r}")
    more_than_zero("--speed", speed)
    stats = asyncio.run(
        run_decode(
            inputs,
            fmt,  # type: ignore[arg-type]
            out,
            speed=speed,
            duplicate_window_s=None if keep_duplicates else 10.0,
        )
    )
    typer.echo(stats.summary(), err=True)
