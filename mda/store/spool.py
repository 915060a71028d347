"""A bounded on-disk spool: batches wait here, in order, while the database is unreachable.

Each batch is one file, written to a temporary name, flushed to disk and renamed, so a crash
leaves either the whole batch or nothing. File names are sequence numbers; the spool survives a
restart and is replayed oldest first. The format is gzip'd JSON of the batch's records, with a
version, so a spool written by one release is read by the next.

A spool belongs to one process at a time (a lock on the folder, released by the kernel when the
process dies): two processes numbering files in one folder would overwrite each other's batches,
and one starting up would delete the other's half-written one. A writer that finds its
database's folder taken uses a sibling (see ``StoreWriter``).
"""

from __future__ import annotations

import fcntl
import gzip
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from mda.errors import MdaError
from mda.model import Alert, Position, VesselStatic, ZoneEvent, ZoneHour
from mda.store.batch import StoreBatch

FORMAT_VERSION: Final = 1
_SUFFIX: Final = ".batch.json.gz"
_LOCK: Final = ".lock"


class SpoolInUseError(MdaError):
    """Another process holds the spool folder."""


@dataclass(frozen=True, slots=True)
class SpoolStatus:
    """What is waiting: batches, bytes, and how long the oldest has waited (seconds)."""

    batches: int
    bytes: int
    oldest_age_s: float | None
    full: bool


class Spool:
    """Append-only, ordered, bounded by size on disk."""

    def __init__(self, folder: Path, max_bytes: int = 1 << 30, *, exclusive: bool = True) -> None:
        """``exclusive``: take the folder (raises SpoolInUseError when another process has
        it); without, only look at what waits (``mda db spool`` beside a running service)."""
        self.folder = folder
        self.max_bytes = max_bytes
        folder.mkdir(parents=True, exist_ok=True)
        self._lock = _take(folder) if exclusive else None
        if self._lock is not None:
            for leftover in folder.glob("*.tmp"):
                leftover.unlink()  # a batch whose writing was interrupted: never acknowledged
        self._files = sorted(folder.glob("*" + _SUFFIX))
        self._bytes = sum(f.stat().st_size for f in self._files)
        self._next = int(self._files[-1].name.split(".")[0]) + 1 if self._files else 1

    def __len__(self) -> int:
        return len(self._files)

    @property
    def full(self) -> bool:
        """Whether the spool has reached its size bound."""
        return self._bytes >= self.max_bytes

    def status(self) -> SpoolStatus:
        """Size and age, for metrics and the log."""
        age = time.time() - self._files[0].stat().st_mtime if self._files else None
        return SpoolStatus(len(self._files), self._bytes, age, self.full)

    def append(self, batch: StoreBatch) -> None:
        """Add a batch at the end (the caller checks ``full`` first: this never drops)."""
        data = gzip.compress(json.dumps(_encode(batch), separators=(",", ":")).encode(), 3)
        final = self.folder / f"{self._next:012d}{_SUFFIX}"
        temporary = final.with_suffix(".tmp")
        with temporary.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        temporary.rename(final)
        self._next += 1
        self._files.append(final)
        self._bytes += len(data)

    def peek(self) -> StoreBatch | None:
        """The oldest batch, left in place until ``pop``."""
        if not self._files:
            return None
        return _decode(json.loads(gzip.decompress(self._files[0].read_bytes())))

    def batches(self) -> Iterator[StoreBatch]:
        """Every batch waiting, oldest first (to count what is there)."""
        for path in list(self._files):
            yield _decode(json.loads(gzip.decompress(path.read_bytes())))

    def discard(self) -> int:
        """Remove every batch waiting; returns how many there were."""
        n = len(self._files)
        while self._files:
            self.pop()
        return n

    def close(self) -> None:
        """Give the folder up (a process that ends gives it up anyway)."""
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None

    def pop(self) -> None:
        """Remove the oldest batch (once it is safely in the database)."""
        oldest = self._files.pop(0)
        self._bytes -= oldest.stat().st_size
        oldest.unlink()


def _take(folder: Path) -> int:
    """An exclusive lock on the folder, held by the returned descriptor."""
    fd = os.open(folder / _LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise SpoolInUseError(f"the spool in {folder} is in use by another mda process") from None
    return fd


def _encode(batch: StoreBatch) -> dict[str, Any]:
    return {
        "version": FORMAT_VERSION,
        "positions": [list(p) for p in batch.positions],
        "statics": [list(s) for s in batch.statics],
        "zone_events": [list(e) for e in batch.zone_events],
        "zone_hours": [list(h) for h in batch.zone_hours],
        "late_fixes": [list(p) for p in batch.late_fixes],
        "alerts": [list(a) for a in batch.alerts],
    }


def _decode(data: dict[str, Any]) -> StoreBatch:
    if data.get("version") != FORMAT_VERSION:
        raise ValueError(f"spool format {data.get('version')!r} is not {FORMAT_VERSION}")
    return StoreBatch(
        positions=[Position(*row) for row in data["positions"]],
        statics=[VesselStatic(*row) for row in data["statics"]],
        zone_events=[ZoneEvent(*row) for row in data["zone_events"]],
        zone_hours=[ZoneHour(*row) for row in data["zone_hours"]],
        late_fixes=[Position(*row) for row in data.get("late_fixes", [])],
        alerts=[Alert(*row) for row in data["alerts"]],
    )
