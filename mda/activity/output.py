"""Writing what ``mda activity`` found: the input rows with their activity, and the events."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import polars as pl

from mda.activity.classify import ACTIVITIES
from mda.activity.fleet import UNCLASSIFIED, VesselEvent
from mda.activity.rows import TrackRows
from mda.errors import SourceError
from mda.timefmt import iso


def activity_names(codes: npt.NDArray[np.int8]) -> list[str | None]:
    """Activity names of codes; None (an empty cell) for rows that were not classified."""
    return [None if c == UNCLASSIFIED else ACTIVITIES[c] for c in codes.tolist()]


def write_activity(rows: TrackRows, activity: npt.NDArray[np.int8], out: Path) -> None:
    """The input rows, same columns and order, with an ``activity`` column (replaced if the
    input had one)."""
    table = rows.table.with_columns(pl.Series("activity", activity_names(activity), pl.String))
    _write(table, out)


def write_events(events: list[VesselEvent], vessel_column: str, out: Path) -> None:
    """One row per fishing event; ``first_row``/``last_row`` count data rows of the input
    from 0."""
    table = pl.DataFrame(
        {
            vessel_column: [v.vessel for v in events],
            "start": [iso(v.event.start) for v in events],
            "end": [iso(v.event.end) for v in events],
            "duration_hours": [round(v.event.duration_hours, 3) for v in events],
            "positions": [v.event.positions for v in events],
            "distance_km": [round(v.event.distance_km, 3) for v in events],
            "mean_speed_kn": [round(v.event.mean_speed_kn, 2) for v in events],
            "lat_mean": [round(v.event.lat_mean, 6) for v in events],
            "lon_mean": [round(v.event.lon_mean, 6) for v in events],
            "first_row": [v.event.first_index for v in events],
            "last_row": [v.event.last_index for v in events],
        },
        schema={
            vessel_column: pl.String, "start": pl.String, "end": pl.String,
            "duration_hours": pl.Float64, "positions": pl.Int64, "distance_km": pl.Float64,
            "mean_speed_kn": pl.Float64, "lat_mean": pl.Float64, "lon_mean": pl.Float64,
            "first_row": pl.Int64, "last_row": pl.Int64,
        },
    )  # fmt: skip
    _write(table, out)


def _write(table: pl.DataFrame, out: Path) -> None:
    try:
        table.write_csv(out)
    except OSError as exc:
        raise SourceError(f"cannot write {out}: {exc.strerror or exc}") from exc
