"""Lists of vessels by MMSI and IMO number: watch lists, carrier lists, licence lists, and the
vessels a partner feed never or always shares.

In a rule set or feed they are TOML numbers (``never_share = { mmsi = [...], imo = [...] }``);
in a file of their own they are CSV, every list read one way:

- a header row names the columns: ``mmsi`` and/or ``imo`` (and, for a watch list, ``name``
  and ``reason``); other columns (flag, dates ...) are ignored, so published lists load as
  they are;
- an empty cell, or one holding only a placeholder that spreadsheets and published lists
  write for a missing value (``NA``, ``N/A``, ``null``, ``none``, in any case), gives nothing
  for its column: a vessel known by its IMO number alone is listed by it;
- any other cell that should be a number and is not, and a row that names no vessel at all,
  refuse the file with its path and line. A watch officer must never believe a vessel is
  listed when a typo left it out.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from mda.errors import ConfigError
from mda.settings.checks import check_known, is_whole

MISSING_CELLS: Final = frozenset(("", "na", "n/a", "null", "none"))
# The numbers each identifier can be: MMSIs are nine digits at most, IMO numbers seven.
_BOUNDS: Final = {"mmsi": (1, 999_999_999), "imo": (1_000_000, 9_999_999)}


@dataclass(frozen=True, slots=True)
class VesselList:
    """Vessels named by MMSI or IMO number."""

    mmsi: frozenset[int] = frozenset()
    imo: frozenset[int] = frozenset()

    def names(self, mmsi: int, imo: int | None) -> bool:
        """Whether the list names a vessel with this MMSI or IMO number."""
        return mmsi in self.mmsi or (imo is not None and imo in self.imo)

    def __or__(self, other: VesselList) -> VesselList:
        return VesselList(self.mmsi | other.mmsi, self.imo | other.imo)


@dataclass(frozen=True, slots=True)
class ListedVessel:
    """One row of a vessel list file; at least one of mmsi, imo and name is given."""

    mmsi: int | None = None
    imo: int | None = None
    name: str | None = None
    reason: str = ""


def parse_vessel_table(value: Any, label: str) -> VesselList:
    """A ``{ mmsi = [...], imo = [...] }`` table (None when left out: no vessel)."""
    if value is None:
        return VesselList()
    if not isinstance(value, dict):
        raise ConfigError(f"{label}: expected a table {{ mmsi = [...], imo = [...] }}")
    check_known(value, list(_BOUNDS), f"{label}.")
    lists: dict[str, frozenset[int]] = {}
    for name, (low, high) in _BOUNDS.items():
        items = value.get(name, [])
        if not isinstance(items, list):
            raise ConfigError(f"{label}.{name}: expected a list of numbers")
        for item in items:
            if not is_whole(item) or not low <= item <= high:
                raise ConfigError(f"{label}.{name}: {item!r} is not an {name.upper()} number")
        lists[name] = frozenset(items)
    return VesselList(lists["mmsi"], lists["imo"])


def read_vessel_rows(path: Path, what: str, with_names: bool = False) -> list[ListedVessel]:
    """The rows of a vessel list CSV file (see the module's rules); ``what`` names the list
    in errors (``"watch list"``). ``with_names``: a ``name`` column names vessels too."""
    columns = ("mmsi", "imo", "name") if with_names else ("mmsi", "imo")
    try:
        with path.open(newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            if not set(reader.fieldnames or ()) & set(columns):
                raise ConfigError(f"{what} {path}: needs a column named {' or '.join(columns)}")
            return [
                _row(row, f"{what} {path}:{n}", columns)
                for n, row in enumerate(reader, start=2)
            ]
    except OSError as exc:
        raise ConfigError(f"{what} {path}: cannot read: {exc.strerror or exc}") from exc


def load_vessel_list(path: Path, what: str) -> VesselList:
    """The MMSIs and IMO numbers of a vessel list CSV file."""
    rows = read_vessel_rows(path, what)
    return VesselList(
        frozenset(r.mmsi for r in rows if r.mmsi is not None),
        frozenset(r.imo for r in rows if r.imo is not None),
    )


def _row(row: dict[str, str | None], where: str, columns: tuple[str, ...]) -> ListedVessel:
    numbers: dict[str, int | None] = {}
    for key in ("mmsi", "imo"):
        value = _cell(row.get(key))
        if value is not None and not value.isdigit():
            raise ConfigError(f"{where}: {key} {value!r} is not a number")
        numbers[key] = None if value is None else int(value)
    name = _cell(row.get("name")) if "name" in columns else None
    if numbers["mmsi"] is None and numbers["imo"] is None and name is None:
        raise ConfigError(f"{where}: a row needs an {', '.join(columns[:-1])} or {columns[-1]}")
    reason = (row.get("reason") or "").strip()
    return ListedVessel(numbers["mmsi"], numbers["imo"], name, reason)


def _cell(value: str | None) -> str | None:
    """A cell's text, or None when it is empty or a placeholder for nothing."""
    text = (value or "").strip()
    return None if text.lower() in MISSING_CELLS else text
