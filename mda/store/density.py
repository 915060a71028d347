"""Traffic density: vessel-hours per square cell of the sea over a window.

The measure is Global Fishing Watch's "presence" (4Wings): the time each vessel spends in each
cell. It is counted from consecutive fixes of a vessel's track segment: the time from one fix to
the next goes to the cell of the first (the vessel is taken to be where it was last heard), at
most ``max_gap_s`` of it, so that a vessel silent for a day is not credited a day where it fell
silent; the last fix of a segment, with no next one, is credited ``max_gap_s`` too (whether a
next fix comes is then no matter, and any window's answer needs only ``max_gap_s`` of fixes
beyond it). Intervals are clipped to the window ``[start, end)``: the fix heard before the window
credits its cell from the window's start, the last one in it up to the window's end. Cutting a
window in two therefore splits every cell's hours between the halves, and their sum is the
whole window's.

Base stations, aids to navigation and fixes with a suspect time are left out (the time between
two fixes is only known when both times are). A vessel's fixes are followed within its tracker
segment (``positions.segment``), so two transmitters sharing one MMSI are two vessels here, as
they are in its tracks.

Cells are squares of ``cell_deg`` degrees aligned on (-180, -90): the cell of a fix at
``lon, lat`` has its south-west corner at ``-180 + floor((lon + 180) / cell) * cell``,
``-90 + floor((lat + 90) / cell) * cell``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

import polars as pl

from mda.errors import ConfigError
from mda.store.areas import Area, region
from mda.store.queries import NOT_VESSEL_TYPES

if TYPE_CHECKING:
    from mda.store.queries import Queries

# The longest window a density query reads (as positions in an area reads a month).
MAX_SPAN: Final = timedelta(days=366)
DEFAULT_MAX_GAP_S: Final = 1800.0
DENSITY_COLUMNS: Final = (
    "lon_min", "lat_min", "lon_max", "lat_max", "vessel_hours", "vessels", "fixes",
)  # fmt: skip
# Ship-type names analysts use, as ranges of the AIS type code (ITU-R M.1371 table 53).
SHIP_TYPE_NAMES: Final[dict[str, tuple[tuple[int, int], ...]]] = {
    "fishing": ((30, 30),),
    "towing": ((31, 32),),
    "dredging": ((33, 33),),
    "diving": ((34, 34),),
    "military": ((35, 35),),
    "sailing": ((36, 36),),
    "pleasure": ((37, 37),),
    "hsc": ((40, 49),),
    "pilot": ((50, 50),),
    "sar": ((51, 51),),
    "tug": ((52, 52),),
    "law": ((55, 55),),
    "passenger": ((60, 69),),
    "cargo": ((70, 79),),
    "tanker": ((80, 89),),
    "other": ((90, 99),),
}
_RANGE = re.compile(r"^\s*(\d{1,3})\s*(?:-\s*(\d{1,3})\s*)?$")


@dataclass(frozen=True, slots=True)
class DensityFilter:
    """Which fixes count: inside ``area`` (any area ``Queries.positions_in`` takes), of vessels
    whose ship type is in one of ``ship_types`` (inclusive code ranges) and whose flag (ISO
    3166 alpha-2, from the MMSI) is one of ``flags``. None: no condition."""

    area: Area | None = None
    ship_types: tuple[tuple[int, int], ...] | None = None
    flags: tuple[str, ...] | None = None


def ship_type_ranges(values: Sequence[str]) -> tuple[tuple[int, int], ...]:
    """``--type`` values as code ranges: a name (fishing, cargo, tanker ...), a code (30) or
    a range of codes (70-79)."""
    ranges: list[tuple[int, int]] = []
    for value in values:
        named = SHIP_TYPE_NAMES.get(value.strip().lower())
        if named is not None:
            ranges += named
            continue
        match = _RANGE.match(value)
        if match is None:
            names = ", ".join(SHIP_TYPE_NAMES)
            raise ConfigError(f"ship type {value!r}: give a code (30), a range (70-79) or one "
                              f"of {names}")  # fmt: skip
        low = int(match.group(1))
        high = int(match.group(2) or low)
        if not 0 <= low <= high <= 255:
            raise ConfigError(f"ship type {value!r}: codes run from 0 to 255, low to high")
        ranges.append((low, high))
    return tuple(ranges)


def cell_of(value: float, origin: float, cell_deg: float) -> float:
    """The low edge of the cell holding ``value`` (as the SQL computes it)."""
    return origin + ((value - origin) // cell_deg) * cell_deg


def density(
    queries: Queries,
    start: datetime | float,
    end: datetime | float,
    *,
    cell_deg: float,
    where: DensityFilter | None = None,
    max_gap_s: float = DEFAULT_MAX_GAP_S,
) -> pl.DataFrame:
    """Vessel-hours per cell of ``cell_deg`` degrees in ``[start, end)`` (see the module),
    one row per cell with time in it: its bounds, ``vessel_hours``, the ``vessels`` and the
    ``fixes`` that credited it. Ordered south to north, west to east."""
    if not 0 < cell_deg <= 90 or abs(180 / cell_deg - round(180 / cell_deg)) > 1e-6:
        raise ConfigError(f"--cell {cell_deg:g}: give a size in degrees that divides 180 "
                          "(1, 0.5, 0.25, 0.1 ...)")  # fmt: skip
    if max_gap_s <= 0:
        raise ConfigError("the longest gap credited must be a positive duration")
    since, until = queries._window(start, end, MAX_SPAN, "density")
    where = where or DensityFilter()
    cap = timedelta(seconds=max_gap_s)
    params: list[Any] = [since - cap, until + cap, since, until, float(max_gap_s)]
    vessel_conditions = []
    if where.ship_types is not None:
        spans = [f"ship_type BETWEEN {int(low)} AND {int(high)}" for low, high in where.ship_types]
        vessel_conditions.append(f"({' OR '.join(spans) or 'false'})")
    if where.flags is not None:
        params.append([f.strip().upper() for f in where.flags])
        vessel_conditions.append(f"upper(flag) = ANY(${len(params)})")
    vessels = (
        f" AND mmsi IN (SELECT mmsi FROM vessels WHERE {' AND '.join(vessel_conditions)})"
        if vessel_conditions else ""
    )  # fmt: skip
    place = region(where.area, lambda: queries.zones) if where.area is not None else None
    inside = ""
    if place is not None:
        params += [place.south, place.north]
        inside = f" AND lat BETWEEN ${len(params) - 1} AND ${len(params)}"
        ranges = []
        for west, east in place.lon_ranges:
            params += [west, east]
            ranges.append(f"lon BETWEEN ${len(params) - 1} AND ${len(params)}")
        inside += f" AND ({' OR '.join(ranges)})"
    # The credit of a fix: from it (or the window's start) to the next fix of its segment,
    # at most max_gap_s after it, and never past the window's end. With no next fix within
    # max_gap_s of it (LEAD is null when none was read, and LEAST skips nulls), max_gap_s.
    credited = (
        "SELECT mmsi, lat, lon, EXTRACT(EPOCH FROM LEAST(next_time, time + make_interval("
        "secs => $5), $4) - GREATEST(time, $3))::float8 AS seconds FROM ("
        "SELECT mmsi, time, lat, lon, LEAD(time) OVER (PARTITION BY mmsi, segment "
        "ORDER BY time) AS next_time FROM positions WHERE time >= $1 AND time < $2 "
        "AND lat IS NOT NULL AND lon IS NOT NULL "
        f"AND msg_type NOT IN ({', '.join(map(str, NOT_VESSEL_TYPES))}) "
        f"AND time_quality IS DISTINCT FROM 'suspect'{vessels}) f "
        f"WHERE time < $4{inside}"
    )
    cell = float(cell_deg)
    if place is None or place.geometry is None:
        # No polygon to test here: the database sums the cells.
        # Per vessel and cell first, then per cell: two hash aggregates, where a count of
        # distinct vessels per cell would sort every fix.
        cells = queries.fetch(
            "SELECT ix, iy, sum(seconds) AS seconds, count(*)::int8 AS vessels, "
            "sum(fixes)::int8 AS fixes FROM ("
            f"SELECT mmsi, floor((lon + 180) / {cell!r})::int8 AS ix, "
            f"floor((lat + 90) / {cell!r})::int8 AS iy, sum(seconds) AS seconds, "
            f"count(*) AS fixes FROM ({credited}) c WHERE seconds > 0 GROUP BY 1, 2, 3) v "
            "GROUP BY 1, 2",
            params,
        )
    else:
        fixes = queries.fetch(credited, params)
        if len(fixes):
            keep = place.contains(fixes["lon"].to_numpy(), fixes["lat"].to_numpy())
            fixes = fixes.filter(pl.Series(keep))
        cells = (
            fixes.filter(pl.col("seconds") > 0)
            .with_columns(
                ((pl.col("lon") + 180) / cell).floor().cast(pl.Int64).alias("ix"),
                ((pl.col("lat") + 90) / cell).floor().cast(pl.Int64).alias("iy"),
            )
            .group_by("ix", "iy")
            .agg(
                pl.col("seconds").sum(),
                pl.col("mmsi").n_unique().cast(pl.Int64).alias("vessels"),
                pl.len().cast(pl.Int64).alias("fixes"),
            )
        )
    return _cells(cells, cell)


def _cells(cells: pl.DataFrame, cell: float) -> pl.DataFrame:
    if not len(cells):
        floats = dict.fromkeys(DENSITY_COLUMNS[:5], pl.Float64)
        return pl.DataFrame(schema={**floats, "vessels": pl.Int64, "fixes": pl.Int64})
    ix, iy = pl.col("ix").cast(pl.Float64), pl.col("iy").cast(pl.Float64)
    return cells.sort("iy", "ix").select(
        (-180 + ix * cell).alias("lon_min"),
        (-90 + iy * cell).alias("lat_min"),
        (-180 + (ix + 1) * cell).alias("lon_max"),
        (-90 + (iy + 1) * cell).alias("lat_max"),
        (pl.col("seconds").cast(pl.Float64) / 3600.0).alias("vessel_hours"),
        pl.col("vessels").cast(pl.Int64),
        pl.col("fixes").cast(pl.Int64),
    )
