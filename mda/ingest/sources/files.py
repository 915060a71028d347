"""Recordings: plain or gzip files, globs, and standard input."""

from __future__ import annotations

import asyncio
import glob
import gzip
import sys
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import BinaryIO, cast

from mda.errors import SourceError
from mda.ingest.sources.base import BATCH_LINES, LineBatch, LineSplitter, SourceCounts

CHUNK_BYTES = 1 << 20


def expand_paths(spec: str) -> list[Path]:
    """Files named by a path or a glob; a glob matching nothing is an error."""
    if spec == "-":
        return [Path("-")]
    if any(c in spec for c in "*?["):
        matches = sorted(glob.glob(spec, recursive=True))
        if not matches:
            raise SourceError(f"no file matches {spec!r}")
        return [Path(m) for m in matches if Path(m).is_file()]
    path = Path(spec)
    if not path.exists():
        raise SourceError(f"cannot read {spec}: no such file")
    if path.is_dir():
        raise SourceError(f"cannot read {spec}: it is a directory")
    return [path]


GZIP_MAGIC = b"\x1f\x8b"


def _open(path: Path) -> BinaryIO:
    """A binary handle on a file, decompressing gzip (recognised by content, not name)."""
    if str(path) == "-":
        return sys.stdin.buffer
    try:
        handle = path.open("rb")
        if handle.peek(2)[:2] == GZIP_MAGIC:
            return cast(BinaryIO, gzip.GzipFile(fileobj=handle))
    except OSError as exc:
        raise SourceError(f"cannot read {path}: {exc.strerror or exc}") from exc
    return handle


class FileSource:
    """Lines of one or more recordings, read in chunks without blocking the event loop.

    The files of one source (a glob, or several paths given together) are one continuous
    recording, one feed named by the first: a recording rotated into hourly files replays as
    if it were one file (a message split across two files is reassembled, clocks carry on)."""

    lateness_s: float | None = None  # see LineBatch

    def __init__(
        self, spec: str | Sequence[str], batch_lines: int = BATCH_LINES, *,
        stamp_arrival: bool = False,
    ) -> None:  # fmt: skip
        """``stamp_arrival``: stamp each read with the time it was read, as a live source does
        (a live feed piped into standard input)."""
        specs = [spec] if isinstance(spec, str) else list(spec)
        self.name = specs[0] if specs else ""
        self._paths = [path for s in specs for path in expand_paths(s)]
        self._batch_lines = batch_lines
        self._stamp = stamp_arrival
        self.counts = SourceCounts()

    async def batches(self) -> AsyncIterator[LineBatch]:
        feed = ""
        for path in self._paths:
            feed = feed or ("stdin" if str(path) == "-" else str(path))
            handle = _open(path)
            splitter = LineSplitter(self.counts)
            pending: list[bytes] = []
            try:
                while True:
                    try:
                        chunk = await asyncio.to_thread(handle.read, CHUNK_BYTES)
                    except (OSError, EOFError, gzip.BadGzipFile) as exc:
                        raise SourceError(f"cannot read {feed}: {exc}") from exc
                    if not chunk:
                        break
                    arrival = time.time() if self._stamp else None
                    pending.extend(splitter.feed(chunk))
                    while len(pending) >= self._batch_lines:
                        yield LineBatch(feed, arrival, pending[: self._batch_lines])
                        del pending[: self._batch_lines]
                pending.extend(splitter.flush())
                if pending:
                    yield LineBatch(feed, time.time() if self._stamp else None, pending)
            finally:
                if handle is not sys.stdin.buffer:
                    handle.close()
