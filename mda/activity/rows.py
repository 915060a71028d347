"""The rows a user hands to ``mda activity``, whatever they came from: the table to write back
and the columns the classifier reads."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from mda.activity.motion import Floats


@dataclass(frozen=True, slots=True)
class TrackRows:
    """Rows of positions of one or more vessels, in input order.

    ``table`` is what the output repeats (a CSV's own columns as read, or the decoded AIS
    fields); the arrays are parsed from it, NaN where a value is missing or unreadable.
    ``vessel_column`` names the vessel in the events file.
    """

    table: pl.DataFrame
    vessel: list[str]
    time: Floats
    lat: Floats
    lon: Floats
    speed_kn: Floats | None
    course: Floats | None
    gear: list[str | None] | None
    vessel_column: str
    # AIS ship type of each row's vessel where known (None: not given or not known).
    ship_type: list[int | None] | None = None
