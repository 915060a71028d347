"""What analysts ask the store: tracks, who was in an area, zone events, alerts, zone traffic.

Every answer is a polars DataFrame that reaches Python as Arrow through ADBC, never row by row
(a million positions arrive in well under a second). The SQL is plain PostgreSQL, the same on
PostgreSQL 15 and TimescaleDB; hourly traffic is counted from ``zone_hours``, which late
positions correct as they are stored. Windows are bounded (``QueryLimits``) and every
statement has a timeout, so a careless query cannot stall a service sharing the database.

Times given to the methods are aware datetimes (naive ones are UTC) or epoch seconds;
windows are ``[start, end)``. Times in the results are ``Datetime("us", "UTC")``.
"""

from __future__ import annotations

import contextlib
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, Final

import adbc_driver_manager
import adbc_driver_postgresql.dbapi as adbc_pg  # type: ignore[import-untyped]
import polars as pl

from mda.errors import ConfigError, MdaError, ServiceUnavailableError
from mda.store.areas import Area, region
from mda.store.timeargs import as_utc, check_window
from mda.store.track_shapes import downsample, with_segments
from mda.store.writer import redact_url
from mda.trajectories.resample import INTERPOLATIONS, Interpolation, resample
from mda.zones import ZoneCatalog, load_zones

# ``track_segment``: the tracker's segment of the fix (``Position.segment``), by which tracks
# are split besides gaps; the per-vessel ``segment`` number is added here (``with_segments``).
POSITION_COLUMNS: Final = (
    "time, mmsi, lat, lon, sog, cog, heading, nav_status, msg_type, accuracy, source, clock, "
    "time_quality, segment AS track_segment"
)
# Reports of stations that are not vessels: base stations (4, 11) and aids to navigation (21).
NOT_VESSEL_TYPES: Final = (4, 11, 21)
SEVERITIES: Final = ("alarm", "warning", "caution")
STATES: Final = ("open", "acknowledged", "cleared", "retracted")
_IMO = re.compile(r"^\s*imo[\s:#-]*(\d{7})\s*$", re.IGNORECASE)
# Names compare without case and with runs of blanks as one (AIS pads with spaces, and
# "PURPLE    BEACH" is a name as actually broadcast).
_NAME_SQL = "upper(regexp_replace(btrim(shipname), '\\s+', ' ', 'g'))"

# Errors after which the connection may be gone (the next query reconnects).
_CONNECTION_ERRORS: Final = (
    adbc_driver_manager.OperationalError,
    adbc_driver_manager.InternalError,
)
_VESSEL_COLUMNS: Final = (
    "mmsi", "shipname", "callsign", "imo", "ship_type", "flag", "positions", "first_time",
    "last_time",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class QueryLimits:
    """Longest windows each query accepts, and the statement timeout."""

    track: timedelta = timedelta(days=366)
    area: timedelta = timedelta(days=31)
    events: timedelta = timedelta(days=366)
    traffic: timedelta = timedelta(days=366)
    statement_timeout_s: float = 120.0


class TooManyRowsError(ConfigError):
    """A query matched more rows than its caller's limit: known from ``limit + 1`` rows read,
    never from all of them."""

    def __init__(self, what: str, limit: int) -> None:
        super().__init__(f"more than {limit} {what} in this window; narrow it")
        self.what = what
        self.limit = limit


class Queries:
    """Read-only queries of one store; one ADBC connection, opened on first use."""

    def __init__(
        self, url: str, *, zones: ZoneCatalog | None = None, limits: QueryLimits | None = None
    ) -> None:
        self.url = url
        self.limits = limits or QueryLimits()
        self._zones = zones
        self._conn: Any = None

    def __enter__(self) -> Queries:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection (the next query opens a new one)."""
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(adbc_driver_manager.Error):  # broken: nothing to release
                conn.close()

    @property
    def zones(self) -> ZoneCatalog:
        """The catalogue named zones are looked up in (the default one unless given)."""
        if self._zones is None:
            self._zones = load_zones()
        return self._zones

    def fetch(
        self, sql: str, params: Sequence[Any] = (), *, limit: int | None = None,
        what: str = "rows",
    ) -> pl.DataFrame:  # fmt: skip
        """Run ``sql`` (placeholders ``$1``, ``$2`` ...) and return its rows as a DataFrame.

        With ``limit``, the database returns at most ``limit + 1`` rows, and one more than
        ``limit`` raises TooManyRowsError (naming ``what``): a query over millions of rows is
        refused without them ever reaching this process."""
        if limit is not None:
            sql = f"{sql} LIMIT {int(limit) + 1}"
        if params and all(_inlinable(p) for p in params):
            # Without parameters ADBC reads the result as binary COPY, twice as fast as the
            # rows of a prepared statement for large results. Only numbers and times are
            # written in, from their Python values; text always stays a bound parameter.
            sql, params = _inlined(sql, params), ()
        try:
            with self._connection().cursor() as cur:
                cur.execute(sql, tuple(params) if params else None)
                rows = pl.DataFrame(cur.fetch_arrow_table())
        except adbc_driver_manager.Error as exc:
            raise self._failure(exc) from exc
        if limit is not None and len(rows) > limit:
            raise TooManyRowsError(what, limit)
        return rows

    def _connection(self) -> Any:
        if self._conn is None:
            try:
                conn = adbc_pg.connect(self.url, autocommit=True)
            except adbc_driver_manager.Error as exc:
                raise ServiceUnavailableError(
                    f"cannot reach the database at {redact_url(self.url)}: {_db_message(exc)}"
                ) from exc
            with conn.cursor() as cur:
                # UTC, so the hourly views cut hours in UTC whatever the server's default.
                cur.execute("SET TIME ZONE 'UTC'")
                timeout_ms = int(self.limits.statement_timeout_s * 1000)
                cur.execute(f"SET statement_timeout = {timeout_ms}")
            self._conn = conn
        return self._conn

    def _failure(self, exc: adbc_driver_manager.Error) -> MdaError:
        if exc.sqlstate == "57014":
            return MdaError(
                f"the query ran longer than {self.limits.statement_timeout_s:g} s and was "
                "cancelled; narrow the window or the area"
            )
        if exc.sqlstate == "42703":
            return ServiceUnavailableError(
                f"the database at {redact_url(self.url)} has tables of an older mda (a column "
                "is missing); a service of this version writing to it brings them up to date"
            )
        if exc.sqlstate in ("42P01", "3D000"):
            return ServiceUnavailableError(
                f"the database at {redact_url(self.url)} has no mda tables "
                "(a service writing to it creates them)"
            )
        if isinstance(exc, _CONNECTION_ERRORS):
            self.close()
            return ServiceUnavailableError(
                f"database at {redact_url(self.url)}: {_db_message(exc)}"
            )
        return MdaError(f"query failed: {_db_message(exc)}")

    def _window(
        self, start: datetime | float, end: datetime | float, span: timedelta, what: str
    ) -> tuple[datetime, datetime]:
        since, until = as_utc(start), as_utc(end)
        check_window(since, until, max_span=span, what=what)
        return since, until

    # -- vessels -------------------------------------------------------------------------

    def resolve_vessel(self, vessel: int | str) -> int:
        """The MMSI of a vessel given by MMSI (an int, or digits), IMO ("IMO 9134270", or 7
        digits when that IMO is known) or name (case and spacing ignored; current names
        first, former ones if no current name matches).

        Raises ConfigError when nothing matches, or when several vessels do (listing them).
        """
        if isinstance(vessel, int):
            return _checked_mmsi(vessel)
        text = vessel.strip()
        imo = _IMO.match(text)
        # Seven digits are an IMO number, unless no vessel has it: coast stations' MMSIs
        # (00MIDxxxx) also come out as seven digits once their leading zeros are dropped.
        if imo or (text.isdigit() and len(text) == 7):
            number = int(imo.group(1) if imo else text)
            found = self._mmsis(
                "SELECT mmsi FROM vessels WHERE imo = $1 "
                "UNION SELECT mmsi FROM vessel_identity WHERE imo = $1",
                number,
            )
            if found or imo:
                return self._one(found, f"with IMO {number}")
        if text.isdigit():
            return _checked_mmsi(int(text))
        if not text:
            raise ConfigError("vessel: give an MMSI, an IMO number or a name")
        wanted = " ".join(text.upper().split())
        found = self._mmsis(f"SELECT mmsi FROM vessels WHERE {_NAME_SQL} = $1", wanted)
        if not found:
            found = self._mmsis(f"SELECT mmsi FROM vessel_identity WHERE {_NAME_SQL} = $1", wanted)
        return self._one(found, f"named {text!r}", wanted)

    def _mmsis(self, sql: str, value: object) -> list[int]:
        return sorted(set(self.fetch(sql, (value,))["mmsi"].to_list()))

    def _one(self, mmsis: list[int], what: str, name: str | None = None) -> int:
        if len(mmsis) == 1:
            return mmsis[0]
        if not mmsis:
            raise ConfigError(f"no vessel {what}{self._similar(name)}")
        rows = self.fetch(
            "SELECT mmsi, shipname, imo, last_time FROM vessels WHERE mmsi = ANY($1) "
            "ORDER BY last_time DESC NULLS LAST, mmsi",
            (mmsis,),
        )
        listed = "; ".join(
            f"{r['mmsi']} ({r['shipname'] or 'no name'}"
            + (f", IMO {r['imo']}" if r["imo"] else "")
            + (f", last seen {r['last_time']:%Y-%m-%d %H:%M}Z" if r["last_time"] else "")
            + ")"
            for r in rows.iter_rows(named=True)
        )
        raise ConfigError(f"{len(mmsis)} vessels {what}: MMSI {listed}; give the MMSI")

    def _similar(self, name: str | None) -> str:
        if not name:
            return ""
        pattern = "%" + name.replace("%", "").replace("_", "") + "%"
        rows = self.fetch(
            f"SELECT mmsi, shipname FROM vessels WHERE {_NAME_SQL} LIKE $1 "
            "ORDER BY shipname LIMIT 5",
            (pattern,),
        )
        names = ", ".join(f"{r['shipname']} ({r['mmsi']})" for r in rows.iter_rows(named=True))
        return f" (similar: {names})" if names else ""

    # -- positions -----------------------------------------------------------------------

    def track(
        self,
        vessel: int | str,
        start: datetime | float,
        end: datetime | float,
        *,
        resolution_s: float | None = None,
        gap_s: float = 1800.0,
        row_limit: int | None = None,
        resample_s: float | None = None,
        max_gap_s: float | None = None,
        interpolation: Interpolation = "linear",
    ) -> pl.DataFrame:
        """A vessel's positions in ``[start, end)`` in time order, with the stored
        ``clock``, ``time_quality`` and ``track_segment`` (the tracker's segment), and a
        ``segment`` number: one per run of a tracker segment between silences longer than
        ``gap_s`` (two transmitters sharing the MMSI are separate segments, interleaved in
        time; see ``with_segments``). Fixes with a suspect time have no ``segment``.
        Thinned by ``downsample`` to ``resolution_s`` if given (suspect fixes then left
        out). Reports without a position are left out. More than ``row_limit`` positions
        read (before thinning) raise TooManyRowsError.

        With ``resample_s`` instead: the segments on a grid of that interval (``resample``:
        ``interpolation`` linear or great_circle, a column ``interpolated``, no point between
        fixes more than ``max_gap_s`` apart, by default ``gap_s``)."""
        durations = (gap_s, resolution_s, resample_s, max_gap_s)
        if any(d is not None and d <= 0 for d in durations):
            raise ConfigError("gap, resolution, resample and max gap must be positive durations")
        if resolution_s is not None and resample_s is not None:
            raise ConfigError("thin (resolution) or resample, not both")
        if interpolation not in INTERPOLATIONS:
            raise ConfigError(
                f"interpolation must be one of {', '.join(INTERPOLATIONS)}, not {interpolation!r}"
            )
        since, until = self._window(start, end, self.limits.track, "track")
        mmsi = self.resolve_vessel(vessel)
        positions = self.fetch(
            f"SELECT {POSITION_COLUMNS} FROM positions WHERE mmsi = $1 AND time >= $2 "
            "AND time < $3 AND lat IS NOT NULL AND lon IS NOT NULL ORDER BY time",
            (mmsi, since, until),
            limit=row_limit,
            what="positions",
        )
        positions = with_segments(positions, gap_s)
        if resample_s is not None:
            return resample(positions, resample_s, max_gap_s=max_gap_s or gap_s,
                            method=interpolation)  # fmt: skip
        return positions if resolution_s is None else downsample(positions, resolution_s)

    def positions_in(
        self,
        area: Area,
        start: datetime | float,
        end: datetime | float,
        *,
        gap_s: float = 1800.0,
        vessels_only: bool = False,
        row_limit: int | None = None,
    ) -> pl.DataFrame:
        """Positions inside ``area`` during ``[start, end)``, ordered by vessel and time, with
        a ``segment`` per vessel (a new one for each tracker segment, and after ``gap_s``
        without a position inside; none for suspect times), as ``track`` numbers them.

        ``area``: a bbox ``(west, south, east, north)`` or the text ``"W,S,E,N"`` (west > east
        crosses the antimeridian), a shapely polygon, a GeoJSON object, or a zone id of the
        catalogue. The database filters by time and bounding boxes; the exact test against
        the polygon runs here, vectorised. ``vessels_only`` leaves out base stations and aids
        to navigation. More than ``row_limit`` positions read from the database (inside the
        polygon's bounding box) raise TooManyRowsError.
        """
        since, until = self._window(start, end, self.limits.area, "positions in an area")
        where = region(area, lambda: self.zones)
        params: list[Any] = [since, until, where.south, where.north]
        ranges = []
        for west, east in where.lon_ranges:
            params += [west, east]
            ranges.append(f"lon BETWEEN ${len(params) - 1} AND ${len(params)}")
        sql = (
            f"SELECT {POSITION_COLUMNS} FROM positions WHERE time >= $1 AND time < $2 "
            f"AND lat BETWEEN $3 AND $4 AND ({' OR '.join(ranges)})"
        )
        if vessels_only:
            sql += f" AND msg_type NOT IN ({', '.join(map(str, NOT_VESSEL_TYPES))})"
        positions = self.fetch(sql, params, limit=row_limit, what="positions")
        if where.geometry is not None and len(positions):
            inside = where.contains(positions["lon"].to_numpy(), positions["lat"].to_numpy())
            positions = positions.filter(pl.Series(inside))
        return with_segments(positions, gap_s)

    def vessels_in(
        self, area: Area, start: datetime | float, end: datetime | float, *,
        vessels_only: bool = True,
    ) -> pl.DataFrame:  # fmt: skip
        """One row per vessel seen inside ``area`` during ``[start, end)``: its identity as
        now known, its positions inside, first and last time inside. Base stations and aids
        to navigation are left out unless ``vessels_only`` is False."""
        inside = self.positions_in(area, start, end, vessels_only=vessels_only)
        seen = inside.group_by("mmsi").agg(
            pl.len().cast(pl.Int64).alias("positions"),
            pl.col("time").min().alias("first_time"),
            pl.col("time").max().alias("last_time"),
        )
        identity = self.fetch(
            "SELECT mmsi, shipname, callsign, imo, ship_type, flag FROM vessels "
            "WHERE mmsi = ANY($1)",
            (seen["mmsi"].to_list() or [-1],),
        )
        return seen.join(identity, on="mmsi", how="left").select(*_VESSEL_COLUMNS).sort("mmsi")

    # -- events --------------------------------------------------------------------------

    def zone_events(
        self,
        start: datetime | float,
        end: datetime | float,
        *,
        vessel: int | str | None = None,
        zone: str | Sequence[str] | None = None,
        event: str | None = None,
    ) -> pl.DataFrame:
        """Zone entries and exits in ``[start, end)`` in time order, with the vessel's name."""
        since, until = self._window(start, end, self.limits.events, "zone events")
        filters = [
            ("e.mmsi", None if vessel is None else [self.resolve_vessel(vessel)]),
            ("e.zone_id", _values(zone, "zone")),
            ("e.event", _values(event, "event", ("enter", "exit"))),
        ]
        where, params = _conditions(["e.time >= $1", "e.time < $2"], [since, until], filters)
        return self.fetch(
            "SELECT e.time, e.mmsi, v.shipname, e.zone_id, e.event, e.lat, e.lon "
            f"FROM zone_events e LEFT JOIN vessels v USING (mmsi) WHERE {where} "
            "ORDER BY e.time, e.mmsi, e.zone_id",
            params,
        )

    def alerts(
        self,
        start: datetime | float,
        end: datetime | float,
        *,
        vessel: int | str | None = None,
        zone: str | Sequence[str] | None = None,
        rule: str | Sequence[str] | None = None,
        severity: str | Sequence[str] | None = None,
        state: str | Sequence[str] | None = None,
        row_limit: int | None = None,
    ) -> pl.DataFrame:
        """Alerts alive during ``[start, end)`` (started before its end, last updated at or
        after its start), most recently updated first. ``zone``, ``rule``, ``severity`` and
        ``state`` take one value or several; ``body`` is the alert as published (JSON). More
        than ``row_limit`` alerts raise TooManyRowsError."""
        since, until = self._window(start, end, self.limits.events, "alerts")
        filters = [
            ("a.mmsi", None if vessel is None else [self.resolve_vessel(vessel)]),
            ("a.zone_id", _values(zone, "zone")),
            ("a.rule", _values(rule, "rule")),
            ("a.severity", _values(severity, "severity", SEVERITIES)),
            ("a.state", _values(state, "state", STATES)),
        ]
        where, params = _conditions(["a.start < $2", "a.updated >= $1"], [since, until], filters)
        return self.fetch(
            "SELECT a.alert_id::text AS alert_id, a.rule, a.severity, a.state, a.start, "
            "a.updated, a.mmsi, v.shipname, a.zone_id, a.message, a.dedup_key, "
            f"a.body::text AS body FROM alerts a LEFT JOIN vessels v USING (mmsi) WHERE {where} "
            "ORDER BY a.updated DESC, a.alert_id",
            params,
            limit=row_limit,
            what="alerts",
        )

    def traffic(self, zone_id: str, start: datetime | float, end: datetime | float) -> pl.DataFrame:
        """Vessels present in a zone in each UTC hour of ``[start, end)`` (0 for hours with
        none), counted from ``zone_hours`` (one row per vessel, zone and hour): always what
        the stored positions say, late ones included, where the full build's continuous
        aggregate would wait for its next refresh."""
        since, until = self._window(start, end, self.limits.traffic, "traffic")
        first_hour = since.replace(minute=0, second=0, microsecond=0)
        counted = self.fetch(
            "SELECT hour, count(*) AS vessels FROM zone_hours WHERE zone_id = $1 "
            "AND hour >= $2 AND hour < $3 GROUP BY hour",
            (zone_id, first_hour, until),
        )
        if not len(counted) and not self._ever_counted(zone_id) and zone_id not in self.zones:
            # Most likely a misspelt id: say so rather than answer with hours of zeros.
            raise ConfigError(f"unknown zone {zone_id!r}: not in the catalogue, never counted")
        hours = pl.datetime_range(
            first_hour, until, "1h", closed="left", time_unit="us", time_zone="UTC", eager=True
        )
        return (
            pl.DataFrame({"hour": hours})
            .join(counted, on="hour", how="left")
            .select(
                "hour",
                pl.lit(zone_id).alias("zone_id"),
                pl.col("vessels").fill_null(0).cast(pl.Int64),
            )
        )

    def _ever_counted(self, zone_id: str) -> bool:
        return bool(
            len(self.fetch("SELECT 1 FROM zone_hours WHERE zone_id = $1 LIMIT 1", (zone_id,)))
        )


def _values(
    value: str | Sequence[str] | None, name: str, allowed: Sequence[str] | None = None
) -> list[str] | None:
    if value is None:
        return None
    values = [value] if isinstance(value, str) else list(value)
    for v in values:
        if allowed is not None and v not in allowed:
            raise ConfigError(f"{name} must be one of {', '.join(allowed)}, not {v!r}")
    return values


def _conditions(
    conditions: list[str], params: list[Any], filters: list[tuple[str, list[Any] | None]]
) -> tuple[str, list[Any]]:
    for column, values in filters:
        if values is not None:
            params.append(values)
            conditions.append(f"{column} = ANY(${len(params)})")
    return " AND ".join(conditions), params


def _inlinable(value: object) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, int | datetime) and not isinstance(value, bool)


def _inlined(sql: str, params: Sequence[Any]) -> str:
    """``sql`` with ``$n`` replaced by literals of numbers and aware datetimes (highest ``n``
    first, so that ``$1`` does not match the start of ``$12``)."""
    for n in range(len(params), 0, -1):
        value = params[n - 1]
        if isinstance(value, datetime):
            literal = f"'{as_utc(value).isoformat()}'::timestamptz"
        elif isinstance(value, float):
            literal = f"({value!r})::float8"
        else:
            literal = f"({int(value)})"
        sql = sql.replace(f"${n}", literal)
    return sql


def _checked_mmsi(mmsi: int) -> int:
    if not 0 < mmsi < 1_000_000_000:
        raise ConfigError(f"{mmsi} is not an MMSI (1 to 9 digits)")
    return mmsi


def _db_message(exc: BaseException) -> str:
    """The server's own words from an ADBC error, on one line."""
    text = str(exc)
    for marker in ("ERROR:", "Failed to connect:"):
        if marker in text:
            text = text.split(marker, 1)[1]
            break
    return " ".join(text.strip().split("\n")[0].split()) or type(exc).__name__
