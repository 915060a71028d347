"""``mda activity``: label every position of tracks stationary, fishing or transit, and list
apparent fishing events.

Input is a CSV of positions (GPS loggers, VMS, exported AIS; any column names) or an AIS
recording decoded by mda. The output repeats every input row with its ``activity``; a summary
goes to stderr.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mda.errors import ConfigError

CSV_SUFFIXES = (".csv", ".csv.gz")


def activity_command(
    input_path: Annotated[
        str,
        typer.Argument(
            help="A CSV of positions, or an AIS recording (NMEA, .gz, glob).", metavar="INPUT"
        ),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="The CSV to write.")],
    events: Annotated[
        Path | None, typer.Option("--events", help="Also write the fishing events here (CSV).")
    ] = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format", "-f", help="csv, ais, or auto (csv when INPUT ends in .csv or .csv.gz)."
        ),
    ] = "auto",
    vessel: Annotated[
        str | None,
        typer.Option("--id", help="Vessel id column (default: vessel_id, else one vessel)."),
    ] = None,
    time: Annotated[
        str,
        typer.Option(
            "--time", help="Time column: ISO 8601 (naive = UTC), 'YYYY-MM-DD HH:MM:SS' or epoch s."
        ),
    ] = "time",
    lat: Annotated[str, typer.Option("--lat", help="Latitude column (degrees).")] = "lat",
    lon: Annotated[str, typer.Option("--lon", help="Longitude column (degrees).")] = "lon",
    speed: Annotated[
        str | None,
        typer.Option(
            "--speed", help="Reported speed column in knots (default: implied by positions)."
        ),
    ] = None,
    course: Annotated[
        str | None, typer.Option("--course", help="Reported course column (degrees).")
    ] = None,
    gear_column: Annotated[
        str, typer.Option("--gear-column", help="Gear column, used when present.")
    ] = "gear",
    gear: Annotated[
        str | None,
        typer.Option(help="Gear of vessels without one in the file, e.g. trawl, pots, creel."),
    ] = None,
    ship_type_column: Annotated[
        str,
        typer.Option(
            "--ship-type-column",
            help="AIS ship type column, used when present: non-fishing types never fish.",
        ),
    ] = "ship_type",
) -> None:
    """Label each position stationary, fishing or transit from its movement (apparent
    fishing: speed and turning states fitted to each track, the gear as a prior).

    Vessels whose AIS ship type is not a fishing one (pilot, tug, SAR, pleasure, sailing,
    passenger, cargo, tanker ...) are never labelled fishing."""
    import numpy as np

    from mda.activity.ais_tracks import read_ais_tracks
    from mda.activity.classify import ACTIVITIES
    from mda.activity.csv_tracks import CsvColumns, read_csv_tracks
    from mda.activity.fleet import classify_fleet
    from mda.activity.output import write_activity, write_events

    kind = _input_kind(input_path, fmt)
    if kind == "csv":
        columns = CsvColumns(
            vessel, time, lat, lon, speed, course, gear_column, ship_type_column
        )
        rows = read_csv_tracks(Path(input_path), columns, gear)
    else:
        rows, _ = read_ais_tracks(input_path, gear)
    fleet = classify_fleet(
        rows.vessel, rows.time, rows.lat, rows.lon, rows.speed_kn, rows.course, rows.gear,
        ship_type=rows.ship_type,
    )
    write_activity(rows, fleet.activity, out)
    if events is not None:
        write_events(fleet.events, rows.vessel_column, events)
    counts = np.bincount(fleet.activity[fleet.activity >= 0], minlength=len(ACTIVITIES))
    by_activity = ", ".join(
        f"{name} {n}" for name, n in zip(ACTIVITIES, counts.tolist(), strict=True)
    )
    typer.echo(
        f"{len(fleet.activity) - fleet.unclassified} positions of {fleet.vessels} vessels: "
        f"{by_activity}; {fleet.unclassified} rows without a usable time or position; "
        f"{len(fleet.events)} fishing events",
        err=True,
    )


def _input_kind(input_path: str, fmt: str) -> str:
    if fmt not in ("auto", "csv", "ais"):
        raise ConfigError(f"--format must be auto, csv or ais, not {fmt!r}")
    if fmt != "auto":
        return fmt
    return "csv" if input_path.lower().endswith(CSV_SUFFIXES) else "ais"
