"""Tracks as analysts want them: split into segments, thinned without losing turns.

A vessel's track is split where the tracker split it and at gaps. The tracker
(``mda.tracks``) puts every fix on a segment (stored as ``track_segment``): two transmitters
sharing one MMSI are two segments, so splitting at time gaps alone would draw one line
zig-zagging between them. The pieces here are keyed by (mmsi, tracker segment, run between
gaps) and numbered per vessel in order of their first fix: the ``segment`` column analysts
already group by.

Fixes whose time was judged ``suspect`` are on no piece (``segment`` null): their time is not
trusted, so they can neither extend a line nor bridge a gap. They stay in the frame, with their
``time_quality``, for whoever wants the points. Other fixes stored without a tracker segment
(rows written before segments were stored, base stations and aids to navigation, which the
tracker does not follow) form one group of their own per vessel, split at gaps as before. The
tracker gives every timed vessel fix a segment, so such a group never holds fixes the tracker
told apart; at worst it is what the track was before segments (a shared MMSI stored then cannot
be told apart here, and still zig-zags).
"""

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
SUSPECT: Final = "suspect"
# Stands for "no tracker segment" in the split key (tracker ids are epoch seconds, never this),
# so that those fixes group and join like any other key.
_UNTRACKED: Final = -(2**62)


def drawable(frame: pl.DataFrame) -> pl.Expr:
    """True for fixes whose time may place them on a line: all but the suspect ones."""
    if "time_quality" not in frame.columns:
        return pl.lit(True)
    return pl.col("time_quality").ne_missing(SUSPECT)


def with_segments(positions: pl.DataFrame, gap_s: float) -> pl.DataFrame:
    """Positions sorted by vessel and time with a ``segment`` number per vessel (from 0, in
    order of each segment's first fix): a segment is the run of one tracker segment
    (``track_segment``, when the frame has it) between silences longer than ``gap_s``.
    Fixes with a suspect time get a null ``segment`` (and do not end or bridge a gap)."""
    frame = positions.sort("mmsi", "time", maintain_order=True).with_row_index("_row")
    tracker = pl.col("track_segment") if "track_segment" in frame.columns else pl.lit(None)
    key = ["mmsi", "_track"]
    gap = pl.col("time").diff().dt.total_microseconds().over(key) > gap_s * 1e6
    runs = (
        frame.filter(drawable(frame))
        .select(
            "_row", "mmsi", "time", tracker.cast(pl.Int64).fill_null(_UNTRACKED).alias("_track")
        )
        .with_columns(gap.fill_null(False).cast(pl.Int32).cum_sum().over(key).alias("_run"))
    )
    key.append("_run")
    pieces = (
        runs.group_by(key)
        .agg(pl.col("time").min().alias("_first"))
        .sort("mmsi", "_first", "_track", "_run")
        .with_columns(pl.int_range(pl.len(), dtype=pl.Int32).over("mmsi").alias("segment"))
    )
    numbered = runs.join(pieces, on=key).select("_row", "segment")
    columns = [c for c in positions.columns if c != "segment"]
    return (
        frame.drop("segment", strict=False)  # numbered afresh
        .join(numbered, on="_row", how="left", maintain_order="left")
        .select(*columns, "segment")
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
    previous fix of its segment if that is at least 50 m away; below 1 knot there is no
    course (noise). Fixes on no segment (a suspect time) are left out: a thinned track is a
    shape, and they have no place on it. The rows kept stay in the order they came in (the
    segments of a vessel whose two transmitters alternate are interleaved in time).
    """
    if not len(positions):
        return positions
    ordered = (
        positions.with_row_index("_row")
        .filter(pl.col("segment").is_not_null())
        .sort("mmsi", "segment", "time", maintain_order=True)
    )
    times = ordered["time"].dt.epoch("us").to_numpy() / 1e6
    mmsi = ordered["mmsi"].to_numpy()
    segment = ordered["segment"].to_numpy()
    starts = np.r_[True, (mmsi[1:] != mmsi[:-1]) | (segment[1:] != segment[:-1])][: len(ordered)]
    ends = np.r_[starts[1:], True][: len(ordered)]
    course = _courses(ordered, starts)
    keep = _keep(times.tolist(), course.tolist(), starts.tolist(), ends.tolist(),
                 resolution_s, turn_deg)  # fmt: skip
    return ordered.filter(pl.Series(keep, dtype=pl.Boolean)).sort("_row").drop("_row")


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


def _courses(positions: pl.DataFrame, starts: npt.NDArray[np.bool_]) -> npt.NDArray[np.float64]:
    """Course of every fix (degrees, NaN when unknown), as ``downsample`` defines it; a
    bearing is computed only from a fix of the same segment (``starts`` marks each segment's
    first row)."""
    lat = positions["lat"].to_numpy().astype(np.float64)
    lon = positions["lon"].to_numpy().astype(np.float64)
    cog = positions["cog"].cast(pl.Float64).fill_null(np.nan).to_numpy()
    sog = positions["sog"].cast(pl.Float64).fill_null(np.nan).to_numpy()
    dlon = np.r_[np.nan, (np.diff(lon) + 180.0) % 360.0 - 180.0]
    dlat = np.r_[np.nan, np.diff(lat)]
    east = dlon * np.cos(np.radians(lat))
    moved_m = np.hypot(east, dlat) * 111_195.0
    bearing = np.degrees(np.arctan2(east, dlat)) % 360.0
    computed = np.where(~starts & (moved_m >= _BEARING_MIN_M), bearing, np.nan)
    course = np.where(np.isnan(cog), computed, cog)
    return np.where(sog < TURN_MIN_SOG_KN, np.nan, course)


# -- small helpers -----------------------------------------------------------------------
