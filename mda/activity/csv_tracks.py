"""Tracks from a CSV file (plain or gzip), read with polars, any column names.

Every column is read as text and written back unchanged, so the output repeats the input's
values exactly. Times may be ISO 8601 (``2017-03-10T06:34:13Z``, with an offset, or naive =
UTC), ``YYYY-MM-DD HH:MM:SS``, or epoch seconds; a row whose time or position cannot be read
is kept in the output without an activity.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl

from mda.activity.motion import Floats
from mda.activity.rows import TrackRows
from mda.errors import ConfigError, SourceError

DEFAULT_ID = "vessel_id"


@dataclass(frozen=True, slots=True)
class CsvColumns:
    """Which columns hold what. ``vessel`` None: ``vessel_id`` if present, else one vessel;
    ``gear`` and ``ship_type`` are used only when present."""

    vessel: str | None = None
    time: str = "time"
    lat: str = "lat"
    lon: str = "lon"
    speed: str | None = None
    course: str | None = None
    gear: str = "gear"
    ship_type: str = "ship_type"


def read_csv_tracks(path: Path, columns: CsvColumns, default_gear: str | None = None) -> TrackRows:
    """The rows of a CSV of positions; a missing column or unreadable file is one clear error."""
    try:
        table = pl.read_csv(path, infer_schema=False)
    except FileNotFoundError as exc:
        raise SourceError(f"cannot read {path}: no such file") from exc
    except (OSError, pl.exceptions.PolarsError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SourceError(f"cannot read {path} as CSV: {reason}") from exc

    def column(name: str, option: str) -> pl.Series:
        if name not in table.columns:
            raise ConfigError(
                f"{path} has no column {name!r} (name it with {option}; columns: "
                f"{', '.join(table.columns)})"
            )
        return table[name]

    if columns.vessel is not None:
        vessel = [v or "" for v in column(columns.vessel, "--id").to_list()]
        vessel_column = columns.vessel
    elif DEFAULT_ID in table.columns:
        vessel = [v or "" for v in table[DEFAULT_ID].to_list()]
        vessel_column = DEFAULT_ID
    else:
        vessel = [""] * table.height  # a single track without ids
        vessel_column = DEFAULT_ID
    gear = None
    if columns.gear in table.columns:
        gear = [g or default_gear for g in table[columns.gear].to_list()]
    elif default_gear:
        gear = [default_gear] * table.height
    return TrackRows(
        table=table,
        vessel=vessel,
        time=parse_times(column(columns.time, "--time").to_list()),
        lat=_numbers(column(columns.lat, "--lat")),
        lon=_numbers(column(columns.lon, "--lon")),
        speed_kn=None if columns.speed is None else _numbers(column(columns.speed, "--speed")),
        course=None if columns.course is None else _numbers(column(columns.course, "--course")),
        gear=gear,
        vessel_column=vessel_column,
        ship_type=_ship_types(table[columns.ship_type])
        if columns.ship_type in table.columns
        else None,
    )


def _numbers(values: pl.Series) -> Floats:
    parsed = values.str.strip_chars().cast(pl.Float64, strict=False).fill_null(math.nan)
    return parsed.to_numpy().astype(np.float64)


def _ship_types(values: pl.Series) -> list[int | None]:
    """AIS ship type codes; None where empty or not a whole number."""
    parsed = values.str.strip_chars().cast(pl.Float64, strict=False)
    return [None if v is None or v != int(v) else int(v) for v in parsed.to_list()]


def parse_times(values: list[str | None]) -> Floats:
    """Epoch seconds of time texts; NaN where a text is not a time."""
    return np.array([_epoch(v) for v in values], dtype=np.float64)


def _epoch(text: str | None) -> float:
    if text is None:
        return math.nan
    text = text.strip()
    try:
        return float(text)
    except ValueError:
        pass
    try:
        stamp = datetime.fromisoformat(text)
    except ValueError:
        return math.nan
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return stamp.timestamp()
