"""Resampling a track onto a regular time grid, as GFW resamples for encounters (10 min,
interpolated across gaps under 1 h; DETECTIONS.md) but without their extrapolation.

The grid is whole multiples of the interval since the epoch (a 5 min grid is at :00, :05 ...),
so that the same fixes give the same points whatever window or batch they came in. Each
segment (``segment``, as ``with_segments`` numbers them) is resampled on its own: a point lies
between the segment's first and last fix, never beyond (no extrapolation) and never between
two fixes further apart than ``max_gap_s`` (no line drawn across a silence). A grid time that
is a fix's time takes that fix as it is (``interpolated`` false); the others are interpolated
between the fixes either side (``interpolated`` true):

- ``linear``: latitude and longitude linearly in time (longitude the short way round, across
  180 when that is shorter);
- ``great_circle``: along the great circle between the two fixes, at the fraction of the
  arc the fraction of time gives.

Speed is interpolated linearly, course the short way round the circle (none when either side
has none). Pure: a frame in, a frame out.
"""

from __future__ import annotations

from typing import Final, Literal, TypeAlias

import numpy as np
import numpy.typing as npt
import polars as pl

Interpolation: TypeAlias = Literal["linear", "great_circle"]
INTERPOLATIONS: Final = ("linear", "great_circle")

Floats: TypeAlias = npt.NDArray[np.float64]

RESAMPLED_SCHEMA: Final = pl.Schema({
    "time": pl.Datetime("us", "UTC"),
    "mmsi": pl.Int64(),
    "segment": pl.Int32(),
    "lat": pl.Float64(),
    "lon": pl.Float64(),
    "sog": pl.Float64(),
    "cog": pl.Float64(),
    "interpolated": pl.Boolean(),
})


def resample(
    positions: pl.DataFrame,
    interval_s: float,
    *,
    max_gap_s: float,
    method: Interpolation = "linear",
) -> pl.DataFrame:
    """``positions`` (``mmsi``, ``segment``, ``time``, ``lat``, ``lon``, optionally ``sog`` and
    ``cog``) on a grid of ``interval_s``, segment by segment, as the module describes. Fixes on
    no segment (a suspect time) are left out. Rows in order of vessel, segment and time."""
    if interval_s <= 0 or max_gap_s <= 0:
        raise ValueError("the interval and the longest gap must be positive")
    if method not in INTERPOLATIONS:
        raise ValueError(f"interpolation must be one of {', '.join(INTERPOLATIONS)}")
    frame = (
        positions.filter(
            pl.col("segment").is_not_null() & pl.col("lat").is_not_null()
            & pl.col("lon").is_not_null()
        )
        .unique(["mmsi", "segment", "time"], keep="first", maintain_order=True)
        .sort("mmsi", "segment", "time")
    )  # fmt: skip
    if not len(frame):
        return pl.DataFrame(schema=RESAMPLED_SCHEMA)
    step = round(interval_s * 1e6)
    longest = round(max_gap_s * 1e6)
    times = frame["time"].dt.epoch("us").to_numpy().astype(np.int64)
    lat = frame["lat"].cast(pl.Float64).to_numpy()
    lon = frame["lon"].cast(pl.Float64).to_numpy()
    sog = _column(frame, "sog")
    cog = _column(frame, "cog")
    mmsi = frame["mmsi"].cast(pl.Int64).to_numpy()
    segment = frame["segment"].cast(pl.Int32).to_numpy()
    cuts = np.flatnonzero((mmsi[1:] != mmsi[:-1]) | (segment[1:] != segment[:-1])) + 1
    pieces = []
    for a, b in zip(np.r_[0, cuts], np.r_[cuts, len(frame)], strict=True):
        t = times[a:b]
        first = -(-int(t[0]) // step) * step
        grid = np.arange(first, int(t[-1]) + 1, step, dtype=np.int64)
        if not len(grid):
            continue
        before = np.searchsorted(t, grid, side="right") - 1  # t[before] <= grid
        exact = t[before] == grid
        after = np.minimum(before + 1, len(t) - 1)
        span = t[after] - t[before]
        keep = exact | (span <= longest)
        grid, before, after, exact = grid[keep], before[keep], after[keep], exact[keep]
        span = (t[after] - t[before]).astype(np.float64)
        fraction = np.where(exact, 0.0, (grid - t[before]) / np.where(span > 0, span, 1.0))
        i, j = before + a, after + a
        if method == "linear":
            plat, plon = _linear(lat[i], lon[i], lat[j], lon[j], fraction)
        else:
            plat, plon = _great_circle(lat[i], lon[i], lat[j], lon[j], fraction)
        pieces.append(pl.DataFrame({
            "time": grid, "mmsi": mmsi[i], "segment": segment[i],
            "lat": np.where(exact, lat[i], plat), "lon": np.where(exact, lon[i], plon),
            "sog": sog[i] + fraction * (sog[j] - sog[i]),
            "cog": _course(cog[i], cog[j], fraction),
            "interpolated": ~exact,
        }))  # fmt: skip
    if not pieces:
        return pl.DataFrame(schema=RESAMPLED_SCHEMA)
    return (
        pl.concat(pieces)
        .with_columns(pl.from_epoch(pl.col("time"), time_unit="us").dt.replace_time_zone("UTC"))
        .with_columns(pl.col(c).fill_nan(None) for c in ("sog", "cog"))
        .cast(RESAMPLED_SCHEMA)
    )


def _column(frame: pl.DataFrame, name: str) -> Floats:
    if name not in frame.columns:
        return np.full(len(frame), np.nan)
    values: Floats = frame[name].cast(pl.Float64).fill_null(np.nan).to_numpy()
    return values


def _wrap(lon: Floats) -> Floats:
    wrapped: Floats = (lon + 180.0) % 360.0 - 180.0
    return wrapped


def _linear(
    lat1: Floats, lon1: Floats, lat2: Floats, lon2: Floats, f: Floats
) -> tuple[Floats, Floats]:
    dlon = _wrap(lon2 - lon1)
    return lat1 + f * (lat2 - lat1), _wrap(lon1 + f * dlon)


def _great_circle(
    lat1: Floats, lon1: Floats, lat2: Floats, lon2: Floats, f: Floats
) -> tuple[Floats, Floats]:
    """Spherical linear interpolation of unit vectors (identical points stay put)."""
    p1, p2 = _unit(lat1, lon1), _unit(lat2, lon2)
    omega = np.arccos(np.clip(np.sum(p1 * p2, axis=0), -1.0, 1.0))
    sin_omega = np.sin(omega)
    tiny = sin_omega < 1e-12
    w1 = np.where(tiny, 1.0 - f, np.sin((1.0 - f) * omega) / np.where(tiny, 1.0, sin_omega))
    w2 = np.where(tiny, f, np.sin(f * omega) / np.where(tiny, 1.0, sin_omega))
    x, y, z = w1 * p1 + w2 * p2
    lat = np.degrees(np.arctan2(z, np.hypot(x, y)))
    return lat, _wrap(np.degrees(np.arctan2(y, x)))


def _unit(lat: Floats, lon: Floats) -> Floats:
    phi, lam = np.radians(lat), np.radians(lon)
    return np.array([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)])


def _course(c1: Floats, c2: Floats, f: Floats) -> Floats:
    turn = (c2 - c1 + 180.0) % 360.0 - 180.0
    course: Floats = (c1 + f * turn) % 360.0
    return course
