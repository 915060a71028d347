"""The files an import reads: what kind each is (by content, not name), read in chunks.

A file is NMEA when one of its first lines starts as a sentence, a tag block or a wrapper does
(``!``, ``\\``, ``$``; comment lines may come before), JSON lines when its first line is an
object, and a CSV otherwise, whose first line is the header. Gzip is recognised by its magic
bytes. Reads are counted in bytes of the file on disk, so that progress is true for a
compressed file too.
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path
from typing import BinaryIO, Final, Literal, TypeAlias, cast

from mda.errors import SourceError
from mda.ingest.sources.files import GZIP_MAGIC

FileKind: TypeAlias = Literal["NMEA", "JSON", "CSV"]
CHUNK_BYTES: Final = 4 << 20
# Lines looked at to tell the kind of a file.
SNIFF_LINES: Final = 64
# A CSV record left open by an unbalanced quote is cut at a plain line end once this much is
# waiting (a stray quote must not make the reader hold the rest of the file).
MAX_OPEN_RECORD: Final = 16 << 20


class InputFile:
    """One file (or standard input) read in chunks of decompressed bytes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = "stdin" if str(path) == "-" else str(path)
        self._raw: BinaryIO | None = None
        self._handle: BinaryIO | None = None
        try:
            self.size: int | None = None if self.name == "stdin" else path.stat().st_size
        except OSError as exc:
            raise SourceError(f"cannot read {path}: {exc.strerror or exc}") from exc

    def open(self) -> None:
        """Open the file, decompressing gzip; an unreadable file is one clear error."""
        if self.name == "stdin":
            self._raw = self._handle = sys.stdin.buffer
            return
        try:
            raw = self.path.open("rb")
        except OSError as exc:
            raise SourceError(f"cannot read {self.path}: {exc.strerror or exc}") from exc
        self._raw = raw
        gz = raw.peek(2)[:2] == GZIP_MAGIC
        self._handle = cast(BinaryIO, gzip.GzipFile(fileobj=raw)) if gz else raw

    def read(self, size: int = CHUNK_BYTES) -> bytes:
        """The next chunk, ``b""`` at the end (blocking: call it in a thread)."""
        assert self._handle is not None, "open() first"
        try:
            return self._handle.read(size)
        except (OSError, EOFError) as exc:
            raise SourceError(f"cannot read {self.name}: {exc}") from exc

    @property
    def bytes_read(self) -> int:
        """How far into the file on disk reading has come."""
        if self._raw is None or self.name == "stdin":
            return 0
        try:
            return self._raw.tell()
        except (OSError, ValueError):
            return 0

    def close(self) -> None:
        """Close the file (never standard input)."""
        if self._handle is not None and self.name != "stdin":
            self._handle.close()
            if self._raw is not None:
                self._raw.close()
        self._handle = self._raw = None


def file_kind(head: bytes) -> FileKind:
    """The kind of a file from its first bytes."""
    lines = [line.strip() for line in head.split(b"\n", SNIFF_LINES)[:SNIFF_LINES]]
    lines = [line.removeprefix(b"\xef\xbb\xbf") for line in lines if line]
    if not lines:
        return "NMEA"  # empty: nothing to read either way
    if lines[0][:1] == b"{":
        return "JSON"
    if any(line[:1] in (b"!", b"\\", b"$") for line in lines):
        return "NMEA"
    return "CSV"


def whole_records(data: bytes, *, final: bool = False) -> int:
    """How many leading bytes of ``data`` are whole CSV records: up to the last line end that
    is not inside a quoted field. At the end of input (``final``), all of it."""
    if final:
        return len(data)
    end = data.rfind(b"\n")
    while end >= 0:
        if data.count(b'"', 0, end) % 2 == 0:
            return end + 1
        end = data.rfind(b"\n", 0, end)
    if len(data) > MAX_OPEN_RECORD:
        return data.rfind(b"\n") + 1
    return 0


def total_size(files: list[InputFile]) -> int | None:
    """Bytes on disk of all the files, None when one is standard input."""
    sizes = [f.size for f in files]
    return None if any(s is None for s in sizes) else sum(s or 0 for s in sizes)


def describe_size(n: int) -> str:
    """Bytes for a person (1.2 MB)."""
    if n < 1000:
        return f"{n} bytes"
    size = float(n)
    for unit in ("kB", "MB", "GB"):
        size /= 1000
        if size < 1000 or unit == "GB":
            break
    return f"{size:.1f} {unit}"
