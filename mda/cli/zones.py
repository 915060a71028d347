"""``mda zones``: list the catalogue, check a position, import operators' files, export."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from mda.errors import MdaError

if TYPE_CHECKING:
    from mda.zones.catalog import ZoneCatalog
    from mda.zones.model import Zone

app = typer.Typer(
    help="Zones: seas, EEZs, ports, cable and pipeline corridors.", no_args_is_help=True
)

Folders = Annotated[
    list[Path] | None,
    typer.Option(
        "--zones", "-z", help="A zone file or folder on top of the defaults (repeatable)."
    ),
]
NoDefaults = Annotated[bool, typer.Option("--no-defaults", help="Leave out the default catalogue.")]
NameProperty = Annotated[
    str | None,
    typer.Option("--name-property", help="The property that names each zone of your files "
                 "(default: name, NAME, name_en, GEONAME ... then an ISO code)."),
]  # fmt: skip


def report_repairs(catalog: ZoneCatalog) -> None:
    """One line on stderr per zone whose geometry was repaired."""
    for line in catalog.repairs():
        typer.echo(f"note: {line}", err=True)


def _describe(zone: Zone) -> str:
    if zone.width_m is not None:
        return f"corridor {zone.width_m:.0f} m"
    if zone.radius_m is not None:
        return f"radius {zone.radius_m:.0f} m"
    return ""


@app.command("list")
def list_zones(
    zones: Folders = None,
    no_defaults: NoDefaults = False,
    kind: Annotated[str | None, typer.Option(help="Only this kind.")] = None,
    name_property: NameProperty = None,
) -> None:
    """List the zones in force: id, kind, name."""
    from mda.zones import load_zones

    catalog = load_zones(zones, defaults=not no_defaults, name_property=name_property)
    report_repairs(catalog)
    shown = [z for z in catalog if kind is None or z.kind == kind]
    for zone in shown:
        typer.echo(f"{zone.id:<40} {zone.kind:<10} {zone.name}  {_describe(zone)}".rstrip())
    counts: dict[str, int] = {}
    for zone in shown:
        counts[zone.kind] = counts.get(zone.kind, 0) + 1
    summary = ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
    typer.echo(f"{len(shown)} zones ({summary})", err=True)


# Points west of Greenwich or south of the equator are typed as negative numbers: arguments,
# not options.
@app.command(context_settings={"ignore_unknown_options": True})
def check(
    lat: Annotated[float, typer.Argument(help="Latitude, degrees north.", min=-90, max=90)],
    lon: Annotated[float, typer.Argument(help="Longitude, degrees east.", min=-180, max=180)],
    zones: Folders = None,
    no_defaults: NoDefaults = False,
    within_m: Annotated[
        float,
        typer.Option(help="Report cables and pipelines this close (metres).", min=1, max=50_000),
    ] = 10_000.0,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object.")] = False,
    name_property: NameProperty = None,
) -> None:
    """Which zones contain a position, the cables and pipelines near it, and the shore."""
    from mda.zones import ZoneIndex, load_zones, zone_folders

    if name_property is None:
        index = ZoneIndex.from_folders(zone_folders(zones, defaults=not no_defaults))
    else:  # names of the user's choosing: built here, not from the kept index
        catalog = load_zones(zones, defaults=not no_defaults, name_property=name_property)
        report_repairs(catalog)
        index = ZoneIndex(list(catalog), [z.area for z in catalog.of_kind("land")])
    land = index.coastline  # the land zones' shores
    by_id = {z.id: z for z in index.zones}
    inside = [by_id[i] for i in index.locate([lon], [lat]).per_point(1)[0]]
    near = sorted(
        ((index.zones[z], d) for _, z, d in index.near_lines([lon], [lat], within_m)),
        key=lambda pair: pair[1],
    )
    shore = float(index.distance_to_shore_m([lon], [lat])[0]) if land else None
    result: dict[str, Any] = {
        "lat": lat,
        "lon": lon,
        "zones": [{"id": z.id, "kind": z.kind, "name": z.name} for z in inside],
        "lines_within_m": [
            {"id": z.id, "kind": z.kind, "name": z.name, "distance_m": round(d, 1)} for z, d in near
        ],
        "on_land": any(z.kind == "land" for z in inside) if land else None,
        "distance_to_shore_m": None if shore is None or shore == float("inf") else round(shore, 1),
    }
    if as_json:
        typer.echo(json.dumps(result))
        return
    typer.echo(f"{lat:.5f} N, {lon:.5f} E")
    if not result["zones"]:
        typer.echo("  in no zone")
    for z in result["zones"]:
        typer.echo(f"  in {z['kind']:<10} {z['id']:<36} {z['name']}")
    for z in result["lines_within_m"]:
        typer.echo(f"  {z['distance_m']:>8.0f} m from {z['kind']} {z['id']} ({z['name']})")
    if land:
        where = "on land" if result["on_land"] else "at sea"
        shore_text = (
            f"{result['distance_to_shore_m']:.0f} m from shore"
            if result["distance_to_shore_m"] is not None
            else "more than 50 km from shore"
        )
        typer.echo(f"  {where}, {shore_text}")


@app.command("import")
def import_zones(
    kind: Annotated[str, typer.Argument(help="telegeography, eez, wpi or land.")],
    file: Annotated[Path, typer.Argument(help="The operator's file.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="The zone file to write (GeoJSON).")],
) -> None:
    """Convert an operator's file (TeleGeography cables, Marine Regions EEZ, World Port Index,
    Natural Earth land) into a zone file; load it with ``--zones``."""
    from mda.zones.catalog import zones_from_geojson
    from mda.zones.importers import IMPORTERS, write_features

    importer = IMPORTERS.get(kind)
    if importer is None:
        raise MdaError(f"unknown import kind {kind!r} (use one of {', '.join(sorted(IMPORTERS))})")
    result = importer(file)
    # Load what was converted, so that a file the catalogue cannot use fails here, not later.
    zones_from_geojson(
        {"type": "FeatureCollection", "features": result.features}, out.stem, str(file)
    )
    write_features(result.features, out)
    typer.echo(f"wrote {len(result.features)} {kind} zones to {out}", err=True)
    for reason in result.skipped:
        typer.echo(f"skipped: {reason}", err=True)
    for note in result.notes:
        typer.echo(f"note: {note}", err=True)


@app.command()
def export(
    out: Annotated[Path, typer.Option("--out", "-o", help="GeoJSON file to write.")],
    zones: Folders = None,
    no_defaults: NoDefaults = False,
    kind: Annotated[str | None, typer.Option(help="Only this kind.")] = None,
    areas: Annotated[
        bool, typer.Option(help="Write the areas tested (corridors, port circles), not the routes.")
    ] = False,
    name_property: NameProperty = None,
) -> None:
    """Write the zones in force as one GeoJSON FeatureCollection (repaired geometry as
    repaired)."""
    from shapely.geometry import mapping

    from mda.zones import load_zones

    catalog = load_zones(zones, defaults=not no_defaults, name_property=name_property)
    report_repairs(catalog)
    features = []
    for zone in catalog:
        if kind is not None and zone.kind != kind:
            continue
        geometry = zone.area if areas else (zone.line or zone.point or zone.area)
        features.append(
            {
                "type": "Feature",
                "id": zone.id,
                "properties": zone.properties,
                "geometry": mapping(geometry),
            }
        )
    try:
        out.write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")
    except OSError as exc:
        raise MdaError(f"cannot write {out}: {exc.strerror or exc}") from exc
    typer.echo(f"wrote {len(features)} zones to {out}", err=True)
