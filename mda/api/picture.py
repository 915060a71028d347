"""The live picture as a table: one row per vessel, filtered and paged without Python loops.

A picture is built in two steps. On the event loop, between pipeline steps, the vessel state is
read into plain columns (:func:`vessel_columns`, :func:`shared_columns`): a pass over Python
objects that must see a consistent state. In a worker thread the columns become a polars frame
and each row's JSON (:func:`build_picture`), once. Requests then filter the frame by zone, ship
type, flag or box in one vectorised call and join the selected rows' ready JSON, so the picture
of 10,000 vessels is answered in milliseconds however often it is asked for.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final

import polars as pl
import pyarrow as pa  # type: ignore[import-untyped]

from mda.feeds.core import SharedPosition
from mda.ingest.flags import flag_of
from mda.tracks import VesselState
from mda.zones.index import ZoneIndex

ISO_MS: Final = "%Y-%m-%dT%H:%M:%S%.3fZ"
DECIMALS: Final = 6  # the alert contract's precision of positions

# Columns of a vessel row, in order, as the API returns them.
VESSEL_COLUMNS: Final = (
    "mmsi", "shipname", "callsign", "imo", "ship_type", "flag", "destination", "length_m",
    "lat", "lon", "sog", "cog", "heading", "time", "last_seen", "zones",
)  # fmt: skip
_SCALARS: Final[dict[str, Any]] = {
    "mmsi": pl.Int64, "shipname": pl.String, "callsign": pl.String, "imo": pl.Int64,
    "ship_type": pl.Int64, "flag": pl.String, "destination": pl.String, "length_m": pl.Int64,
    "lat": pl.Float64, "lon": pl.Float64, "sog": pl.Float64, "cog": pl.Float64,
    "heading": pl.Int64, "time_s": pl.Float64, "last_seen_s": pl.Float64,
}  # fmt: skip

flag = lru_cache(maxsize=65_536)(flag_of)  # a vessel's flag never changes


@dataclass(slots=True)
class VesselColumns:
    """Vessel rows as plain columns, and their zones as a flat list with offsets."""

    scalars: dict[str, list[Any]]
    zone_offsets: list[int]
    zone_values: list[str]


def _empty() -> VesselColumns:
    return VesselColumns({name: [] for name in _SCALARS}, [0], [])


def vessel_columns(states: Iterable[VesselState], zone_ids: Sequence[str]) -> VesselColumns:
    """mda's picture: every vessel with a fix, as the pipeline knows it now."""
    out = _empty()
    add = [out.scalars[n].append for n in _SCALARS]
    offsets, values = out.zone_offsets, out.zone_values
    for s in states:
        seg = s.current
        if seg is None:
            continue  # heard only in static reports: nowhere to show it
        row = (
            s.mmsi, s.shipname, s.callsign, s.imo, s.ship_type, flag(s.mmsi), s.destination,
            s.length_m, seg.lat, seg.lon, seg.sog, seg.cog, seg.heading, seg.time, s.last_seen,
        )  # fmt: skip
        for append, value in zip(add, row, strict=True):
            append(value)
        values.extend(sorted(zone_ids[i] for i in s.zones))
        offsets.append(len(values))
    return out


def shared_columns(positions: Iterable[SharedPosition], index: ZoneIndex | None) -> VesselColumns:
    """A partner's picture: the latest position released to it of each vessel, as rounded
    for it; zones are those of the rounded position (the partner knows no better one)."""
    rows = list(positions)
    zones: list[list[str]] = [[] for _ in rows]
    if index is not None and rows:
        zones = index.locate([p.lon for p in rows], [p.lat for p in rows]).per_point(len(rows))
    out = _empty()
    add = [out.scalars[n].append for n in _SCALARS]
    for p, in_zones in zip(rows, zones, strict=True):
        row = (
            p.mmsi, p.shipname, p.callsign, p.imo, p.ship_type, flag(p.mmsi), p.destination,
            None, p.lat, p.lon, p.sog, p.cog, p.heading, p.time, p.time,
        )  # fmt: skip
        for append, value in zip(add, row, strict=True):
            append(value)
        out.zone_values.extend(sorted(in_zones))
        out.zone_offsets.append(len(out.zone_values))
    return out


def _iso(column: str) -> pl.Expr:
    millis = (pl.col(column) * 1000.0).round(0).cast(pl.Int64)
    return pl.from_epoch(millis, time_unit="ms").dt.strftime(ISO_MS)


@dataclass(frozen=True, slots=True)
class Picture:
    """Vessel rows sorted by MMSI: a frame to filter, and each row's JSON to answer with."""

    frame: pl.DataFrame
    rows: list[bytes]

    def __len__(self) -> int:
        return len(self.rows)

    def _json(self, indexes: pl.Series) -> bytes:
        rows = self.rows
        return b"[" + b",".join([rows[i] for i in indexes.to_list()]) + b"]"

    def select(self, selection: PictureFilter) -> pl.Series:
        """Positions (row numbers) of the rows ``selection`` admits."""
        expression = selection.expression()
        frame = self.frame if expression is None else self.frame.filter(expression)
        return frame["row"]

    def page(self, selection: PictureFilter, limit: int, offset: int) -> bytes:
        """A page of the selected rows: ``{"total", "limit", "offset", "vessels"}``."""
        indexes = self.select(selection)
        head = f'{{"total":{len(indexes)},"limit":{limit},"offset":{offset},"vessels":'
        return head.encode() + self._json(indexes.slice(offset, limit)) + b"}"

    def rows_json(self, selection: PictureFilter) -> bytes:
        """The selected rows as a JSON array (empty: ``b""``)."""
        indexes = self.select(selection)
        return self._json(indexes) if len(indexes) else b""

    def row(self, i: int) -> dict[str, Any]:
        """One row as a dict."""
        return self.frame.select(VESSEL_COLUMNS).row(i, named=True)


def build_picture(columns: VesselColumns) -> Picture:
    """The picture of some columns (pure: runs in a worker thread)."""
    zones = pa.ListArray.from_arrays(
        pa.array(columns.zone_offsets, pa.int32()), pa.array(columns.zone_values, pa.string())
    )
    frame = pl.DataFrame(columns.scalars, schema=_SCALARS).with_columns(
        pl.Series("zones", zones, dtype=pl.List(pl.String))
    )
    frame = (
        frame.sort("mmsi")
        .with_columns(
            pl.col("lat").round(DECIMALS),
            pl.col("lon").round(DECIMALS),
            _iso("time_s").alias("time"),
            _iso("last_seen_s").alias("last_seen"),
        )
        .with_row_index("row")
    )
    text = frame.select(VESSEL_COLUMNS).write_ndjson() if len(frame) else ""
    return Picture(frame, text.encode().splitlines())


@dataclass(frozen=True, slots=True)
class PictureFilter:
    """What a client asked to see of the picture; empty parts select everything."""

    zone: str | None = None
    ship_types: tuple[tuple[int, int], ...] = ()  # inclusive ranges
    flags: frozenset[str] = frozenset()
    bbox: tuple[float, float, float, float] | None = None  # west, south, east, north
    mmsi: frozenset[int] = frozenset()

    def expression(self) -> pl.Expr | None:
        """The filter as one polars expression (None: no filter)."""
        parts: list[pl.Expr] = []
        if self.zone is not None:
            parts.append(pl.col("zones").list.contains(self.zone))
        if self.ship_types:
            t = pl.col("ship_type")
            parts.append(pl.any_horizontal([t.is_between(lo, hi) for lo, hi in self.ship_types]))
        if self.flags:
            parts.append(pl.col("flag").is_in(sorted(self.flags)))
        if self.bbox is not None:
            west, south, east, north = self.bbox
            lon = pl.col("lon")
            in_lon = lon.is_between(west, east) if west <= east else (lon >= west) | (lon <= east)
            parts.append(pl.col("lat").is_between(south, north) & in_lon)
        if self.mmsi:
            parts.append(pl.col("mmsi").is_in(sorted(self.mmsi)))
        if not parts:
            return None
        return pl.all_horizontal(parts).fill_null(False)
