"""``mda detections``: satellite detections (radar, optical) matched against the stored AIS."""

from __future__ import annotations

import asyncio
import csv
import io
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mda.errors import ConfigError, SourceError

if TYPE_CHECKING:
    from mda.detections.infrastructure import FixedObject

app = typer.Typer(
    help="Satellite detections: import them, matched against the stored AIS.",
    no_args_is_help=True,
)

Database = Annotated[
    str | None,
    typer.Option(
        "--database", "-d", envvar="MDA_DATABASE_URL", show_envvar=True,
        help="PostgreSQL URL of the store (default: mda's embedded server).",
    ),
]  # fmt: skip


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise SourceError(f"cannot read {path}: {exc.strerror or exc}") from exc


def _columns(pairs: list[str]) -> dict[str, str]:
    from mda.detections.formats import ALIASES

    chosen = {}
    for pair in pairs:
        field, sep, column = pair.partition("=")
        if not sep or field not in ALIASES:
            raise ConfigError(
                f"--column takes FIELD=COLUMN with FIELD one of {', '.join(ALIASES)}, not {pair!r}"
            )
        chosen[field] = column
    return chosen


def _known(path: Path) -> list[FixedObject]:
    """Fixed objects from a CSV with name, lat and lon columns."""
    from mda.detections.infrastructure import FixedObject

    rows = csv.DictReader(io.StringIO(_text(path)))
    try:
        return [FixedObject(r["name"], float(r["lat"]), float(r["lon"])) for r in rows]
    except (KeyError, ValueError) as exc:
        raise ConfigError(f"{path}: fixed objects need name, lat and lon columns ({exc})") from exc


@app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="Detections: CSV (GFW SAR fields or named "
                                              "columns) or GeoJSON points.")],
    database: Database = None,
    footprints: Annotated[
        Path | None,
        typer.Option(help="Scene footprints: GeoJSON polygons or CSV of scene_id and WKT."),
    ] = None,
    column: Annotated[
        list[str] | None,
        typer.Option(help="FIELD=COLUMN for a plain CSV (time, lat, lon, length_m, score, "
                          "scene_id, detect_id); repeatable."),
    ] = None,
    position_error: Annotated[
        float, typer.Option(help="The detector's position error, metres (one deviation).")
    ] = 250.0,
    known: Annotated[
        Path | None,
        typer.Option(help="Known fixed objects (platforms, turbines): CSV of name, lat, lon."),
    ] = None,
) -> None:
    """Match each detection against the AIS in the store at its image time and store it:
    matched to a vessel, unmatched (a dark-vessel candidate) or a fixed object."""
    from mda.cli.db import resolve_database
    from mda.detections.formats import read_detections, read_footprints
    from mda.detections.infrastructure import InfrastructureSettings
    from mda.detections.match import MatchSettings
    from mda.store.detections import import_detections

    found = read_detections(_text(file), file.name, _columns(column or []))
    if footprints is not None:
        found.footprints.update(read_footprints(_text(footprints), footprints.name))
    if not found.detections:
        raise ConfigError(f"{file}: no detections read ({dict(found.refused) or 'empty'})")
    summary = asyncio.run(import_detections(
        resolve_database(database), found.detections, source=file.name,
        footprints=found.footprints, settings=MatchSettings(detection_sigma_m=position_error),
        infrastructure=InfrastructureSettings.for_position_error(position_error),
        known=_known(known) if known else (),
    ))  # fmt: skip
    counts = summary.by_status
    text = (
        f"{summary.detections} detections in {summary.scenes} scenes: {counts['matched']} "
        f"matched to AIS, {counts['unmatched']} unmatched (dark-vessel candidates), "
        f"{counts['infrastructure']} fixed objects"
    )
    if found.refused:
        reasons = ", ".join(f"{n} {why}" for why, n in sorted(found.refused.items()))
        text += f"; {sum(found.refused.values())} rows refused ({reasons})"
    typer.echo(text)
