"""Carrier lists: the reefers, fish carriers and tenders that make an encounter a possible
transshipment. A CSV file with a header naming ``mmsi`` and optionally ``imo``; other columns
(name, flag, dates ...) are ignored, so Global Fishing Watch's list of transshipment vessels
loads as it is published."""

from __future__ import annotations

import csv
from pathlib import Path

from mda.errors import ConfigError

_MISSING = frozenset(("", "na", "n/a", "null", "none"))


def load_carriers(path: Path) -> tuple[frozenset[int], frozenset[int]]:
    """MMSIs and IMO numbers of carriers from a CSV file with a header naming ``mmsi`` and
    optionally ``imo`` (other columns are ignored; ``NA`` and empty cells are missing)."""
    mmsis: set[int] = set()
    imos: set[int] = set()
    try:
        with path.open(newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            if "mmsi" not in (reader.fieldnames or []):
                raise ConfigError(f"carrier list {path}: needs a column named mmsi")
            for n, row in enumerate(reader, start=2):
                for key, into in (("mmsi", mmsis), ("imo", imos)):
                    value = (row.get(key) or "").strip()
                    if value.lower() in _MISSING:
                        continue
                    if not value.isdigit():
                        raise ConfigError(f"carrier list {path}:{n}: {key} {value!r} is not a "
                                          "number")  # fmt: skip
                    into.add(int(value))
    except OSError as exc:
        raise ConfigError(f"carrier list {path}: cannot read: {exc.strerror or exc}") from exc
    return frozenset(mmsis), frozenset(imos)
