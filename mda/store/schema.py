"""Versioned schema migrations, the same tables on every level, level-specific storage.

Migrations are applied in order, each once, under an advisory lock (several workers may start
together), and recorded in ``mda_schema_migrations``; applying them again does nothing. The
statements for the full TimescaleDB build are kept exact to Timescale's documentation and
small: a test runs them on the Apache build and checks that each one is refused for its
licence (so it parsed and reached the feature check), and runs them for real wherever a full
build is available.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg

from mda.store.levels import StoreLevel
from mda.store.settings import StoreSettings

CORE = """
CREATE TABLE IF NOT EXISTS vessels (
    mmsi integer PRIMARY KEY,
    shipname text,
    callsign text,
    imo integer,
    ship_type smallint,
    flag text,
    to_bow smallint,
    to_stern smallint,
    to_port smallint,
    to_starboard smallint,
    draught real,
    destination text,
    eta text,
    static_time timestamptz,
    last_time timestamptz,
    last_lat double precision,
    last_lon double precision,
    last_sog real,
    last_cog real
);
CREATE TABLE IF NOT EXISTS vessel_identity (
    mmsi integer NOT NULL,
    time timestamptz NOT NULL,
    shipname text,
    callsign text,
    imo integer,
    ship_type smallint,
    flag text,
    PRIMARY KEY (mmsi, time)
);
CREATE TABLE IF NOT EXISTS zone_events (
    time timestamptz NOT NULL,
    mmsi integer NOT NULL,
    zone_id text NOT NULL,
    event text NOT NULL CHECK (event IN ('enter', 'exit')),
    lat double precision,
    lon double precision,
    PRIMARY KEY (mmsi, time, zone_id, event)
);
CREATE INDEX IF NOT EXISTS zone_events_zone_time ON zone_events (zone_id, time);
CREATE TABLE IF NOT EXISTS alerts (
    alert_id uuid PRIMARY KEY,
    dedup_key text NOT NULL,
    rule text NOT NULL,
    severity text NOT NULL CHECK (severity IN ('alarm', 'warning', 'caution')),
    state text NOT NULL CHECK (state IN ('open', 'acknowledged', 'cleared', 'retracted')),
    start timestamptz NOT NULL,
    updated timestamptz NOT NULL,
    mmsi integer,
    zone_id text,
    message text,
    body jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS alerts_mmsi_start ON alerts (mmsi, start);
CREATE INDEX IF NOT EXISTS alerts_rule_start ON alerts (rule, start);
CREATE TABLE IF NOT EXISTS alert_history (
    alert_id uuid NOT NULL REFERENCES alerts (alert_id) ON DELETE CASCADE,
    time timestamptz NOT NULL,
    state text NOT NULL,
    actor text,
    note text,
    body jsonb,
    PRIMARY KEY (alert_id, time, state)
);
"""

POSITIONS_COLUMNS = """
    time timestamptz NOT NULL,
    mmsi integer NOT NULL,
    lat double precision,
    lon double precision,
    sog real,
    cog real,
    heading smallint,
    nav_status smallint,
    msg_type smallint NOT NULL,
    accuracy boolean,
    source text
"""

# A vessel's presence in a zone during an hour (first and last position there): idempotent,
# so a replay cannot inflate it.
ZONE_HOURS_COLUMNS = """
    hour timestamptz NOT NULL,
    zone_id text NOT NULL,
    mmsi integer NOT NULL,
    first_time timestamptz NOT NULL,
    last_time timestamptz NOT NULL
"""

# Hourly summaries, written once and used by the same queries on every level: a continuous
# aggregate on the full build, a view computing the same columns elsewhere.
VESSEL_HOURS_SELECT = """
SELECT time_bucket(INTERVAL '1 hour', time) AS hour, mmsi,
       count(*) AS positions, avg(sog) AS mean_sog, max(sog) AS max_sog,
       min(lat) AS min_lat, max(lat) AS max_lat, min(lon) AS min_lon, max(lon) AS max_lon,
       min(time) AS first_time, max(time) AS last_time
FROM positions GROUP BY 1, 2
"""
ZONE_TRAFFIC_SELECT = """
SELECT time_bucket(INTERVAL '1 hour', hour) AS hour, zone_id,
       count(*) AS vessels
FROM zone_hours GROUP BY 1, 2
"""
# The same without TimescaleDB (date_trunc of an hour is time_bucket of an hour).
PLAIN_TIME_BUCKET = "date_trunc('hour', {column}, 'UTC')"  # hours of UTC, whatever the session


def _plain(select: str, column: str) -> str:
    return select.replace(
        f"time_bucket(INTERVAL '1 hour', {column})", PLAIN_TIME_BUCKET.format(column=column)
    )


def positions_ddl(level: StoreLevel, settings: StoreSettings) -> list[str]:
    """Statements creating ``positions`` and ``zone_hours`` for a level."""
    chunk = f"INTERVAL '{settings.chunk_interval_days} days'"
    if level is StoreLevel.POSTGRES:
        return [
            f"CREATE TABLE IF NOT EXISTS positions ({POSITIONS_COLUMNS}) PARTITION BY RANGE (time)",
            "CREATE UNIQUE INDEX IF NOT EXISTS positions_mmsi_time ON positions (mmsi, time)",
            "CREATE INDEX IF NOT EXISTS positions_time_brin ON positions USING brin (time)",
            f"CREATE TABLE IF NOT EXISTS zone_hours ({ZONE_HOURS_COLUMNS}, "
            "PRIMARY KEY (zone_id, hour, mmsi))",
        ]
    return [
        f"CREATE TABLE IF NOT EXISTS positions ({POSITIONS_COLUMNS})",
        f"SELECT create_hypertable('positions', by_range('time', {chunk}), if_not_exists => true)",
        "CREATE UNIQUE INDEX IF NOT EXISTS positions_mmsi_time ON positions (mmsi, time)",
        f"CREATE TABLE IF NOT EXISTS zone_hours ({ZONE_HOURS_COLUMNS}, "
        "PRIMARY KEY (zone_id, hour, mmsi))",
        "SELECT create_hypertable('zone_hours', by_range('hour', INTERVAL '7 days'), "
        "if_not_exists => true)",
    ]


def full_timescale_ddl(settings: StoreSettings) -> list[str]:
    """Compression, retention and continuous aggregates: the full build only."""
    return [
        "ALTER TABLE positions SET (timescaledb.compress, "
        "timescaledb.compress_segmentby = 'mmsi', timescaledb.compress_orderby = 'time DESC')",
        f"SELECT add_compression_policy('positions', INTERVAL '{settings.compress_after_days} "
        "days', if_not_exists => true)",
        f"SELECT add_retention_policy('positions', INTERVAL '{settings.retention_days} days', "
        "if_not_exists => true)",
        "CREATE MATERIALIZED VIEW IF NOT EXISTS vessel_hours WITH (timescaledb.continuous) AS "
        f"{VESSEL_HOURS_SELECT} WITH NO DATA",
        "SELECT add_continuous_aggregate_policy('vessel_hours', start_offset => INTERVAL "
        "'3 days', end_offset => INTERVAL '1 hour', schedule_interval => INTERVAL '30 minutes', "
        "if_not_exists => true)",
        "CREATE MATERIALIZED VIEW IF NOT EXISTS zone_traffic WITH (timescaledb.continuous) AS "
        f"{ZONE_TRAFFIC_SELECT} WITH NO DATA",
        "SELECT add_continuous_aggregate_policy('zone_traffic', start_offset => INTERVAL "
        "'3 days', end_offset => INTERVAL '1 hour', schedule_interval => INTERVAL '30 minutes', "
        "if_not_exists => true)",
    ]


def summaries_ddl(level: StoreLevel, settings: StoreSettings) -> list[str]:
    """The hourly summaries for a level."""
    if level is StoreLevel.TIMESCALE:
        return full_timescale_ddl(settings)
    if level is StoreLevel.TIMESCALE_APACHE:
        return [
            f"CREATE OR REPLACE VIEW vessel_hours AS {VESSEL_HOURS_SELECT}",
            f"CREATE OR REPLACE VIEW zone_traffic AS {ZONE_TRAFFIC_SELECT}",
        ]
    return [
        f"CREATE OR REPLACE VIEW vessel_hours AS {_plain(VESSEL_HOURS_SELECT, 'time')}",
        f"CREATE OR REPLACE VIEW zone_traffic AS {_plain(ZONE_TRAFFIC_SELECT, 'hour')}",
    ]


@dataclass(frozen=True, slots=True)
class Migration:
    """One schema version."""

    version: int
    description: str
    statements: Callable[[StoreLevel, StoreSettings], list[str]]


# Which clock timed each position and how it was judged, and the track segment the tracker put
# it on (exports split a track there). Nullable, no default: a metadata-only change, also on a
# compressed hypertable.
TIME_AND_SEGMENT = [
    "ALTER TABLE positions ADD COLUMN IF NOT EXISTS segment bigint",
    "ALTER TABLE positions ADD COLUMN IF NOT EXISTS clock text",
    "ALTER TABLE positions ADD COLUMN IF NOT EXISTS time_quality text",
]

# Satellite detections (radar, optical) and what the matcher made of each: the AIS vessel that
# explains it, or none (a dark-vessel candidate), or a fixed object. Plain tables on every
# level: a few thousand rows a scene, keyed by scene and detection, re-imported in place.
DETECTIONS = """
CREATE TABLE IF NOT EXISTS detection_scenes (
    scene_id text PRIMARY KEY,
    time timestamptz NOT NULL,
    footprint jsonb,
    source text,
    detections integer NOT NULL,
    ais_vessels integer,
    ais_unseen jsonb,
    imported_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS detections (
    scene_id text NOT NULL,
    detect_id text NOT NULL,
    time timestamptz NOT NULL,
    lat double precision NOT NULL,
    lon double precision NOT NULL,
    length_m real,
    score real,
    status text NOT NULL CHECK (status IN ('matched', 'unmatched', 'infrastructure')),
    mmsi integer,
    distance_m real,
    gap_s real,
    ais_length_m real,
    cost real,
    nearest_mmsi integer,
    nearest_m real,
    infrastructure text,
    source text,
    PRIMARY KEY (scene_id, detect_id)
);
CREATE INDEX IF NOT EXISTS detections_time ON detections (time);
CREATE INDEX IF NOT EXISTS detections_mmsi_time ON detections (mmsi, time);
"""

MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "vessels, identities, zone events, alerts", lambda _l, _s: [CORE]),
    Migration(2, "positions and zone hours", positions_ddl),
    Migration(3, "hourly summaries of vessels and zones", summaries_ddl),
    Migration(
        4, "clock, time quality and track segment of positions", lambda _l, _s: TIME_AND_SEGMENT
    ),
    Migration(5, "satellite detections and their match against AIS", lambda _l, _s: [DETECTIONS]),
)

# Lock id for migrations: several processes may start at once.
_MIGRATION_LOCK = 0x6D64_6131  # "mda1"


async def migrate(
    conn: psycopg.AsyncConnection[tuple[Any, ...]], level: StoreLevel, settings: StoreSettings
) -> list[Migration]:
    """Apply the migrations this database does not have yet; returns those applied."""
    applied: list[Migration] = []
    async with conn.transaction():
        # The lock first: two processes creating the table at once collide in the catalog
        # (IF NOT EXISTS does not serialise them).
        await conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS mda_schema_migrations ("
            "version integer PRIMARY KEY, description text NOT NULL, level text NOT NULL, "
            "applied_at timestamptz NOT NULL DEFAULT now())"
        )
        cur = await conn.execute("SELECT version FROM mda_schema_migrations")
        done = {row[0] for row in await cur.fetchall()}
        for migration in MIGRATIONS:
            if migration.version in done:
                continue
            for statement in migration.statements(level, settings):
                await conn.execute(statement.encode())  # trusted DDL, ours
            await conn.execute(
                "INSERT INTO mda_schema_migrations (version, description, level) "
                "VALUES (%s, %s, %s)",
                (migration.version, migration.description, level.value),
            )
            applied.append(migration)
    return applied
