"""``mda query``: tracks, positions in an area, zone events, alerts and zone traffic from the
store, as a table or exported (CSV, GeoJSON, Parquet, GeoParquet, MF-JSON).

Each command offers the formats it can write, and its ``--help`` lists those only: positions
every format, zone events no MF-JSON (they are not tracks), the rest (alerts, vessels, traffic)
no geometry at all.

Times take ISO 8601, a date, ``now`` or ``-6h``/``-2d`` ago; the window defaults to the last
24 hours. Results go to stdout (or ``--out``); a one-line summary goes to stderr.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer

from mda.errors import ConfigError
from mda.store.timeargs import parse_duration, parse_window

if TYPE_CHECKING:
    import polars as pl

    from mda.store.exports import ExportFormat
    from mda.store.queries import Queries
    from mda.trajectories.resample import Interpolation

app = typer.Typer(
    help="Query the store: vessel tracks, positions in an area, zone events, alerts, traffic.",
    no_args_is_help=True,
)

Database = Annotated[
    str | None,
    typer.Option(
        "--database", "-d", envvar="MDA_DATABASE_URL", show_envvar=True,
        help="PostgreSQL URL of the store (default: mda's embedded server).",
    ),
]  # fmt: skip
From = Annotated[
    str | None,
    typer.Option(
        "--from", help="Start: ISO 8601 (naive = UTC), a date, now, or -30m/-6h/-2d/-1w "
        "(default: 24 h before --to).",
    ),
]  # fmt: skip
To = Annotated[str | None, typer.Option("--to", help="End, excluded (default: now).")]
# What each kind of answer can be written as.
POSITION_FORMATS = ("table", "csv", "geojson", "parquet", "geoparquet", "mfjson")
EVENT_FORMATS = ("table", "csv", "geojson", "parquet", "geoparquet")
TABLE_FORMATS = ("table", "csv", "parquet")
DENSITY_FORMATS = (*TABLE_FORMATS, "geotiff")


def _choices(formats: tuple[str, ...]) -> str:
    return f"{', '.join(formats[:-1])} or {formats[-1]}"


def _format_option(formats: tuple[str, ...], note: str = "") -> Any:
    return typer.Option("--format", "-f", help=f"{_choices(formats)}{note}.")


PositionFormat = Annotated[str, _format_option(POSITION_FORMATS)]
ZoneFormat = Annotated[
    str, _format_option(POSITION_FORMATS, f" (with --vessels: {_choices(TABLE_FORMATS)})")
]
EventFormat = Annotated[str, _format_option(EVENT_FORMATS)]
TableFormat = Annotated[str, _format_option(TABLE_FORMATS)]
DensityFormat = Annotated[
    str, _format_option(DENSITY_FORMATS, " (GeoTIFF: with --out, and the geotiff extra)")
]
Out = Annotated[Path | None, typer.Option("--out", "-o", help="Write here instead of stdout.")]
Geometry = Annotated[
    str | None,
    typer.Option(help="GeoJSON and GeoParquet as 'points' (the default) or 'lines' (one line "
                 "per vessel and segment)."),
]  # fmt: skip
Zones = Annotated[
    list[Path] | None,
    typer.Option("--zones", "-z", help="Zone files or folders on top of the defaults."),
]
NameProperty = Annotated[
    str | None,
    typer.Option("--name-property", help="The property naming each zone of --zones files and "
                 "of --geojson (default: name, NAME, GEONAME ... then an ISO code)."),
]  # fmt: skip
TABLE_ROWS = 1000
# Columns too wide for a terminal; they stay in the exports.
_NOT_IN_TABLE = ("body", "dedup_key", "source")


def _open(
    database: str | None, zones: list[Path] | None = None, name_property: str | None = None
) -> Queries:
    # No database given: mda's embedded server, where `mda demo` and `mda replay -d embedded`
    # store, as `mda db` does.
    from mda.cli.db import resolve_database
    from mda.cli.zones import report_repairs
    from mda.store.queries import Queries
    from mda.zones import load_zones

    url = resolve_database(database)
    catalog = load_zones(zones, name_property=name_property) if zones else None
    if catalog is not None:
        report_repairs(catalog)
    return Queries(url, zones=catalog)


def _format(fmt: str, allowed: tuple[str, ...]) -> ExportFormat:
    """``fmt`` checked against ``allowed``."""
    if fmt not in allowed:
        raise ConfigError(f"--format must be one of {', '.join(allowed)}, not {fmt!r}")
    return cast("ExportFormat", fmt)


def _lines(geometry: str | None, default: str) -> bool:
    choice = geometry or default
    if choice not in ("points", "lines"):
        raise ConfigError(f"--geometry must be points or lines, not {choice!r}")
    return choice == "lines"


def _answer(
    ask: Callable[[Queries, datetime, datetime], pl.DataFrame],
    summary: Callable[[pl.DataFrame], str],
    database: str | None, start: str | None, end: str | None, fmt: str, out: Path | None, *,
    allowed: tuple[str, ...], zones: list[Path] | None = None, lines: bool = False,
    name_property: str | None = None,
) -> None:
    """Every query's round: check the format (one of ``allowed``) and the window, ``ask`` the
    store for the window, write the frame and its one-line ``summary``."""
    chosen = _format(fmt, allowed)
    since, until = parse_window(start, end, now=datetime.now(UTC))
    with _open(database, zones, name_property) as queries:
        frame = ask(queries, since, until)
    text = summary(frame)
    if chosen == "table":
        frame = frame.drop([c for c in _NOT_IN_TABLE if c in frame.columns])
        if len(frame) > TABLE_ROWS:
            text += f" (the table shows the first {TABLE_ROWS}; export for all)"
    from mda.store.exports import single_fixes
    from mda.store.render import render

    if chosen == "mfjson" and (lone := single_fixes(frame)):
        text += f"; {lone} single-fix segments left out of MF-JSON (a moving feature needs two)"

    rendered = render(frame, chosen, out, lines=lines)
    if rendered is not None:
        sys.stdout.write(rendered)
    typer.echo(text + (f", written to {out}" if out is not None else ""), err=True)


@app.command()
def track(
    vessel: Annotated[str, typer.Argument(help="MMSI, IMO ('IMO 9320738') or ship name.")],
    database: Database = None,
    start: From = None,
    end: To = None,
    fmt: PositionFormat = "table",
    out: Out = None,
    resolution: Annotated[
        str | None,
        typer.Option(help="Thin to about one fix per this long (e.g. 5m), turns kept."),
    ] = None,
    gap: Annotated[str, typer.Option(help="A silence this long starts a new segment.")] = "30m",
    geometry: Geometry = None,
    resample: Annotated[
        str | None,
        typer.Option(help="Resample each segment onto a grid of this interval (e.g. 5m); "
                     "points between fixes are marked interpolated."),
    ] = None,
    interpolation: Annotated[
        str, typer.Option(help="With --resample: linear or great-circle.")
    ] = "linear",
    max_gap: Annotated[
        str | None,
        typer.Option(help="With --resample: no point between fixes further apart than this "
                     "(default: --gap)."),
    ] = None,
) -> None:
    """A vessel's track, cut into segments at gaps and where the tracker cut it (two
    transmitters sharing one MMSI are separate segments, never one line)."""
    gap_s = parse_duration(gap, name="--gap")
    resolution_s = parse_duration(resolution, name="--resolution") if resolution else None
    resample_s = parse_duration(resample, name="--resample") if resample else None
    max_gap_s = parse_duration(max_gap, name="--max-gap") if max_gap else None
    if resample_s is None and (max_gap is not None or interpolation != "linear"):
        raise ConfigError("--interpolation and --max-gap go with --resample")
    method = interpolation.replace("-", "_")
    if method not in ("linear", "great_circle"):
        raise ConfigError(f"--interpolation must be linear or great-circle, not {interpolation!r}")

    def summary(frame: pl.DataFrame) -> str:
        segments = frame["segment"].drop_nulls().n_unique()
        mmsis = ", ".join(map(str, frame["mmsi"].unique().sort().to_list())) or "none"
        text = f"{len(frame)} positions in {segments} segments (MMSI {mmsis})"
        if "interpolated" in frame.columns:
            text += f", {frame['interpolated'].sum()} interpolated"
        suspect = frame["segment"].null_count()
        if suspect:
            text += f"; {suspect} with a suspect time, in no segment (not drawn in lines)"
        return text

    _answer(lambda q, since, until: q.track(vessel, since, until, resolution_s=resolution_s,
                                            gap_s=gap_s, resample_s=resample_s,
                                            max_gap_s=max_gap_s,
                                            interpolation=cast("Interpolation", method)),
            summary, database, start, end, fmt, out, allowed=POSITION_FORMATS,
            lines=_lines(geometry, "points"))  # fmt: skip


@app.command()
def zone(
    zone_id: Annotated[str | None, typer.Argument(help="A zone id (see mda zones list).")] = None,
    bbox: Annotated[
        str | None,
        typer.Option(help="West,south,east,north in degrees (west > east: across 180)."),
    ] = None,
    geojson: Annotated[
        Path | None,
        typer.Option(help="A GeoJSON file of the area (lines and points read as zones are)."),
    ] = None,
    zones: Zones = None,
    name_property: NameProperty = None,
    vessels: Annotated[
        bool, typer.Option("--vessels", help="One row per vessel instead of every position.")
    ] = False,
    database: Database = None,
    start: From = None,
    end: To = None,
    fmt: ZoneFormat = "table",
    out: Out = None,
    geometry: Geometry = None,
) -> None:
    """Positions (or vessels) inside a zone, a bbox or a GeoJSON area (at most 31 days)."""
    given = [a for a in (zone_id, bbox, geojson) if a is not None]
    if len(given) != 1:
        raise ConfigError("give exactly one area: a ZONE_ID, --bbox or --geojson")
    if bbox is not None and len(bbox.split(",")) != 4:
        raise ConfigError(f"--bbox {bbox!r}: give west,south,east,north in degrees")
    area: Any = zone_id if zone_id is not None else bbox
    if geojson is not None:
        area = _area_of(geojson, name_property)
    if vessels:
        _answer(lambda q, since, until: q.vessels_in(area, since, until),
                lambda frame: f"{len(frame)} vessels", database, start, end, fmt, out,
                allowed=TABLE_FORMATS, zones=zones, name_property=name_property)  # fmt: skip
    else:
        _answer(lambda q, since, until: q.positions_in(area, since, until),
                lambda frame: f"{len(frame)} positions of {frame['mmsi'].n_unique()} vessels",
                database, start, end, fmt, out, allowed=POSITION_FORMATS, zones=zones,
                lines=_lines(geometry, "points"), name_property=name_property)  # fmt: skip


@app.command()
def events(
    zone_id: Annotated[str | None, typer.Option("--zone", help="Only this zone.")] = None,
    vessel: Annotated[str | None, typer.Option(help="Only this vessel (MMSI, IMO, name).")] = None,
    event: Annotated[str | None, typer.Option(help="enter or exit.")] = None,
    kind: Annotated[
        str,
        typer.Option(help="zone (entries and exits), port_visit (GFW's port visits, --zone "
                     "a port or anchorage) or trip (between port visits; needs --vessel)."),
    ] = "zone",
    min_confidence: Annotated[
        int, typer.Option(help="port_visit and trip: GFW's visit confidence, 1 to 4.")
    ] = 2,
    database: Database = None,
    start: From = None,
    end: To = None,
    fmt: EventFormat = "table",
    out: Out = None,
) -> None:
    """Zone entries and exits, port visits or trips.

    Port visits follow Global Fishing Watch's: entry within a port's or anchorage's radius,
    exit 1 km beyond it, a stop under 0.2 kn (until over 0.5 kn) or a silence over 4 h in
    port; confidence 1 (entry/exit only) to 4 (entry, exit and a stop or silence). They are
    computed from the stored positions when asked."""
    if kind not in ("zone", "port_visit", "trip"):
        raise ConfigError(f"--kind must be zone, port_visit or trip, not {kind!r}")
    if kind != "zone" and event is not None:
        raise ConfigError("--event goes with --kind zone")
    if not 1 <= min_confidence <= 4:
        raise ConfigError("--min-confidence must be 1 to 4")
    if kind == "trip":
        if vessel is None:
            raise ConfigError("--kind trip needs --vessel (trips are a vessel's)")
        _trips(vessel, min_confidence, database, start, end, fmt, out)
    elif kind == "port_visit":
        from mda.store.visits import stored_port_visits
        from mda.trajectories.port_visits import PortVisitRules

        rules = PortVisitRules(min_confidence=min_confidence)
        _answer(lambda q, since, until: stored_port_visits(q, since, until, vessel=vessel,
                                                           port=zone_id, rules=rules),
                lambda frame: f"{len(frame)} port visits", database, start, end, fmt, out,
                allowed=EVENT_FORMATS)  # fmt: skip
    else:
        _answer(lambda q, since, until: q.zone_events(since, until, vessel=vessel, zone=zone_id,
                                                      event=event),
                lambda frame: f"{len(frame)} zone events", database, start, end, fmt, out,
                allowed=EVENT_FORMATS)  # fmt: skip


@app.command()
def trips(
    vessel: Annotated[str, typer.Argument(help="MMSI, IMO ('IMO 9320738') or ship name.")],
    min_confidence: Annotated[
        int, typer.Option(help="Only between port visits of this GFW confidence (1 to 4).")
    ] = 2,
    database: Database = None,
    start: From = None,
    end: To = None,
    fmt: EventFormat = "table",
    out: Out = None,
) -> None:
    """A vessel's trips from one port visit to the next, with the distance sailed."""
    if not 1 <= min_confidence <= 4:
        raise ConfigError("--min-confidence must be 1 to 4")
    _trips(vessel, min_confidence, database, start, end, fmt, out)


def _trips(
    vessel: str, min_confidence: int, database: str | None, start: str | None,
    end: str | None, fmt: str, out: Path | None,
) -> None:  # fmt: skip
    from mda.store.visits import stored_trips
    from mda.trajectories.port_visits import PortVisitRules

    rules = PortVisitRules(min_confidence=min_confidence)
    _answer(lambda q, since, until: stored_trips(q, vessel, since, until, rules=rules),
            lambda frame: f"{len(frame)} trips", database, start, end, fmt, out,
            allowed=EVENT_FORMATS)  # fmt: skip


@app.command()
def alerts(
    vessel: Annotated[str | None, typer.Option(help="Only this vessel (MMSI, IMO, name).")] = None,
    zone_id: Annotated[str | None, typer.Option("--zone", help="Only this zone.")] = None,
    rule: Annotated[list[str] | None, typer.Option(help="Only these rules (repeatable).")] = None,
    severity: Annotated[
        list[str] | None, typer.Option(help="alarm, warning or caution (repeatable).")
    ] = None,
    state: Annotated[
        list[str] | None,
        typer.Option(help="open, acknowledged, cleared or retracted (repeatable)."),
    ] = None,
    database: Database = None,
    start: From = None,
    end: To = None,
    fmt: TableFormat = "table",
    out: Out = None,
) -> None:
    """Alerts alive in the window, most recently updated first."""
    _answer(lambda q, since, until: q.alerts(since, until, vessel=vessel, zone=zone_id,
                                             rule=rule, severity=severity, state=state),
            lambda frame: f"{len(frame)} alerts", database, start, end, fmt, out,
            allowed=TABLE_FORMATS)  # fmt: skip


@app.command()
def detections(
    matched: Annotated[
        bool | None,
        typer.Option("--matched/--unmatched",
                     help="Only those matched to AIS, or only the unmatched (dark-vessel "
                          "candidates); both when neither is given."),
    ] = None,
    infrastructure: Annotated[
        bool, typer.Option(help="Only the fixed objects (platforms, turbines, buoys).")
    ] = False,
    database: Database = None,
    start: From = None,
    end: To = None,
    fmt: EventFormat = "table",
    out: Out = None,
) -> None:
    """Satellite detections of the window and their match against AIS, newest first."""
    from mda.store.detections import query_detections

    status = (["infrastructure"] if infrastructure else
              None if matched is None else ["matched" if matched else "unmatched"])  # fmt: skip

    def summary(frame: pl.DataFrame) -> str:
        counts = frame["status"].value_counts(sort=True).rows() if len(frame) else []
        return f"{len(frame)} detections" + "".join(f", {n} {s}" for s, n in counts)

    _answer(lambda q, since, until: query_detections(q, since, until, status=status),
            summary, database, start, end, fmt, out, allowed=EVENT_FORMATS)  # fmt: skip


@app.command()
def traffic(
    zone_id: Annotated[str, typer.Argument(help="The zone id.")],
    zones: Zones = None,
    name_property: NameProperty = None,
    database: Database = None,
    start: From = None,
    end: To = None,
    fmt: TableFormat = "table",
    out: Out = None,
) -> None:
    """Vessels present in a zone, hour by hour (UTC)."""
    def summary(frame: pl.DataFrame) -> str:
        import polars as pl

        busiest = frame["vessels"].cast(pl.Int64).fill_null(0).to_list()
        return f"{len(frame)} hours, at most {max(busiest, default=0)} vessels in an hour"

    _answer(lambda q, since, until: q.traffic(zone_id, since, until), summary,
            database, start, end, fmt, out, allowed=TABLE_FORMATS, zones=zones,
            name_property=name_property)  # fmt: skip


# The density filters, shared with `mda plot density`.
AreaZone = Annotated[str | None, typer.Option("--zone", help="Only fixes in this zone.")]
AreaBox = Annotated[
    str | None, typer.Option("--bbox", help="Only fixes in west,south,east,north (degrees).")
]
AreaFile = Annotated[
    Path | None, typer.Option("--geojson", help="Only fixes in the area of this GeoJSON file.")
]
ShipTypeFilter = Annotated[
    list[str] | None,
    typer.Option("--type", help="Only these ship types: a code (30), a range (70-79) or a "
                 "name (fishing, cargo, tanker, passenger ...); repeatable."),
]  # fmt: skip
FlagFilter = Annotated[
    list[str] | None,
    typer.Option("--flag", help="Only these flags (ISO alpha-2, from the MMSI); repeatable."),
]
MaxGap = Annotated[
    str, typer.Option("--max-gap", help="At most this much time credited from a fix to the next.")
]


def density_filter(
    zone_id: str | None, bbox: str | None, geojson: Path | None, ship_type: list[str] | None,
    flag: list[str] | None, name_property: str | None,
) -> Any:
    """The DensityFilter of the options (at most one area)."""
    from mda.store.density import DensityFilter, ship_type_ranges

    if sum(a is not None for a in (zone_id, bbox, geojson)) > 1:
        raise ConfigError("give at most one area: --zone, --bbox or --geojson")
    area: Any = zone_id if zone_id is not None else bbox
    if geojson is not None:
        area = _area_of(geojson, name_property)
    return DensityFilter(
        area=area,
        ship_types=ship_type_ranges(ship_type) if ship_type else None,
        flags=tuple(flag) if flag else None,
    )  # fmt: skip


@app.command()
def density(
    cell: Annotated[float, typer.Option("--cell", help="Cell size in degrees (dividing 180: "
                                        "1, 0.5, 0.25, 0.1 ...).")],
    zone_id: AreaZone = None,
    bbox: AreaBox = None,
    geojson: AreaFile = None,
    ship_type: ShipTypeFilter = None,
    flag: FlagFilter = None,
    max_gap: MaxGap = "30m",
    zones: Zones = None,
    name_property: NameProperty = None,
    database: Database = None,
    start: From = None,
    end: To = None,
    fmt: DensityFormat = "table",
    out: Out = None,
) -> None:
    """Vessel-hours per square cell (GFW 4Wings presence): the time from each fix of a vessel
    to its next, at most --max-gap, in the cell of the fix, clipped to the window."""
    where = density_filter(zone_id, bbox, geojson, ship_type, flag, name_property)
    gap_s = parse_duration(max_gap, name="--max-gap")

    def summary(frame: pl.DataFrame) -> str:
        total = float(frame["vessel_hours"].sum()) if len(frame) else 0.0
        return f"{len(frame)} cells of {cell:g} degrees, {total:.1f} vessel-hours"

    def ask(q: Queries, since: datetime, until: datetime) -> pl.DataFrame:
        from mda.store.density import density as cells

        return cells(q, since, until, cell_deg=cell, where=where, max_gap_s=gap_s)

    if fmt != "geotiff":
        _answer(ask, summary, database, start, end, fmt, out, allowed=TABLE_FORMATS,
                zones=zones, name_property=name_property)  # fmt: skip
        return
    if out is None:
        raise ConfigError("--format geotiff needs --out FILE (GeoTIFF is binary)")
    from mda.store.density_raster import write_geotiff

    since, until = parse_window(start, end, now=datetime.now(UTC))
    with _open(database, zones, name_property) as queries:
        frame = ask(queries, since, until)
    write_geotiff(frame, cell, out)
    typer.echo(f"{summary(frame)}, written to {out}", err=True)


def _area_of(path: Path, name_property: str | None) -> Any:
    """The --geojson area as the store reads it (as a zone file is read: repaired, cut at
    the antimeridian), with a line on stderr for each repaired feature."""
    from mda.cli.zones import report_repairs
    from mda.zones.catalog import ZoneCatalog, zones_from_geojson

    document = _read_geojson(path)
    found = zones_from_geojson(document, path.stem, str(path), name_property=name_property)
    report_repairs(ZoneCatalog(found))
    return document


def _read_geojson(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"--geojson: cannot read {path}: {exc.strerror or exc}") from exc
    except ValueError as exc:
        raise ConfigError(f"--geojson: {path} is not JSON ({exc})") from exc
