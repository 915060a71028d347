"""Port visits and trips from stored positions, computed at query time.

They are not stored: a table of them would need a schema migration and a writer keeping it
right as late positions arrive, and computing them is one read of the positions near ports
(or of one vessel's track) plus a pass of ``mda.trajectories.port_visits``. A visit that
began before the window is seen without its entry (lower confidence), as at a window's edge
in GFW's own daily runs.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import polars as pl

from mda.store.queries import NOT_VESSEL_TYPES
from mda.store.timeargs import as_utc, check_window
from mda.trajectories.port_visits import PORT_KINDS, PortVisitRules, port_visits, search_boxes
from mda.trajectories.trips import trips

if TYPE_CHECKING:
    from mda.store.queries import Queries

_FIX_COLUMNS = "time, mmsi, lat, lon, sog, time_quality"


def stored_port_visits(
    queries: Queries, start: datetime | float, end: datetime | float, *,
    vessel: int | str | None = None, port: str | None = None,
    rules: PortVisitRules | None = None, row_limit: int | None = None,
) -> pl.DataFrame:  # fmt: skip
    """Port visits of ``[start, end)`` (one vessel's, or every vessel's), with the vessel's
    name, in order of start; ``port``: only visits to this port or anchorage id."""
    rules = rules or PortVisitRules()
    fixes = _fixes(queries, start, end, vessel, rules, row_limit)
    visits = port_visits(fixes, queries.zones.of_kind(*PORT_KINDS), rules)
    if port is not None:
        visits = visits.filter(pl.col("port_id") == port)
    return _named(queries, visits).sort("start", "mmsi")


def stored_trips(
    queries: Queries, vessel: int | str, start: datetime | float, end: datetime | float, *,
    rules: PortVisitRules | None = None, row_limit: int | None = None,
) -> pl.DataFrame:  # fmt: skip
    """A vessel's trips between its port visits of ``[start, end)``, with the distance sailed
    along its stored track."""
    rules = rules or PortVisitRules()
    fixes = _fixes(queries, start, end, vessel, rules, row_limit)
    visits = port_visits(fixes, queries.zones.of_kind(*PORT_KINDS), rules)
    return _named(queries, trips(visits, fixes)).sort("start")


def _fixes(
    queries: Queries, start: datetime | float, end: datetime | float, vessel: int | str | None,
    rules: PortVisitRules, row_limit: int | None,
) -> pl.DataFrame:  # fmt: skip
    since, until = as_utc(start), as_utc(end)
    check_window(since, until, max_span=queries.limits.events, what="port visits")
    if vessel is not None:
        return queries.fetch(
            f"SELECT {_FIX_COLUMNS} FROM positions WHERE mmsi = $1 AND time >= $2 "
            "AND time < $3 AND lat IS NOT NULL AND lon IS NOT NULL ORDER BY time",
            (queries.resolve_vessel(vessel), since, until), limit=row_limit, what="positions",
        )  # fmt: skip
    # Every vessel: only the fixes near a port (a box of twice its exit distance) matter, the
    # rest of the sea is "outside" whatever it holds.
    params: list[object] = [since, until]
    boxes = []
    for south, north, west, east in search_boxes(queries.zones.of_kind(*PORT_KINDS), rules):
        # A box reaching past 180 is two: its part beyond comes round on the other side.
        ranges = [(max(west, -180.0), min(east, 180.0))]
        if west < -180.0:
            ranges.append((west + 360.0, 180.0))
        if east > 180.0:
            ranges.append((-180.0, east - 360.0))
        for low, high in ranges:
            params += [south, north, low, high]
            n = len(params)
            boxes.append(f"(lat BETWEEN ${n - 3} AND ${n - 2} AND lon BETWEEN ${n - 1} AND ${n})")
    if not boxes:
        boxes = ["false"]
    return queries.fetch(
        f"SELECT {_FIX_COLUMNS} FROM positions WHERE time >= $1 AND time < $2 "
        f"AND msg_type NOT IN ({', '.join(map(str, NOT_VESSEL_TYPES))}) "
        f"AND ({' OR '.join(boxes)}) ORDER BY mmsi, time",
        params, limit=row_limit, what="positions",
    )  # fmt: skip


def _named(queries: Queries, frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with the vessels' names after ``mmsi``."""
    names = queries.fetch(
        "SELECT mmsi, shipname FROM vessels WHERE mmsi = ANY($1)",
        ([int(m) for m in frame["mmsi"].unique().to_list()] or [-1],),
    ).with_columns(pl.col("mmsi").cast(pl.Int64))
    columns = frame.columns
    return frame.join(names, on="mmsi", how="left").select(
        columns[0], "shipname", *columns[1:]
    )
