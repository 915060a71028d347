"""Tracks as analysts want them: split into segments at gaps, thinned without losing turns."""

from __future__ import annotations

import math
from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl

TURN_DEG: Final = 20.0
# Below this speed a reported course is noise (a vessel at anchor swings through every
# heading), so it neither starts nor measures a turn.
TURN_MIN_SOG_KN: Final = 1.0
# A course computed between two fixes (when none is reported) needs them this far apart.
_BEARING_MIN_M: Final = 50.0


def with_segments(positions: pl.DataFrame, gap_s: float) -> pl.DataFrame:
    """Positions sorted by vessel and time with a ``segment`` number per vessel (from 0): a
    new segment starts after every interval longer than ``gap_s`` without a position."""
    gap = pl.col("time").diff().dt.total_microseconds().over("mmsi") > gap_s * 1e6
    return positions.sort("mmsi", "time").with_columns(
        gap.fill_null(False).cast(pl.Int32).cum_sum().over("mmsi").alias("segment")
    )


def downsample(
    positions: pl.DataFrame, resolution_s: float, *, turn_deg: float = TURN_DEG
) -> pl.DataFrame:
    """Thin a track (with ``segment``) to about one fix per ``resolution_s`` without losing
    its shape. In each segment of each vessel a fix is kept when

    - it is the first or the last fix of the segment (gaps are never bridged);
    - ``resolution_s`` or more have passed since the last kept fix; or
    - its course differs by more than ``turn_deg`` from the course at the last kept fix
      (a turn): then the fix before it is kept too, so the corner stays where it was.

    The course of a fix is its reported COG, or, when none is reported, the bearing from the
    previous fix if that is at least 50 m away; below 1 knot there is no course (noise).
    """
    if not len(positions):
        return positions
    times = positions["time"].dt.epoch("us").to_numpy() / 1e6
    course = _courses(positions)
    mmsi = positions["mmsi"].to_numpy()
    segment = positions["segment"].to_numpy()
    starts = np.r_[True, (mmsi[1:] != mmsi[:-1]) | (segment[1:] != segment[:-1])]
    ends = np.r_[starts[1:], True]
    keep = _keep(times.tolist(), course.tolist(), starts.tolist(), ends.tolist(),
                 resolution_s, turn_deg)  # fmt: skip
    return positions.filter(pl.Series(keep))


def _keep(
    times: list[float], course: list[float], starts: list[bool], ends: list[bool],
    resolution_s: float, turn_deg: float,
) -> list[bool]:  # fmt: skip
    """The downsampling decision, fix by fix (a sequential rule: plain lists are fastest)."""
    keep = [False] * len(times)
    kept_time, reference = 0.0, float("nan")
    for i, t in enumerate(times):
        c = course[i]
        if starts[i]:
            keep[i], kept_time, reference = True, t, c
            continue
        known = not math.isnan(c)
        turned = known and not math.isnan(reference) and _angle(c, reference) > turn_deg
        if ends[i] or turned or t - kept_time >= resolution_s:
            keep[i], kept_time = True, t
            if turned:
                keep[i - 1] = True
            if known:
                reference = c
        elif math.isnan(reference):
            reference = c  # the kept fix had no course: measure from the first one known
    return keep


def _angle(a: float, b: float) -> float:
    return abs((a - b + 180.0) % 360.0 - 180.0)


def _courses(positions: pl.DataFrame) -> npt.NDArray[np.float64]:
    """Course of every fix (degrees, NaN when unknown), as ``downsample`` defines it."""
    lat = positions["lat"].to_numpy().astype(np.float64)
    lon = positions["lon"].to_numpy().astype(np.float64)
    cog = positions["cog"].cast(pl.Float64).fill_null(np.nan).to_numpy()
    sog = positions["sog"].cast(pl.Float64).fill_null(np.nan).to_numpy()
    dlon = np.r_[np.nan, (np.diff(lon) + 180.0) % 360.0 - 180.0]
    dlat = np.r_[np.nan, np.diff(lat)]
    east = dlon * np.cos(np.radians(lat))
    moved_m = np.hypot(east, dlat) * 111_195.0
    bearing = np.degrees(np.arctan2(east, dlat)) % 360.0
    mmsi = positions["mmsi"].to_numpy()
    same_vessel = np.r_[False, mmsi[1:] == mmsi[:-1]]
    computed = np.where(same_vessel & (moved_m >= _BEARING_MIN_M), bearing, np.nan)
    course = np.where(np.isnan(cog), computed, cog)
    return np.where(sog < TURN_MIN_SOG_KN, np.nan, course)


# -- small helpers -----------------------------------------------------------------------
