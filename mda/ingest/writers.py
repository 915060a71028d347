"""Decoded records written as JSON lines or CSV, one row per record, nulls included."""

from __future__ import annotations

import csv
import json
from typing import Literal, TextIO

from mda.ingest.rows import FIELDS, record_row
from mda.model import Record

OutputFormat = Literal["jsonl", "csv"]

# One encoder for every row: ``json.dumps`` with options builds a new one per call.
_ENCODE = json.JSONEncoder(separators=(",", ":")).encode


class RecordWriter:
    """Writes rows to a text stream in the chosen format."""

    def __init__(self, stream: TextIO, fmt: OutputFormat) -> None:
        self._stream = stream
        self._fmt = fmt
        self._csv: csv.DictWriter[str] | None = None
        if fmt == "csv":
            self._csv = csv.DictWriter(stream, fieldnames=FIELDS, lineterminator="\n")
            self._csv.writeheader()

    def write(self, records: list[Record]) -> None:
        """Write a batch of records."""
        if self._csv is not None:
            for record in records:
                row = record_row(record)
                row["receivers"] = ";".join(record.receivers)
                self._csv.writerow(row)
            return
        self._stream.write("".join(_ENCODE(record_row(r)) + "\n" for r in records))
