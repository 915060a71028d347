"""One batch into the database in one transaction, by binary COPY.

Positions go straight into their table: the fastest path, and the usual one. Writing the same
positions twice (a replayed recording, a spooled batch whose first attempt did commit) trips
the unique (mmsi, time) index; that batch then goes through a staging table and
``INSERT ... ON CONFLICT DO NOTHING``, so every position is stored exactly once. Identities,
zone events, zone presence and alerts always merge through staging tables.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final
from uuid import UUID

import numpy as np
import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from mda.ingest.flags import flag_of
from mda.model import Position
from mda.store.batch import StoreBatch
from mda.store.binary_copy import ZONE_HOUR_COLUMNS, chunks, timed_days, zone_hours_data
from mda.store.levels import StoreLevel
from mda.store.zone_history import correct_zone_events
from mda.zones.presence import ZoneLocator

Connection = psycopg.AsyncConnection[tuple[Any, ...]]

POSITION_COLUMNS: Final = (
    "time", "mmsi", "lat", "lon", "sog", "cog", "heading", "nav_status", "msg_type",
    "accuracy", "segment", "source", "clock", "time_quality",
)  # fmt: skip
POSITION_TYPES: Final = (
    "timestamptz", "int4", "float8", "float8", "float4", "float4", "int2", "int2", "int2",
    "bool", "int8", "text", "text", "text",
)  # fmt: skip

_STAGING = """
CREATE TEMP TABLE IF NOT EXISTS incoming_positions (LIKE positions) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS incoming_latest (
    mmsi integer, time timestamptz, lat double precision, lon double precision, sog real,
    cog real, flag text) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS incoming_statics (
    mmsi integer, time timestamptz, shipname text, callsign text, imo integer,
    ship_type smallint, flag text, to_bow smallint, to_stern smallint, to_port smallint,
    to_starboard smallint, draught real, destination text, eta text) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS incoming_zone_events (LIKE zone_events) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS incoming_zone_hours (LIKE zone_hours) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS incoming_alerts (LIKE alerts) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS incoming_alert_history (LIKE alert_history) ON COMMIT DELETE ROWS;
"""

_LATEST = """
INSERT INTO vessels AS v (mmsi, flag, last_time, last_lat, last_lon, last_sog, last_cog)
SELECT mmsi, flag, time, lat, lon, sog, cog FROM incoming_latest
ON CONFLICT (mmsi) DO UPDATE SET last_time = EXCLUDED.last_time,
    flag = coalesce(v.flag, EXCLUDED.flag),
    last_lat = EXCLUDED.last_lat, last_lon = EXCLUDED.last_lon,
    last_sog = EXCLUDED.last_sog, last_cog = EXCLUDED.last_cog
WHERE v.last_time IS NULL OR EXCLUDED.last_time > v.last_time
"""


def _latest_of(field: str) -> str:
    return f"(array_agg({field} ORDER BY time DESC) FILTER (WHERE {field} IS NOT NULL))[1]"


_STATIC_FIELDS: Final = (
    "shipname", "callsign", "imo", "ship_type", "to_bow", "to_stern", "to_port",
    "to_starboard", "draught", "destination", "eta",
)  # fmt: skip
_IDENTITY: Final = ("shipname", "callsign", "imo", "ship_type", "flag")

# Per vessel, the newest value of each field in the batch, completed by what is stored (a type
# 24 part A brings only the name). An identity (name, call sign, IMO, type, flag) different
# from the stored one, and newer, is recorded in vessel_identity with its time; replaying old
# data changes neither the vessel nor its history.
_STATICS = f"""
WITH latest AS (
    SELECT mmsi, max(time) AS time, max(flag) AS flag,
        {", ".join(f"{_latest_of(f)} AS {f}" for f in _STATIC_FIELDS)}
    FROM incoming_statics GROUP BY mmsi
), merged AS (
    SELECT l.mmsi, l.time, l.flag,
        {", ".join(f"coalesce(l.{f}, v.{f}) AS {f}" for f in _STATIC_FIELDS)},
        v.mmsi IS NULL AS first_seen, v.static_time,
        ROW({", ".join(f"v.{f}" for f in _IDENTITY)}) AS stored_identity
    FROM latest l LEFT JOIN vessels v USING (mmsi)
), changes AS (
    INSERT INTO vessel_identity (mmsi, time, {", ".join(_IDENTITY)})
    SELECT mmsi, time, {", ".join(_IDENTITY)} FROM merged
    WHERE static_time IS NULL OR (time > static_time
        AND ROW({", ".join(_IDENTITY)}) IS DISTINCT FROM stored_identity)
    ON CONFLICT DO NOTHING
)
INSERT INTO vessels AS v (mmsi, static_time, flag, {", ".join(_STATIC_FIELDS)})
SELECT mmsi, time, flag, {", ".join(_STATIC_FIELDS)} FROM merged
ON CONFLICT (mmsi) DO UPDATE SET static_time = EXCLUDED.static_time, flag = EXCLUDED.flag,
    {", ".join(f"{f} = EXCLUDED.{f}" for f in _STATIC_FIELDS)}
WHERE v.static_time IS NULL OR EXCLUDED.static_time >= v.static_time
"""

_ZONE_EVENTS = """
INSERT INTO zone_events SELECT * FROM incoming_zone_events ON CONFLICT DO NOTHING
"""
_ZONE_HOURS = """
INSERT INTO zone_hours AS h (hour, zone_id, mmsi, first_time, last_time)
SELECT hour, zone_id, mmsi, min(first_time), max(last_time)
FROM incoming_zone_hours GROUP BY hour, zone_id, mmsi
ON CONFLICT (zone_id, hour, mmsi) DO UPDATE SET
    first_time = LEAST(h.first_time, EXCLUDED.first_time),
    last_time = GREATEST(h.last_time, EXCLUDED.last_time)
"""
_ALERTS = """
INSERT INTO alerts AS a SELECT DISTINCT ON (alert_id) * FROM incoming_alerts
ORDER BY alert_id, updated DESC
ON CONFLICT (alert_id) DO UPDATE SET state = EXCLUDED.state, updated = EXCLUDED.updated,
    severity = EXCLUDED.severity, message = EXCLUDED.message, body = EXCLUDED.body,
    zone_id = EXCLUDED.zone_id
WHERE EXCLUDED.updated >= a.updated;
INSERT INTO alert_history SELECT * FROM incoming_alert_history ON CONFLICT DO NOTHING
"""


def _ts(t: float) -> datetime:
    return datetime.fromtimestamp(t, UTC)


def position_rows(positions: Iterable[Position]) -> list[tuple[Any, ...]]:
    """COPY rows of positions that have a time, one per (mmsi, time): the first wins."""
    seen: set[tuple[int, float]] = set()
    rows = []
    for p in positions:
        t = p.time
        if t is None or (p.mmsi, t) in seen:
            continue
        seen.add((p.mmsi, t))
        rows.append(
            (_ts(t), p.mmsi, p.lat, p.lon, p.sog, p.cog, p.heading, p.nav_status, p.msg_type,
             p.accuracy, p.segment, p.source, p.clock, p.time_quality)
        )  # fmt: skip
    return rows


async def copy_rows(
    conn: Connection,
    table: str,
    columns: Sequence[str],
    types: Sequence[str] | None,
    rows: Iterable[Sequence[Any]],
) -> None:
    """Binary COPY (text COPY when ``types`` is None) of ``rows`` into ``table``."""
    statement = sql.SQL("COPY {} ({}) FROM STDIN{}").format(
        sql.Identifier(table),
        sql.SQL(", ").join(map(sql.Identifier, columns)),
        sql.SQL(" (FORMAT BINARY)" if types is not None else ""),
    )
    async with conn.cursor() as cur, cur.copy(statement) as copy:
        if types is not None:
            copy.set_types(list(types))
        for row in rows:
            await copy.write_row(row)


async def prepare_connection(conn: Connection) -> None:
    """Staging tables of this session (temporary: each connection has its own)."""
    await conn.execute(_STAGING.encode())
    await conn.commit()


async def write_batch(
    conn: Connection,
    batch: StoreBatch,
    level: StoreLevel,
    known_days: set[int],
    latest: list[Position] | None = None,
    locate: ZoneLocator | None = None,
) -> int:
    """Write a batch in one transaction, with ``latest`` positions of vessels to record as
    their last known; returns the positions the batch carried (duplicates of stored ones
    included: they are stored once). With ``locate``, the zone events around the batch's late
    fixes are put right (``zone_history``). ``known_days`` (days since the epoch that have
    their partition or chunk) gains the batch's days once it is committed: the caller decides
    beforehand which new days a batch may bring (``guard``)."""
    stored, day_numbers = timed_days(batch.positions)
    async with conn.transaction():
        if stored:
            if level is StoreLevel.POSTGRES:
                # Only the days that occur: one stray old time must not create a partition for
                # every day since.
                await ensure_partitions(
                    conn, {_EPOCH_DAY + timedelta(days=d) for d in day_numbers - known_days}
                )
            await _write_positions(conn, batch.positions)
        if latest:
            await _write_latest(conn, latest)
        if batch.statics:
            await _write_statics(conn, batch)
        if batch.zone_events:
            await copy_rows(
                conn, "incoming_zone_events",
                ("time", "mmsi", "zone_id", "event", "lat", "lon"),
                ("timestamptz", "int4", "text", "text", "float8", "float8"),
                ((_ts(e.time), e.mmsi, e.zone_id, e.event, e.lat, e.lon)
                 for e in batch.zone_events),
            )  # fmt: skip
            await conn.execute(_ZONE_EVENTS.encode())
        if batch.late_fixes and locate is not None:
            await correct_zone_events(conn, batch.late_fixes, locate)
        if batch.zone_hours:
            await copy_data(conn, "incoming_zone_hours", ZONE_HOUR_COLUMNS,
                            [zone_hours_data(batch.zone_hours)])  # fmt: skip
            await conn.execute(_ZONE_HOURS.encode())
        if batch.alerts:
            await _write_alerts(conn, batch)
    known_days |= day_numbers  # known only once committed
    return stored


_EPOCH_DAY: Final = date(1970, 1, 1)


async def copy_data(
    conn: Connection, table: str, columns: Sequence[str], data: Iterable[bytes]
) -> None:
    """COPY ready-made binary data (header, rows, trailer) into ``table``, piece by piece."""
    statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    async with conn.cursor() as cur, cur.copy(statement) as copy:
        for piece in data:
            await copy.write(piece)


async def _write_positions(conn: Connection, positions: list[Position]) -> None:
    try:
        async with conn.transaction():  # a savepoint: a duplicate undoes only this COPY
            await copy_data(conn, "positions", POSITION_COLUMNS, chunks(positions))
    except psycopg.errors.UniqueViolation:
        await copy_data(conn, "incoming_positions", POSITION_COLUMNS, chunks(positions))
        await conn.execute(
            b"INSERT INTO positions SELECT * FROM incoming_positions ON CONFLICT DO NOTHING"
        )


def newest_positions(positions: Sequence[Position], into: dict[int, Position]) -> None:
    """Keep in ``into`` each vessel's newest position with a fix (by time, not arrival)."""
    fixes = [p for p in positions if p.time is not None and p.lat is not None]
    if not fixes:
        return
    mmsi = np.fromiter((p.mmsi for p in fixes), np.int64, len(fixes))
    times = np.fromiter((p.time for p in fixes), np.float64, len(fixes))
    order = np.lexsort((times, mmsi))
    last = np.ones(len(order), dtype=bool)
    last[:-1] = mmsi[order][1:] != mmsi[order][:-1]
    for i in order[last].tolist():
        p = fixes[i]
        held = into.get(p.mmsi)
        if held is None or p.time > held.time:
            into[p.mmsi] = p


async def _write_latest(conn: Connection, latest: list[Position]) -> None:
    await copy_rows(
        conn, "incoming_latest", ("mmsi", "time", "lat", "lon", "sog", "cog", "flag"),
        ("int4", "timestamptz", "float8", "float8", "float4", "float4", "text"),
        ((p.mmsi, _ts(p.time), p.lat, p.lon, p.sog, p.cog, flag_of(p.mmsi))  # type: ignore[arg-type]
         for p in latest),
    )  # fmt: skip
    await conn.execute(_LATEST.encode())


async def _write_statics(conn: Connection, batch: StoreBatch) -> None:
    rows = [
        (s.mmsi, _ts(s.time), s.shipname, s.callsign, s.imo, s.ship_type, flag_of(s.mmsi),
         s.to_bow, s.to_stern, s.to_port, s.to_starboard, s.draught, s.destination, s.eta)
        for s in batch.statics
        if s.time is not None
    ]  # fmt: skip
    if not rows:
        return
    await copy_rows(
        conn, "incoming_statics",
        ("mmsi", "time", "shipname", "callsign", "imo", "ship_type", "flag", "to_bow",
         "to_stern", "to_port", "to_starboard", "draught", "destination", "eta"),
        ("int4", "timestamptz", "text", "text", "int4", "int2", "text", "int2", "int2", "int2",
         "int2", "float4", "text", "text"),
        rows,
    )  # fmt: skip
    await conn.execute(_STATICS.encode())


async def _write_alerts(conn: Connection, batch: StoreBatch) -> None:
    await copy_rows(
        conn, "incoming_alerts",
        ("alert_id", "dedup_key", "rule", "severity", "state", "start", "updated", "mmsi",
         "zone_id", "message", "body"),
        ("uuid", "text", "text", "text", "text", "timestamptz", "timestamptz", "int4", "text",
         "text", "jsonb"),
        ((UUID(a.alert_id), a.dedup_key, a.rule, a.severity, a.state, _ts(a.start),
          _ts(a.updated), a.mmsi, a.zone_id, a.message, Jsonb(a.body)) for a in batch.alerts),
    )  # fmt: skip
    await copy_rows(
        conn, "incoming_alert_history",
        ("alert_id", "time", "state", "actor", "note", "body"),
        ("uuid", "timestamptz", "text", "text", "text", "jsonb"),
        ((UUID(a.alert_id), _ts(a.updated), a.state, a.actor, a.note, Jsonb(a.body))
         for a in batch.alerts),
    )  # fmt: skip
    await conn.execute(_ALERTS.encode())


def partition_name(day: date) -> str:
    """Name of the daily partition of positions (plain PostgreSQL)."""
    return f"positions_p{day:%Y%m%d}"


# An advisory lock id of mda's own ("mdaP" in ASCII).
PARTITION_LOCK = 0x6D646150


async def ensure_partitions(conn: Connection, days: set[date]) -> set[date]:
    """Create the daily partitions of ``days`` if they do not exist (plain PostgreSQL)."""
    if days:
        # Several writers (scale-out workers) may meet a new day at once, and concurrent
        # CREATE TABLE IF NOT EXISTS can still collide: one at a time, until commit.
        await conn.execute("SELECT pg_advisory_xact_lock(%s)", (PARTITION_LOCK,))
    for day in sorted(days):
        await conn.execute(
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {} PARTITION OF positions FOR VALUES FROM ({}) TO ({})"
            ).format(
                sql.Identifier(partition_name(day)),
                sql.Literal(datetime(day.year, day.month, day.day, tzinfo=UTC)),
                sql.Literal(datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1)),
            )
        )
    return days
