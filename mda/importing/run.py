"""The import run: files through the pure core (no rules) into the store, as fast as it goes.

Each file is read in chunks: NMEA and JSON lines go through framing and decoding as a replay's
do, CSV rows through ``mda.archive``; then the records go through event-time order, vessel
state and zones (zone events, zone hours). An import loads history, so no rule runs and no
alert is raised. Batches go to the store writer on a task of their own, through a short queue:
while the database takes one batch, the next is being read and processed.

Importing the same file again stores nothing new: the store keeps one position per vessel and
second, zone events by their key, zone hours merged, identities by vessel and time. The writer
has no spool here: an import that loses its database stops with one clear line, and can simply
be run again.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from mda.archive.rows import ArchiveCounts
from mda.importing.csvfile import CsvRecords
from mda.importing.files import FileKind, InputFile, file_kind
from mda.ingest.sources.base import LineSplitter
from mda.ingest.stats import IngestStats
from mda.ingest.timing import Timing, check_timed
from mda.pipeline import Pipeline, PipelineOutput, build_pipeline
from mda.sequencer import DEFAULT_LATENESS_S, SLICE_S, Sequencer
from mda.store.batch import StoreBatch
from mda.store.writer import StoreWriter

# Lines of a recording handed to the core at once.
BATCH_LINES: Final = 20_000
# Batches waiting for the store: enough to keep it busy, few enough to bound memory.
QUEUE_BATCHES: Final = 4

# (bytes of all files read so far, records produced so far)
ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class ImportOptions:
    """How to read the files and put them in order."""

    zone_paths: Sequence[Path] = ()
    columns: dict[str, str] | None = None  # --columns role=column
    time_format: str | None = None  # --time-format (strftime)
    timing: Timing = field(default_factory=Timing)  # --start/--rate or --arrival
    lateness_s: float = DEFAULT_LATENESS_S
    step_s: float = SLICE_S
    duplicate_window_s: float | None = 10.0


@dataclass(slots=True)
class FileReport:
    """What one file was."""

    name: str
    kind: FileKind
    layout: str | None = None  # CSV: the layout recognised and the columns read


@dataclass(slots=True)
class ImportReport:
    """What an import read, made and wrote."""

    files: list[FileReport] = field(default_factory=list)
    archive: ArchiveCounts = field(default_factory=ArchiveCounts)
    ingest: IngestStats = field(default_factory=IngestStats)
    positions: int = 0  # positions with a time handed to the store
    statics: int = 0
    zone_events: int = 0
    zone_hours: int = 0
    written: int = 0  # positions in committed batches (already stored ones included)
    same_second_repeats: int = 0
    set_aside: dict[str, int] = field(default_factory=dict)  # records the store set aside
    rejects_file: str | None = None
    bytes: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0

    @property
    def rows(self) -> int:
        """CSV rows and recording lines read."""
        return self.archive.rows + self.ingest.lines


def import_pipeline(options: ImportOptions) -> Pipeline:
    """The core an import runs: zones, no rules."""
    pipeline = build_pipeline(options.zone_paths, [], duplicate_window_s=options.duplicate_window_s)
    pipeline.lateness_s = options.lateness_s
    pipeline.sequencer = Sequencer(options.step_s)
    timing = options.timing
    if timing.start is not None and timing.per_second is not None:
        pipeline.ingestor.framer.assign_times(timing.start, timing.per_second)
    return pipeline


class Importer:
    """One import: a pipeline, a store writer, the files in turn."""

    def __init__(
        self,
        url: str,
        options: ImportOptions,
        progress: ProgressCallback | None = None,
        rejects_root: Path | None = None,
    ) -> None:
        self.options = options
        self.pipeline = import_pipeline(options)
        # No spool (an import that loses its database stops and can be run again), but what
        # the store sets aside is kept beside where the spool would be.
        self.writer = StoreWriter(url, locate=self.pipeline.index.zone_sets,
                                  spool_dir=rejects_root, spooling=False)  # fmt: skip
        self.report = ImportReport(ingest=self.pipeline.stats)
        self.progress = progress  # told of bytes read and positions made, chunk by chunk
        self._last_statics: dict[int, tuple[Any, ...]] = {}
        self._queue: asyncio.Queue[StoreBatch | None] = asyncio.Queue(QUEUE_BATCHES)
        self._failure: BaseException | None = None
        self._done_bytes = 0

    async def run(self, paths: Sequence[Path]) -> ImportReport:
        """Import the files in order; the report says what was read and stored."""
        files = [InputFile(p) for p in paths]  # a missing file fails before anything is done
        start, cpu = time.perf_counter(), time.process_time()
        await self.writer.start()
        storer = asyncio.create_task(self._store(), name="store")
        try:
            for f in files:
                await self._import_file(f)
            await self._deliver(self.pipeline.finish())
        finally:
            await self._queue.put(None)
            await storer
            await self.writer.close()
        if self._failure is not None:
            raise self._failure
        report = self.report
        report.written = self.writer.counts.positions
        report.same_second_repeats = self.writer.counts.same_second_repeats
        report.set_aside = dict(self.writer.counts.set_aside_reasons)
        path = self.writer.rejects.path
        report.rejects_file = str(path) if path is not None and report.set_aside else None
        report.seconds = time.perf_counter() - start
        report.cpu_seconds = time.process_time() - cpu
        return report

    # -- files --------------------------------------------------------------------------------

    async def _import_file(self, f: InputFile) -> None:
        f.open()
        try:
            head = await asyncio.to_thread(f.read)
            kind = file_kind(head)
            entry = FileReport(f.name, kind)
            self.report.files.append(entry)
            if kind == "CSV":
                entry.layout = await self._csv(f, head)
            else:
                await self._lines(f, head)
            self._done_bytes += f.bytes_read
            self.report.bytes = self._done_bytes
        finally:
            f.close()

    async def _lines(self, f: InputFile, chunk: bytes) -> None:
        """A recording of NMEA or JSON lines, framed and decoded as a replay does."""
        timing = self.options.timing
        before = self._time_counts()
        splitter = LineSplitter()
        while chunk:
            arrival = time.time() if timing.arrival else None
            await self._frame(splitter.feed(chunk), f.name, arrival)
            self._check_time(f.name, before, ended=False)
            self._report_progress(f)
            chunk = await asyncio.to_thread(f.read)
        await self._frame(splitter.flush(), f.name, time.time() if timing.arrival else None)
        self._check_time(f.name, before, ended=True)

    async def _frame(self, lines: list[bytes], feed: str, arrival: float | None) -> None:
        for i in range(0, len(lines), BATCH_LINES):
            out = self.pipeline.process_batches([(lines[i : i + BATCH_LINES], feed, arrival)])
            await self._deliver(out)

    def _time_counts(self) -> tuple[int, int]:
        """(records without a time, records with one) so far. Records whose clock is not
        known yet wait in the clock judge (until it is, or the end of input): they have a
        time, and count as such."""
        stats = self.pipeline.stats
        return stats.untimed, sum(stats.clocks.values()) + self.pipeline.ingestor.judge.waiting

    def _check_time(self, name: str, before: tuple[int, int], *, ended: bool) -> None:
        """A recording whose lines carry no time stops the import, unless the user said how
        to time them (checked per file: one timed file must not cover for another)."""
        if self.options.timing.says_how:
            return
        untimed, timed = self._time_counts()
        mine = IngestStats(untimed=untimed - before[0])
        if timed > before[1]:
            mine.clocks["timed"] = timed - before[1]
        check_timed(mine, name, ended=ended)

    async def _csv(self, f: InputFile, head: bytes) -> str:
        """A decoded CSV archive: the next chunk is read and checked in a thread while the
        core works on the one before (polars reads without holding the interpreter)."""
        o = self.options
        reader = await asyncio.to_thread(
            CsvRecords, f, head, columns=o.columns, time_format=o.time_format,
            counts=self.report.archive, last_statics=self._last_statics,
        )  # fmt: skip
        ahead = asyncio.ensure_future(asyncio.to_thread(reader.next))
        try:
            while (records := await ahead) is not None:
                ahead = asyncio.ensure_future(asyncio.to_thread(reader.next))
                await self._deliver(self.pipeline.process_records(records))
                self._report_progress(f)
        finally:
            if not ahead.done():  # a failure: let the thread finish before the file closes
                await asyncio.wait({ahead})
            if not ahead.cancelled() and ahead.done():
                ahead.exception()  # retrieved: the failure that stopped us is reported
        return reader.layout.describe()

    # -- output -------------------------------------------------------------------------------

    async def _deliver(self, out: PipelineOutput) -> None:
        if self._failure is not None:
            raise self._failure
        report = self.report
        report.positions += sum(1 for p in out.positions if p.time is not None)
        report.statics += len(out.statics)
        report.zone_events += len(out.zone_events)
        report.zone_hours += len(out.zone_hours)
        if out.positions or out.statics or out.zone_events or out.zone_hours:
            await self._queue.put(out.store_batch())

    async def _store(self) -> None:
        """Write batches in order; after a failure, drain the queue so that the reader is
        never left waiting (it sees the failure on its next batch)."""
        while (batch := await self._queue.get()) is not None:
            if self._failure is None:
                try:
                    await self.writer.write(batch)
                except Exception as exc:
                    self._failure = exc

    def _report_progress(self, f: InputFile) -> None:
        if self.progress is not None:
            self.progress(self._done_bytes + f.bytes_read, self.report.positions)
