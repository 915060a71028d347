"""Operators' zone files converted into mda's zone schema.

Each importer reads one published format (TeleGeography submarine cables, Marine Regions EEZ,
the NGA World Port Index CSV, Natural Earth land) and returns GeoJSON Features with a top-level
``id`` and the properties ``id``, ``name``, ``kind``, ``provenance`` plus the kind's own
(``width_m`` of a cable, ``radius_m`` of a port ...), ready for ``write_features`` and for
``zones_from_geojson``. Importers only convert: geometry is passed on as the publisher drew it
(the catalogue repairs and wraps it when loading).

Records that cannot become a zone (a port without a position, a duplicate id) are left out and
listed in ``ImportResult.skipped``; a file that is not the expected format raises ``ZoneError``
naming the file and what is wrong.
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, TypeAlias, TypeVar

from mda.zones.catalog import ZoneError, checked_shape
from mda.zones.model import DEFAULT_CABLE_WIDTH_M, DEFAULT_PORT_RADIUS_M

Feature: TypeAlias = dict[str, Any]
K = TypeVar("K")


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What an importer made of a file.

    ``features`` are zone Features in mda's schema; ``skipped`` says, one line each, which input
    records were left out and why; ``notes`` lists values that were dropped or repaired in
    records that were kept (an unreadable UN/LOCODE, a cable without metadata).
    """

    features: list[Feature]
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def collection(self) -> dict[str, Any]:
        """The features as a GeoJSON FeatureCollection."""
        return {"type": "FeatureCollection", "features": self.features}


Importer: TypeAlias = Callable[[Path], ImportResult]


# --- shared helpers -------------------------------------------------------------------------


def _read_json(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ZoneError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ZoneError(f"{path}: not JSON (not UTF-8 text: {exc.reason})") from exc
    try:
        return json.loads(text)
    except ValueError as exc:
        raise ZoneError(f"{path}: not JSON ({exc})") from exc


def _feature_list(path: Path, what: str) -> list[Feature]:
    """The Features of a GeoJSON FeatureCollection file, each checked to be a Feature object."""
    document = _read_json(path)
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        found = document.get("type") if isinstance(document, dict) else type(document).__name__
        raise ZoneError(f"{path}: expected a GeoJSON FeatureCollection of {what}, found {found!r}")
    features = document.get("features")
    if not isinstance(features, list):
        raise ZoneError(f"{path}: a FeatureCollection without a features list")
    if not features:
        raise ZoneError(f"{path}: no features (expected {what})")
    for index, feature in enumerate(features):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            raise ZoneError(f"{path}: feature {index + 1} is not a GeoJSON Feature")
        properties = feature.get("properties")
        if properties is not None and not isinstance(properties, dict):
            raise ZoneError(f"{path}: feature {index + 1} has properties that are not an object")
    return features


def _properties(feature: Feature) -> dict[str, Any]:
    return feature.get("properties") or {}


def _geometry(
    feature: Feature, allowed: Iterable[str], label: str, skipped: list[str], where: str = ""
) -> dict[str, Any] | None:
    """The feature's geometry object, after checking its type and that its coordinates parse;
    None when the feature has no geometry, noted in ``skipped`` under ``where`` (the label when
    not given): such a feature is left out, while a broken one fails the file.

    Checked here, once, so that a broken file is reported as that file's problem rather than as
    an error from deep inside the geometry code when the zones are later loaded.
    """
    allowed = tuple(allowed)
    raw = feature.get("geometry")
    if raw is None:
        skipped.append(f"{where or label}: no geometry")
        return None
    if not isinstance(raw, dict):
        raise ZoneError(f"{label}: geometry is not a GeoJSON object")
    kind = raw.get("type")
    if kind not in allowed:
        raise ZoneError(f"{label}: geometry type {kind!r}, expected {' or '.join(allowed)}")
    checked_shape(raw, label, kind)
    return raw


def _key(path: Path, index: int, key: K | None, missing: str) -> K:
    """A feature's identifying property; a feature without it means the file is not what the
    importer reads (``missing`` says what was looked for and what the file may be instead)."""
    if key is None:
        raise ZoneError(f"{path}: feature {index + 1} has no {missing}")
    return key


def _result(path: Path, what: str, result: ImportResult) -> ImportResult:
    """The result, unless nothing in the file could be used: that is a bad file, not an import."""
    if not result.features:
        why = f": {result.skipped[0]}" if result.skipped else ""
        raise ZoneError(f"{path}: no usable {what} ({len(result.skipped)} skipped){why}")
    return result


def _feature(zone_id: str, geometry: dict[str, Any], properties: dict[str, Any]) -> Feature:
    return {
        "type": "Feature",
        "id": zone_id,
        "properties": {"id": zone_id, **properties},
        "geometry": geometry,
    }


_SLUG: Final = re.compile(r"[^a-z0-9]+")


def _slug(text: str) -> str:
    return _SLUG.sub("-", text.lower()).strip("-")


def _text(value: Any) -> str | None:
    """A non-blank string stripped, else None (sources use "", " " and null for unknown)."""
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    return text or None


def _integer(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    return int(number) if math.isfinite(number) and number.is_integer() else None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None


# --- TeleGeography submarine cables ---------------------------------------------------------

TELEGEOGRAPHY_PROVENANCE: Final = (
    "Submarine cable data © TeleGeography (submarinecablemap.com), licensed CC BY-NC-SA 3.0 "
    "(non-commercial use, share-alike: files derived from it carry the same licence). The route "
    "is as drawn on the Submarine Cable Map: stylised, not a charted position."
)

# Owner lists are one comma-separated string, but some company names contain a comma before
# their legal form ("Seren Juno Network Co., Ltd.", "Kakike, Lda.", "Ocean Specialists, Inc
# (OSI)"); such a trailing piece is glued back to the name before it.
_LEGAL_FORM: Final = re.compile(
    r"(inc|ltd|llc|lda|limited|co|corp|plc|gmbh|ag|s\.?a\.?s?|s\.?l|b\.?v|n\.?v|pte|l\.?p)\.?"
    r"(\s*\(.*\))?",
    re.IGNORECASE,
)
_YEAR: Final = re.compile(r"\b(1[89]\d\d|2\d\d\d)\b")
_KM: Final = re.compile(r"([\d][\d,]*(?:\.\d+)?)\s*km", re.IGNORECASE)


def _name_list(value: Any, separator: str) -> list[str] | None:
    """A list of names from a list or a separated string; None when there are none (unknown)."""
    if isinstance(value, list):
        listed = [text for text in (_text(v) for v in value) if text]
        return listed or None
    text = _text(value)
    if text is None:
        return None
    names: list[str] = []
    for piece in (p.strip() for p in text.split(separator)):
        if not piece:
            continue
        if names and separator == "," and _LEGAL_FORM.fullmatch(piece):
            names[-1] = f"{names[-1]}, {piece}"
        else:
            names.append(piece)
    return names or None


def _cable_facts(props: dict[str, Any]) -> dict[str, Any]:
    """The metadata mda keeps from a TeleGeography cable record, only the values known."""
    facts: dict[str, Any] = {}
    owners = _name_list(props.get("owners"), ",")
    if owners:
        facts["owners"] = owners
    suppliers = _name_list(props.get("suppliers"), ",")
    if suppliers:
        facts["suppliers"] = suppliers
    # The enriched file has parsed rfs_year / length_km; the upstream per-cable records only the
    # text ("2023 Q3", "45,000 km"), so fall back to reading the text.
    rfs_year = _integer(props.get("rfs_year"))
    if rfs_year is None and (year := _YEAR.search(_text(props.get("rfs")) or "")):
        rfs_year = int(year.group(1))
    if rfs_year is not None:
        facts["rfs_year"] = rfs_year
    length_km = _number(props.get("length_km"))
    if length_km is None and (km := _KM.search(_text(props.get("length")) or "")):
        length_km = _number(km.group(1).replace(",", ""))
    if length_km is not None and length_km > 0:
        facts["length_km"] = length_km
    if isinstance(props.get("is_planned"), bool):
        facts["is_planned"] = props["is_planned"]
    countries = _name_list(props.get("landing_countries"), ";")
    if countries:
        facts["landing_countries"] = countries
    for key in ("url", "color"):
        if (value := _text(props.get(key))) is not None:
            facts[key] = value
    return facts


def _cable_metadata(path: Path) -> dict[str, dict[str, Any]]:
    """Cable records by TeleGeography id, from an enriched FeatureCollection (such as
    ``cables_with_metadata.geojson``), a JSON list of the upstream ``cable/<id>.json`` records,
    or one such record."""
    document = _read_json(path)
    if isinstance(document, dict) and document.get("type") == "FeatureCollection":
        features = document.get("features")
        if not isinstance(features, list):
            raise ZoneError(f"{path}: a FeatureCollection without a features list")
        records = [f.get("properties") for f in features if isinstance(f, dict)]
    elif isinstance(document, list):
        records = document
    elif isinstance(document, dict):
        records = [document]
    else:
        raise ZoneError(f"{path}: expected TeleGeography cable metadata, found {document!r:.40}")
    by_id: dict[str, dict[str, Any]] = {}
    for record in records:
        if isinstance(record, dict) and (cable_id := _text(record.get("id"))):
            # Split cables repeat the same record once per drawn feature; the first is kept.
            by_id.setdefault(cable_id, record)
    if not by_id:
        raise ZoneError(f"{path}: no cable records with an id (not TeleGeography cable metadata)")
    return by_id


def telegeography_cables(
    path: Path, metadata: Path | None = None, width_m: float = DEFAULT_CABLE_WIDTH_M
) -> ImportResult:
    """Cables of TeleGeography's ``cable-geo.json`` (or of ``cables_with_metadata.geojson``,
    which carries the metadata inline), one Feature per cable id.

    TeleGeography draws a few cables as two features with the same id; their lines are merged
    into one MultiLineString. ``metadata`` (an enriched FeatureCollection or the per-cable
    records) adds owners, RFS year and length, and wins over inline values. ``width_m`` is the
    corridor width (total, half each side) written to every cable.
    """
    if not (math.isfinite(width_m) and width_m > 0):
        raise ZoneError(f"cable corridor width must be a positive number of metres, not {width_m}")
    features = _feature_list(path, "TeleGeography cables")
    extra = _cable_metadata(metadata) if metadata is not None else {}
    lines: dict[str, list[Any]] = {}
    first: dict[str, dict[str, Any]] = {}
    notes: list[str] = []
    skipped: list[str] = []
    for index, feature in enumerate(features):
        props = _properties(feature)
        cable_id = _key(path, index, _text(props.get("id")),
                        "cable id in properties.id (not a TeleGeography cable file?)")  # fmt: skip
        label = f"{path}: cable {cable_id!r}"
        geometry = _geometry(feature, ("LineString", "MultiLineString"), label, skipped,
                             f"{label} (feature {index + 1})")  # fmt: skip
        if geometry is None:
            continue
        coords = geometry["coordinates"]
        parts = coords if geometry["type"] == "MultiLineString" else [coords]
        if cable_id in first:
            other = _text(first[cable_id].get("name"))
            if _text(props.get("name")) != other:
                notes.append(f"cable {cable_id!r}: parts named {other!r} and {props.get('name')!r}")
        else:
            first[cable_id] = props
            lines[cable_id] = []
        lines[cable_id].extend(parts)
    source = path.name if metadata is None else f"{path.name} with metadata from {metadata.name}"
    out: list[Feature] = []
    for cable_id, parts in lines.items():
        props = first[cable_id]
        facts = _cable_facts(props)
        if metadata is not None:
            if cable_id in extra:
                facts.update(_cable_facts(extra[cable_id]))
            else:
                notes.append(f"cable {cable_id!r}: not in the metadata file {metadata}")
        name = _text(props.get("name")) or _text(extra.get(cable_id, {}).get("name")) or cable_id
        zone_id = f"tg-{_slug(cable_id) or 'cable'}"
        properties = {
            "name": name,
            "kind": "cable",
            "width_m": float(width_m),
            "telegeography_id": cable_id,
            **facts,
            "provenance": f"{TELEGEOGRAPHY_PROVENANCE} Imported by mda from {source}.",
        }
        out.append(_feature(zone_id, {"type": "MultiLineString", "coordinates": parts}, properties))
    return _result(path, "cables", ImportResult(out, skipped, notes))


# --- Marine Regions EEZ ---------------------------------------------------------------------

MARINEREGIONS_PROVENANCE: Final = (
    "EEZ boundary from Marine Regions, Flanders Marine Institute: Maritime Boundaries "
    "Geodatabase (marineregions.org), licensed CC BY 4.0. The 200 NM / median-line model of "
    "Marine Regions, not a legal boundary."
)


def _unique(described: list[tuple[Feature, str]], skipped: list[str]) -> list[Feature]:
    """The features whose id was not seen before, from (feature, description) pairs. A repeated
    id would silently replace the first zone when loaded, so the repeat is left out and listed."""
    seen: dict[str, str] = {}
    out = []
    for feature, description in described:
        if (first := seen.get(feature["id"])) is not None:
            skipped.append(f"{description}: repeats id {feature['id']!r} of {first}, left out")
            continue
        seen[feature["id"]] = description
        out.append(feature)
    return out


def marineregions_eez(path: Path) -> ImportResult:
    """Exclusive economic zones of a Marine Regions EEZ GeoJSON (the v11/v12 attribute schema:
    MRGID, GEONAME, SOVEREIGN1, ISO_SOV1, ISO_TER1, POL_TYPE ...), one Feature per MRGID."""
    features = _feature_list(path, "Marine Regions EEZ polygons")
    described: list[tuple[Feature, str]] = []
    skipped: list[str] = []
    for index, feature in enumerate(features):
        props = _properties(feature)
        mrgid = _key(path, index, _integer(props.get("MRGID")),
                     "integer MRGID property (not a Marine Regions EEZ file?)")  # fmt: skip
        label = f"{path}: EEZ MRGID {mrgid}"
        geometry = _geometry(feature, ("Polygon", "MultiPolygon"), label, skipped)
        if geometry is None:
            continue
        # Overlapping claims and joint regimes name up to three sovereigns.
        claimants = [
            iso for iso in (_text(props.get(f"ISO_SOV{i}")) for i in (1, 2, 3)) if iso is not None
        ]
        properties = {
            "name": _text(props.get("GEONAME")) or f"EEZ {mrgid}",
            "kind": "eez",
            "mrgid": mrgid,
            "pol_type": _text(props.get("POL_TYPE")),
            "sovereign": _text(props.get("SOVEREIGN1")),
            "sovereign_iso3": _text(props.get("ISO_SOV1")),
            "territory": _text(props.get("TERRITORY1")),
            "territory_iso3": _text(props.get("ISO_TER1")),
            "claimants_iso3": claimants,
            "area_km2": _number(props.get("AREA_KM2")),
            "provenance": f"{MARINEREGIONS_PROVENANCE} Imported by mda from {path.name}.",
        }
        described.append(
            (_feature(f"eez-{mrgid}", geometry, properties), f"{path.name} feature {index + 1}")
        )
    return _result(path, "EEZ polygons", ImportResult(_unique(described, skipped), skipped))


# --- NGA World Port Index -------------------------------------------------------------------

WPI_PROVENANCE: Final = (
    "Port position from the NGA World Port Index (Pub. 150), US Government work, public "
    "domain; one point per port, to about 1 arc-minute."
)
WPI_NUMBER: Final = "World Port Index Number"
WPI_REQUIRED: Final = (WPI_NUMBER, "Main Port Name", "Latitude", "Longitude")

# NGA classes a harbour by its size, it gives no extent. These radii are mda's choice, meant to
# take in the basins, berths and inner anchorage of a typical port of each class; a point is
# about 1.85 km off at worst, so even the smallest circle keeps the port inside.
HARBOR_RADIUS_M: Final[dict[str, float]] = {
    "Very Small": 2000.0,
    "Small": 3000.0,
    "Medium": 5000.0,
    "Large": 8000.0,
}
# A blank (or unrecognised) Harbor Size gets mda's default port radius, that of a Small
# harbour: the middle of the range, since most ports are Very Small or Small.
UNKNOWN_HARBOR_RADIUS_M: Final = DEFAULT_PORT_RADIUS_M
# UN/LOCODE: a two-letter country code then three letters or digits 2-9 (NGA writes "EG SUZ").
_LOCODE: Final = re.compile(r"[A-Z]{2}[A-Z2-9]{3}")


def _wpi_rows(path: Path) -> tuple[list[tuple[int, dict[str, str | None]]], list[str]]:
    """(line number, row) pairs of the CSV, and its columns."""
    try:
        # utf-8-sig: NGA's export starts with a byte-order mark, which would otherwise become
        # part of the first column's name.
        with path.open(encoding="utf-8-sig", newline="") as stream:
            reader = csv.DictReader(stream)
            columns = list(reader.fieldnames or [])
            missing = [c for c in WPI_REQUIRED if c not in columns]
            if missing:
                raise ZoneError(
                    f"{path}: missing column(s) {', '.join(repr(c) for c in missing)} "
                    "(not a World Port Index CSV?)"
                )
            rows = [(reader.line_num, row) for row in reader]
    except OSError as exc:
        raise ZoneError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ZoneError(f"{path}: not a UTF-8 CSV file ({exc.reason})") from exc
    except csv.Error as exc:
        raise ZoneError(f"{path}: malformed CSV ({exc})") from exc
    return rows, columns


def _unlocode(value: str | None) -> str | None:
    code = (value or "").replace(" ", "").upper()
    return code if _LOCODE.fullmatch(code) else None


def _wpi_id(text: str) -> str | None:
    """The id part of a World Port Index Number: "8225.0" -> "8225". A few numbers are not
    whole ("49454.5" for Kattupalli next to Kamarajar's 49454); they keep their fraction
    ("49454-5") so that they do not collide with the port they were numbered after."""
    number = _number(text)
    if number is None or number <= 0:
        return None
    if number.is_integer():
        return str(int(number))
    return text.strip().rstrip("0").replace(".", "-")


def world_port_index(path: Path) -> ImportResult:
    """Ports of the NGA World Port Index CSV (``UpdatedPub150.csv``) as points with a radius
    from their Harbor Size. Rows without a usable number or position are skipped and listed."""
    rows, _ = _wpi_rows(path)
    if not rows:
        raise ZoneError(f"{path}: no rows after the header")

    def cell(row: dict[str, str | None], column: str) -> str | None:
        return _text(row.get(column))

    # The "Country Code" column holds country names ("Saudi Arabia"). Our schema's `country` is
    # the ISO 3166 alpha-2 code, which is the first two letters of a UN/LOCODE. The name is the
    # more reliable of the two: a few LOCODEs carry another country's prefix (St Petersburg,
    # Florida has "RU LED", St Petersburg in Russia). So a port gets the code that most of its
    # country's ports carry, and its own LOCODE's prefix only where no code has a majority.
    codes: dict[str, Counter[str]] = defaultdict(Counter)
    for _, row in rows:
        country = cell(row, "Country Code")
        if country and (locode := _unlocode(row.get("UN/LOCODE"))):
            codes[country][locode[:2]] += 1
    usual = {
        country: code
        for country, counter in codes.items()
        for code, count in counter.most_common(1)
        if count * 2 > counter.total()
    }

    described: list[tuple[Feature, str]] = []
    skipped: list[str] = []
    notes: list[str] = []
    for line, row in rows:
        name = cell(row, "Main Port Name")
        where = f"{path.name} line {line} ({name or 'unnamed'})"
        number = _wpi_id(row.get(WPI_NUMBER) or "")
        if number is None:
            skipped.append(f"{where}: no usable World Port Index Number {row.get(WPI_NUMBER)!r}")
            continue
        lat = _number(row.get("Latitude"))
        lon = _number(row.get("Longitude"))
        if lat is None or lon is None or abs(lat) > 90 or abs(lon) > 180 or (lat == lon == 0):
            # 0, 0 is the usual placeholder of a missing position, never a port.
            skipped.append(
                f"{where}: no valid position (Latitude {row.get('Latitude')!r}, "
                f"Longitude {row.get('Longitude')!r})"
            )
            continue
        raw_locode = cell(row, "UN/LOCODE")
        locode = _unlocode(raw_locode)
        if raw_locode and locode is None:
            notes.append(f"{where}: UN/LOCODE {raw_locode!r} is not a LOCODE, left out")
        country_name = cell(row, "Country Code")
        country = usual.get(country_name or "") or (locode[:2] if locode else None)
        if locode and locode[:2] != country:
            notes.append(
                f"{where}: UN/LOCODE {locode} does not match country {country_name} ({country})"
            )
        size = cell(row, "Harbor Size")
        properties = {
            "name": name or f"WPI {number}",
            "kind": "port",
            "wpi_number": _integer(row.get(WPI_NUMBER)) or _number(row.get(WPI_NUMBER)),
            "alternate_name": cell(row, "Alternate Port Name"),
            "country": country,
            "country_name": country_name,
            "unlocode": locode,
            "harbor_size": size,
            "harbor_type": cell(row, "Harbor Type"),
            "water_body": cell(row, "World Water Body"),
            "radius_m": HARBOR_RADIUS_M.get(size or "", UNKNOWN_HARBOR_RADIUS_M),
            "provenance": (
                f"{WPI_PROVENANCE} Radius chosen by mda from the Harbor Size "
                f"({size or 'not given'}). Imported by mda from {path.name}."
            ),
        }
        # The CSV prints binary float noise ("38.983333000000002"); 6 decimals are 0.1 m.
        point = {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]}
        described.append((_feature(f"wpi-{number}", point, properties), where))
    return _result(path, "ports", ImportResult(_unique(described, skipped), skipped, notes))


# --- Natural Earth land ---------------------------------------------------------------------

NATURAL_EARTH_PROVENANCE: Final = (
    "Land polygon from Natural Earth (naturalearthdata.com), public domain. The coast is "
    "generalised (about 0.5-1 km at 1:10m, more at 1:50m) and harbour basins are often land."
)


def natural_earth_land(path: Path) -> ImportResult:
    """Land polygons of a Natural Earth land file (``ne_10m_land``, ``ne_50m_land``,
    ``ne_10m_minor_islands`` ...) numbered in file order, geometry as published."""
    features = _feature_list(path, "Natural Earth land polygons")
    out: list[Feature] = []
    skipped: list[str] = []
    for index, feature in enumerate(features):
        props = _properties(feature)
        label = f"{path}: feature {index + 1}"
        geometry = _geometry(feature, ("Polygon", "MultiPolygon"), label, skipped)
        if geometry is None:
            continue
        featurecla = _text(props.get("featurecla")) or "Land"
        # The class goes into the id so that minor islands ("ne-minor-island-3") imported from
        # their own file do not replace the land polygon of the same number ("ne-land-3").
        zone_id = f"ne-{_slug(featurecla) or 'land'}-{index + 1}"
        properties = {
            "name": f"Natural Earth {featurecla.lower()} {index + 1}",
            "kind": "land",
            "featurecla": featurecla,
            "scalerank": props.get("scalerank"),
            "min_zoom": props.get("min_zoom"),
            "provenance": f"{NATURAL_EARTH_PROVENANCE} Imported by mda from {path.name}.",
        }
        out.append(_feature(zone_id, geometry, properties))
    return _result(path, "land polygons", ImportResult(out, skipped))


# --- writing --------------------------------------------------------------------------------


def write_features(features: list[Feature], out: Path) -> None:
    """Write ``features`` as a GeoJSON FeatureCollection: compact JSON, one feature per line
    (so a diff of two imports shows the zones that changed), coordinates as given. The file is
    replaced in one step."""
    try:
        lines = [
            json.dumps(f, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
            for f in features
        ]
    except (TypeError, ValueError) as exc:
        raise ZoneError(f"cannot write {out}: a feature is not plain JSON ({exc})") from exc
    text = '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"
    # Written beside the target and renamed over it: a failed write never leaves half a file.
    tmp = out.with_name(f".{out.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ZoneError(f"cannot write {out}: {exc.strerror or exc}") from exc


IMPORTERS: Final[dict[str, Importer]] = {
    "telegeography": telegeography_cables,
    "eez": marineregions_eez,
    "wpi": world_port_index,
    "land": natural_earth_land,
}
