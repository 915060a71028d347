"""Trips: a vessel's passages from one port visit to the next (GFW's voyages, port to port).

A trip starts when a visit ends (the vessel seen beyond the port's exit distance) and ends when
the next visit of the same vessel starts (seen within the next port's entry radius). Only
trips between two visits found are given: before a vessel's first visit of the window and
after its last, where it came from or went to is not known.

Pure: visits and fixes in, trips out.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import polars as pl

from mda.geo import NM, haversine_m

TRIP_SCHEMA: Final = pl.Schema({
    "mmsi": pl.Int64(),
    "from_port_id": pl.String(),
    "from_port_name": pl.String(),
    "to_port_id": pl.String(),
    "to_port_name": pl.String(),
    "start": pl.Datetime("us", "UTC"),
    "end": pl.Datetime("us", "UTC"),
    "duration_h": pl.Float64(),
    "distance_nm": pl.Float64(),
    "positions": pl.Int64(),
    "lat": pl.Float64(),
    "lon": pl.Float64(),
})


def trips(visits: pl.DataFrame, fixes: pl.DataFrame | None = None) -> pl.DataFrame:
    """The trips between consecutive ``visits`` (``port_visits``' frame) of each vessel, with
    the distance sailed and the positions between them when the vessel's ``fixes`` (``mmsi``,
    ``time``, ``lat``, ``lon``) are given (null otherwise). ``lat``/``lon`` are the departure
    port's, so that a trip is a point on a map as a visit is."""
    ordered = visits.sort("mmsi", "start")
    legs = (
        ordered.with_columns(
            pl.col(c).shift(-1).over("mmsi").alias(f"next_{c}")
            for c in ("port_id", "port_name", "start")
        )
        .filter(pl.col("next_start").is_not_null())
        .select(
            "mmsi",
            pl.col("port_id").alias("from_port_id"),
            pl.col("port_name").alias("from_port_name"),
            pl.col("next_port_id").alias("to_port_id"),
            pl.col("next_port_name").alias("to_port_name"),
            pl.col("end").alias("start"),
            pl.col("next_start").alias("end"),
            "lat",
            "lon",
        )
        .with_columns(
            ((pl.col("end") - pl.col("start")).dt.total_microseconds() / 3.6e9).alias("duration_h")
        )
    )
    distance: list[float | None] = [None] * len(legs)
    positions: list[int | None] = [None] * len(legs)
    if fixes is not None:
        located = fixes.filter(pl.col("lat").is_not_null() & pl.col("lon").is_not_null())
        for n, (mmsi, start, end) in enumerate(legs.select("mmsi", "start", "end").iter_rows()):
            # The departure's exit fix and the arrival's entry fix are both on the trip.
            leg = located.filter(
                (pl.col("mmsi") == mmsi) & pl.col("time").is_between(start, end)
            ).sort("time")
            lat = leg["lat"].cast(pl.Float64).to_numpy()
            lon = leg["lon"].cast(pl.Float64).to_numpy()
            steps: Any = haversine_m(lat[:-1], lon[:-1], lat[1:], lon[1:]) if len(leg) > 1 else []
            distance[n] = float(np.sum(steps)) / NM
            positions[n] = len(leg)
    return legs.with_columns(
        pl.Series("distance_nm", distance, dtype=pl.Float64),
        pl.Series("positions", positions, dtype=pl.Int64),
    ).select(list(TRIP_SCHEMA))
