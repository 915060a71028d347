"""PostgreSQL binary COPY data for positions and zone hours, built with numpy instead of row by
row.

The binary COPY format is a header, then per row a field count and, per field, a length and
the value in network byte order (length -1 for NULL), then a trailer. Rows with the same NULL
fields and the same texts (source, clock, time quality) have the same layout: each such group
is one numpy structured array, filled column by column and written with ``tobytes``. Row order
within a COPY does not matter to the table, so groups are written one after the other.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from mda.model import Position, ZoneHour

HEADER: Final = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
TRAILER: Final = b"\xff\xff"
PG_EPOCH_S: Final = 946_684_800.0  # 2000-01-01T00:00:00Z, the zero of PostgreSQL timestamps

# Column order of positions (see schema), with the numpy type of each value.
_COLUMNS: Final = (
    ("time", ">i8"),
    ("mmsi", ">i4"),
    ("lat", ">f8"),
    ("lon", ">f8"),
    ("sog", ">f4"),
    ("cog", ">f4"),
    ("heading", ">i2"),
    ("nav_status", ">i2"),
    ("msg_type", ">i2"),
    ("accuracy", "u1"),
    ("segment", ">i8"),
)
# Text columns after them, in table order.
_TEXTS: Final = ("source", "clock", "time_quality")
# Position tuple index of each column.
_INDEX: Final = {
    "time": 0, "mmsi": 1, "msg_type": 2, "lat": 3, "lon": 4, "sog": 5, "cog": 6,
    "heading": 7, "nav_status": 8, "accuracy": 10, "source": 11, "clock": 18,
    "time_quality": 19, "segment": 20,
}  # fmt: skip
_NULLABLE: Final = ("lat", "lon", "sog", "cog", "heading", "nav_status", "accuracy", "segment")
ZONE_HOUR_COLUMNS: Final = ("hour", "zone_id", "mmsi", "first_time", "last_time")


def pg_times(epoch_s: npt.NDArray[np.float64]) -> npt.NDArray[Any]:
    """Epoch seconds as PostgreSQL timestamps (microseconds since 2000), in network order."""
    return np.round((epoch_s - PG_EPOCH_S) * 1e6).astype(">i8")


def _nullable(values: Sequence[Any], dtype: str) -> tuple[npt.NDArray[Any], npt.NDArray[np.bool_]]:
    objects = np.array(values, dtype=object)
    null: npt.NDArray[np.bool_] = objects == None  # noqa: E711 - elementwise, not identity
    if null.any():
        objects[null] = 0
    return objects.astype(dtype), null


def chunks(positions: Sequence[Position], size: int = 1_000) -> Iterator[bytes]:
    """The COPY data of ``positions`` in pieces of ``size`` rows, header first and trailer
    last, so that the server ingests one piece while the next is built. (Duplicates within a
    piece are dropped; across pieces the unique index catches them.)"""
    yield HEADER
    for start in range(0, len(positions), size):
        data, _, _, _ = positions_rows_data(positions[start : start + size])
        yield data
    yield TRAILER


def distinct_positions(
    positions: Sequence[Position], latest: dict[int, float]
) -> tuple[list[Position], int, dict[int, float]]:
    """Timed positions without repeats of (mmsi, time) - the store keeps the first - within
    the list and against ``latest`` (each vessel's newest time already written), so that the
    COPY rarely meets the unique index. Returns them, how many were dropped, and the newest
    time of each vessel among them (for ``latest`` once they are committed)."""
    timed = [p for p in positions if p.time is not None]
    if not timed:
        return [], 0, {}
    mmsi = np.fromiter((p.mmsi for p in timed), np.int64, len(timed))
    time_s = np.fromiter((p.time for p in timed), np.float64, len(timed))
    order = np.lexsort((time_s, mmsi))
    repeat = np.zeros(len(order), dtype=bool)
    repeat[1:] = (mmsi[order][1:] == mmsi[order][:-1]) & (time_s[order][1:] == time_s[order][:-1])
    keep = np.sort(order[~repeat])
    before = np.array([latest.get(m, -1.0) for m in mmsi[keep].tolist()])
    keep = keep[time_s[keep] != before]
    last = np.ones(len(order), dtype=bool)
    last[:-1] = mmsi[order][1:] != mmsi[order][:-1]
    newest = dict(zip(mmsi[order][last].tolist(), time_s[order][last].tolist(), strict=True))
    return [timed[i] for i in keep.tolist()], len(timed) - len(keep), newest


def timed_days(positions: Sequence[Position]) -> tuple[int, set[int]]:
    """How many positions have a time, and the days (since the epoch, UTC) they fall on."""
    times = [p.time for p in positions if p.time is not None]
    days = set((np.array(times) // 86_400.0).astype(np.int64).tolist()) if times else set()
    return len(times), days


def positions_rows_data(positions: Sequence[Position]) -> tuple[bytes, int, float, float]:
    """The row part of COPY data (no header or trailer), with count and time range."""
    timed = [p for p in positions if p.time is not None]
    if not timed:
        return b"", 0, 0.0, 0.0
    columns = list(zip(*timed, strict=True))
    time_s = np.array(columns[_INDEX["time"]], dtype=np.float64)
    mmsi = np.array(columns[_INDEX["mmsi"]], dtype=np.int64)
    # Keep the first of rows sharing (mmsi, time): lexsort is stable.
    order = np.lexsort((time_s, mmsi))
    repeat = np.zeros(len(order), dtype=bool)
    repeat[1:] = (mmsi[order][1:] == mmsi[order][:-1]) & (time_s[order][1:] == time_s[order][:-1])
    keep = np.sort(order[~repeat])

    values: dict[str, npt.NDArray[Any]] = {
        "time": pg_times(time_s),
        "mmsi": mmsi.astype(">i4"),
        "msg_type": np.array(columns[_INDEX["msg_type"]], dtype=">i2"),
    }
    nulls: dict[str, npt.NDArray[np.bool_]] = {}
    types = dict(_COLUMNS)
    for name in _NULLABLE:
        values[name], nulls[name] = _nullable(columns[_INDEX[name]], types[name])
    index: dict[tuple[str | None, ...], int] = {}
    text_id = np.array(
        [
            index.setdefault(texts, len(index))
            for texts in zip(*(columns[_INDEX[name]] for name in _TEXTS), strict=True)
        ],
        dtype=np.int64,
    )
    names = list(index)
    pattern = np.zeros(len(timed), dtype=np.int64)
    for bit, name in enumerate(_NULLABLE):
        pattern |= nulls[name].astype(np.int64) << bit
    group = pattern * len(names) + text_id

    parts = []
    kept = np.zeros(len(timed), dtype=bool)
    kept[keep] = True
    for key in np.unique(group[keep]).tolist():
        rows = np.flatnonzero((group == key) & kept)
        null_bits = key // len(names)
        texts = [None if t is None else str(t).encode() for t in names[key % len(names)]]
        parts.append(_group_bytes(values, rows, null_bits, texts))
    return b"".join(parts), len(keep), float(time_s.min()), float(time_s.max())


def _group_bytes(
    values: dict[str, npt.NDArray[Any]],
    rows: npt.NDArray[np.intp],
    null_bits: int,
    texts: list[bytes | None],
) -> bytes:
    fields: list[tuple[str, str]] = [("count", ">i2")]
    for name, dtype in _COLUMNS:
        fields.append((f"{name}_len", ">i4"))
        present = name not in _NULLABLE or not (null_bits >> _NULLABLE.index(name)) & 1
        if present:
            fields.append((name, dtype))
    for name, text in zip(_TEXTS, texts, strict=True):
        fields.append((f"{name}_len", ">i4"))
        if text:
            fields.append((name, f"S{len(text)}"))
    out = np.zeros(len(rows), dtype=fields)
    out["count"] = len(_COLUMNS) + len(_TEXTS)
    for name, dtype in _COLUMNS:
        if name in out.dtype.names:  # type: ignore[operator]
            out[f"{name}_len"] = np.dtype(dtype).itemsize
            out[name] = values[name][rows]
        else:
            out[f"{name}_len"] = -1
    for name, text in zip(_TEXTS, texts, strict=True):
        out[f"{name}_len"] = -1 if text is None else len(text)
        if text:
            out[name] = text
    return out.tobytes()


def zone_hours_data(hours: Sequence[ZoneHour]) -> bytes:
    """The COPY data (header, rows, trailer) of zone hours, columns ``ZONE_HOUR_COLUMNS``: the
    rows of each zone (whose id has one length) as one structured array."""
    if not hours:
        return HEADER + TRAILER
    hour, zone_ids, mmsi, first, last = zip(*hours, strict=True)
    index: dict[str, int] = {}
    zone = np.fromiter((index.setdefault(z, len(index)) for z in zone_ids), np.int64, len(hours))
    times = {name: pg_times(np.array(column, dtype=np.float64))
             for name, column in (("hour", hour), ("first_time", first), ("last_time", last))}
    mmsi_be = np.array(mmsi, dtype=">i4")
    parts = [HEADER]
    for zone_id, k in index.items():
        rows = np.flatnonzero(zone == k)
        text = zone_id.encode()
        out = np.zeros(len(rows), dtype=[
            ("count", ">i2"), ("hour_len", ">i4"), ("hour", ">i8"),
            ("zone_id_len", ">i4"), ("zone_id", f"S{len(text)}"),
            ("mmsi_len", ">i4"), ("mmsi", ">i4"), ("first_time_len", ">i4"),
            ("first_time", ">i8"), ("last_time_len", ">i4"), ("last_time", ">i8"),
        ])  # fmt: skip
        out["count"] = len(ZONE_HOUR_COLUMNS)
        out["zone_id_len"], out["zone_id"] = len(text), text
        out["mmsi_len"], out["mmsi"] = 4, mmsi_be[rows]
        for name, values in times.items():
            out[f"{name}_len"], out[name] = 8, values[rows]
        parts.append(out.tobytes())
    parts.append(TRAILER)
    return b"".join(parts)
