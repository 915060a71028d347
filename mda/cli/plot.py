"""``mda plot``: pictures of the store (a track, a zone's traffic, alerts, density) written to
PNG, SVG or PDF by the output's extension. A thin shell around ``mda.plot``, which draws them
(and which a notebook calls for the same figures)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Final

import typer

from mda.cli.query import (
    AreaBox,
    AreaFile,
    AreaZone,
    Database,
    FlagFilter,
    From,
    MaxGap,
    NameProperty,
    ShipTypeFilter,
    To,
    Zones,
    density_filter,
)
from mda.errors import ConfigError, MdaError
from mda.store.timeargs import parse_duration, parse_window

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from mda.zones import ZoneCatalog

app = typer.Typer(
    help="Pictures of the store: a track, a zone's traffic, alerts, density (PNG, SVG, PDF).",
    no_args_is_help=True,
)

IMAGE_FORMATS: Final = ("png", "svg", "pdf")
Out = Annotated[
    Path, typer.Option("--out", "-o", help="The picture: .png, .svg or .pdf (by its extension).")
]
Dpi = Annotated[int, typer.Option(help="Dots per inch of a PNG (the figure is 10 x 8 in).")]


def _format_of(out: Path) -> str:
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in IMAGE_FORMATS:
        raise ConfigError(f"--out {out}: give a .png, .svg or .pdf file")
    return fmt


def _window(start: str | None, end: str | None) -> tuple[datetime, datetime]:
    return parse_window(start, end, now=datetime.now(UTC))


def _catalog(zones: list[Path] | None, name_property: str | None) -> ZoneCatalog | None:
    if not zones:
        return None
    from mda.cli.zones import report_repairs
    from mda.zones import load_zones

    catalog = load_zones(zones, name_property=name_property)
    report_repairs(catalog)
    return catalog


def _url(database: str | None) -> str:
    from mda.cli.db import resolve_database

    return resolve_database(database)


def _save(figure: Figure, out: Path, dpi: int, what: str) -> None:
    fmt = _format_of(out)
    try:
        figure.savefig(out, format=fmt, dpi=dpi)
    except OSError as exc:
        raise MdaError(f"cannot write {out}: {exc.strerror or exc}") from exc
    typer.echo(f"{what}, drawn to {out}", err=True)


@app.command()
def track(
    vessel: Annotated[str, typer.Argument(help="MMSI, IMO ('IMO 9320738') or ship name.")],
    out: Out,
    database: Database = None,
    start: From = None,
    end: To = None,
    gap: Annotated[str, typer.Option(help="A silence this long starts a new segment.")] = "30m",
    dpi: Dpi = 100,
) -> None:
    """A vessel's track coloured by speed over ground, on land, sea areas, cables and ports."""
    import mda.plot

    _format_of(out)
    since, until = _window(start, end)
    figure = mda.plot.track(_url(database), vessel, since, until,
                            gap_s=parse_duration(gap, name="--gap"))  # fmt: skip
    _save(figure, out, dpi, f"track of {vessel}")


@app.command()
def zone(
    zone_id: Annotated[str, typer.Argument(help="A zone id (see mda zones list).")],
    out: Out,
    zones: Zones = None,
    name_property: NameProperty = None,
    database: Database = None,
    start: From = None,
    end: To = None,
    dpi: Dpi = 100,
) -> None:
    """A zone's traffic: the tracks inside it and the vessels present hour by hour."""
    import mda.plot

    _format_of(out)
    since, until = _window(start, end)
    figure = mda.plot.zone(_url(database), zone_id, since, until,
                           zones=_catalog(zones, name_property))  # fmt: skip
    _save(figure, out, dpi, f"traffic of {zone_id}")


@app.command()
def alerts(
    out: Out,
    rule: Annotated[list[str] | None, typer.Option(help="Only these rules (repeatable).")] = None,
    severity: Annotated[
        list[str] | None, typer.Option(help="alarm, warning or caution (repeatable).")
    ] = None,
    zones: Zones = None,
    name_property: NameProperty = None,
    database: Database = None,
    start: From = None,
    end: To = None,
    dpi: Dpi = 100,
) -> None:
    """The alerts alive in the window where they were raised: colour by severity, marker by
    rule."""
    import mda.plot

    _format_of(out)
    since, until = _window(start, end)
    figure = mda.plot.alerts(_url(database), since, until, rule=rule, severity=severity,
                             zones=_catalog(zones, name_property))  # fmt: skip
    _save(figure, out, dpi, "alerts")


@app.command()
def density(
    out: Out,
    cell: Annotated[float, typer.Option("--cell", help="Cell size in degrees (dividing 180: "
                                        "1, 0.5, 0.25, 0.1 ...).")] = 0.1,
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
    dpi: Dpi = 100,
) -> None:
    """Vessel-hours per square cell (as mda query density counts them) on a log scale."""
    import mda.plot

    _format_of(out)
    since, until = _window(start, end)
    where = density_filter(zone_id, bbox, geojson, ship_type, flag, name_property)
    figure = mda.plot.density(_url(database), since, until, cell_deg=cell, where=where,
                              max_gap_s=parse_duration(max_gap, name="--max-gap"),
                              zones=_catalog(zones, name_property))  # fmt: skip
    _save(figure, out, dpi, "density")
