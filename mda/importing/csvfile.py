"""A CSV archive read chunk by chunk into records: the header first, then whole records.

Blocking (file reads and polars), so the import runs it in a thread, one call at a time: the
next chunk is read and checked while the core works on the one before.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from mda.archive.layout import Layout, read_layout, split_header
from mda.archive.rows import ArchiveCounts, ArchiveRows, rows_table
from mda.errors import SourceError
from mda.importing.files import InputFile, whole_records
from mda.model import Record


class CsvRecords:
    """The records of one CSV file, a chunk at a time."""

    def __init__(
        self, f: InputFile, head: bytes, *, columns: dict[str, str] | None,
        time_format: str | None, counts: ArchiveCounts, last_statics: dict[int, tuple[Any, ...]],
    ) -> None:  # fmt: skip
        """``head``: the first chunk, already read; a header that cannot be matched to the
        columns an import needs is one clear error (``ConfigError``)."""
        self.file = f
        chunk = head
        data = head.lstrip(b"\r\n\t ")
        while b"\n" not in data and chunk:
            chunk = f.read()
            data += chunk
        header, _, self._pending = data.partition(b"\n")
        self._ended = not chunk
        self.layout: Layout = read_layout(
            split_header(header.decode("utf-8", "replace")), f.name, columns=columns,
            time_format=time_format,
        )  # fmt: skip
        self.rows = ArchiveRows(self.layout, f.name, counts, last_statics)

    def next(self) -> list[Record] | None:
        """The records of the next chunk of whole rows; None at the end of the file."""
        while True:
            if not self._ended:
                chunk = self.file.read()
                self._ended = not chunk
                self._pending += chunk
            cut = whole_records(self._pending, final=self._ended)
            if cut:
                piece, self._pending = self._pending[:cut], self._pending[cut:]
                try:
                    table = rows_table(piece, self.layout)
                except pl.exceptions.PolarsError as exc:
                    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
                    raise SourceError(f"cannot read {self.file.name} as CSV: {reason}") from exc
                return self.rows.decode(table)
            if self._ended:
                return None
