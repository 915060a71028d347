"""``mda decode``: sources -> ingest core -> JSON lines or CSV, with a summary of counts."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

from mda.errors import SourceError
from mda.ingest.core import Ingestor
from mda.ingest.sources import open_source
from mda.ingest.stats import IngestStats
from mda.ingest.writers import OutputFormat, RecordWriter
from mda.runtime.pacing import EventPacer
from mda.runtime.stream import merged_batches


async def run_decode(
    inputs: list[str],
    fmt: OutputFormat,
    out: Path | None,
    *,
    speed: float | None = None,
    duplicate_window_s: float | None = 10.0,
) -> IngestStats:
    """Decode every input to ``out`` (stdout if None); returns the counts."""
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
