"""Tracks from an AIS recording (NMEA, plain or gzip, globs), decoded by mda's own ingest.

One track per MMSI; one row per vessel position with a time and a fix (base stations, aids to
navigation and SAR aircraft are not vessels at work). Reported speed and course go to the
classifier; the activity of a vessel is judged on its own positions whatever order the
receivers heard them in.
"""

from __future__ import annotations

import asyncio
import math

import numpy as np
import polars as pl

from mda.activity.rows import TrackRows
from mda.ingest.core import Ingestor
from mda.ingest.sources import FileSource
from mda.ingest.stats import IngestStats
from mda.model import VESSEL, Position, VesselStatic
from mda.timefmt import iso


def read_ais_tracks(spec: str, default_gear: str | None = None) -> tuple[TrackRows, IngestStats]:
    """Vessel positions of a recording, in the order decoded, with each vessel's broadcast
    ship type, and the ingest counts."""
    positions, types, stats = asyncio.run(_decode(spec))
    time = np.array([p.time for p in positions], dtype=np.float64)
    lat = np.array([p.lat for p in positions], dtype=np.float64)
    lon = np.array([p.lon for p in positions], dtype=np.float64)
    sog = np.array([math.nan if p.sog is None else p.sog for p in positions], dtype=np.float64)
    cog = np.array([math.nan if p.cog is None else p.cog for p in positions], dtype=np.float64)
    table = pl.DataFrame(
        {
            "time": [iso(p.time) for p in positions],
            "mmsi": [p.mmsi for p in positions],
            "lat": [p.lat for p in positions],
            "lon": [p.lon for p in positions],
            "sog": [p.sog for p in positions],
            "cog": [p.cog for p in positions],
        },
        schema={
            "time": pl.String, "mmsi": pl.Int64, "lat": pl.Float64, "lon": pl.Float64,
            "sog": pl.Float64, "cog": pl.Float64,
        },
    )  # fmt: skip
    rows = TrackRows(
        table=table,
        vessel=[str(p.mmsi) for p in positions],
        time=time,
        lat=lat,
        lon=lon,
        speed_kn=sog,
        course=cog,
        gear=None if default_gear is None else [default_gear] * len(positions),
        vessel_column="mmsi",
        ship_type=[types.get(p.mmsi) for p in positions],
    )
    return rows, stats


async def _decode(spec: str) -> tuple[list[Position], dict[int, int], IngestStats]:
    """Vessel positions in decoding order, each MMSI's ship type (the last non-zero one
    broadcast anywhere in the recording), and the ingest counts."""
    source = FileSource(spec)
    ingestor = Ingestor()
    positions: list[Position] = []
    types: dict[int, int] = {}
    records = []
    async for batch in source.batches():
        records += ingestor.ingest(batch.lines, batch.feed, batch.arrival)
    records += ingestor.finish()
    for record in records:
        if (
            isinstance(record, Position)
            and record.kind == VESSEL
            and record.time is not None
            and record.lat is not None
            and record.lon is not None
        ):
            positions.append(record)
        elif isinstance(record, VesselStatic) and record.ship_type:
            types[record.mmsi] = record.ship_type
    return positions, types, ingestor.stats
