"""The default zone catalogue, and loading users' GeoJSON in every shape it comes in."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import shapely
from shapely.geometry import Point, shape

from mda.resources import default_folder
from mda.rules.settings import load_rule_files
from mda.zones import ZoneCatalog, ZoneError, ZoneIndex, load_zones
from mda.zones.catalog import zones_from_geojson
from tests.data import shared

DEFAULT = load_zones()
INDEX = ZoneIndex(list(DEFAULT))


def zones_at(lat: float, lon: float) -> set[str]:
    return set(INDEX.locate([lon], [lat]).per_point(1)[0])


def test_every_default_zone_has_id_name_kind_and_provenance() -> None:
    ids = [z.id for z in DEFAULT]
    assert len(ids) == len(set(ids))
    for zone in DEFAULT:
        assert zone.name and zone.kind
        assert zone.properties.get("provenance"), zone.id
        assert zone.area.is_valid and not zone.area.is_empty


def test_the_catalogue_covers_the_regions_users_asked_for() -> None:
    seas = {z.id for z in DEFAULT.of_kind("sea")}
    assert seas >= {
        "red-sea", "gulf-of-suez", "gulf-of-aqaba", "bab-el-mandeb", "gulf-of-aden",
        "gulf-of-guinea", "mediterranean-sea", "mediterranean-western-basin",
        "mediterranean-eastern-basin",
    }  # fmt: skip
    assert {"irtc-gulf-of-aden", "piracy-high-risk-area", "jwc-listed-area-indian-ocean"} <= {
        z.id for z in DEFAULT
    }
    cables = {z.id for z in DEFAULT.of_kind("cable")}
    assert len(cables) >= 15
    assert cables >= {
        "cable-2africa", "cable-aae-1", "cable-seamewe-4", "cable-seamewe-5", "cable-seamewe-6",
        "cable-peace", "cable-eig", "cable-imewe", "cable-falcon", "cable-mainone",
        "cable-wacs", "cable-ace", "cable-sat-3-wasc", "cable-equiano", "cable-medusa",
    }  # fmt: skip
    pipelines = {z.id for z in DEFAULT.of_kind("pipeline")}
    assert pipelines >= {
        "pipeline-medgaz", "pipeline-transmed", "pipeline-greenstream", "pipeline-wagp",
    }  # fmt: skip
    assert len(DEFAULT.of_kind("port")) >= 100


@pytest.mark.parametrize(
    ("port", "lat", "lon", "sea"),
    [
        ("Jeddah", 21.47, 39.15, "red-sea"),
        ("Port Sudan", 19.61, 37.23, "red-sea"),
        ("Djibouti", 11.60, 43.14, "gulf-of-aden"),
        ("Suez (Port Tawfiq)", 29.94, 32.56, "gulf-of-suez"),
        ("Tema", 5.63, 0.02, "gulf-of-guinea"),
        ("Lagos (Apapa)", 6.44, 3.38, "gulf-of-guinea"),
        ("Algeciras", 36.13, -5.43, "mediterranean-western-basin"),
        ("Piraeus", 37.94, 23.63, "mediterranean-eastern-basin"),
    ],
)
def test_a_ship_in_port_is_inside_its_sea(port: str, lat: float, lon: float, sea: str) -> None:
    found = zones_at(lat, lon)
    assert sea in found, port
    assert any(z.startswith("port-") for z in found), port
    if sea.startswith("mediterranean"):
        assert "mediterranean-sea" in found


@pytest.mark.parametrize(
    ("place", "lat", "lon"),
    [
        ("Atlantic west of Trafalgar-Spartel", 36.0, -6.5),
        ("Sea of Marmara", 40.7, 28.5),
        ("Black Sea", 43.0, 34.0),
        ("Arabian Sea", 14.0, 55.0),
        ("Atlantic off the Gulf of Guinea limit", 2.0, -12.0),
        ("Cairo", 30.04, 31.24),
        ("Riyadh", 24.71, 46.68),
        ("Madrid", 40.42, -3.70),
        ("Great Bitter Lake (Suez Canal)", 30.33, 32.37),
    ],
)
def test_places_outside_the_seas_are_in_none(place: str, lat: float, lon: float) -> None:
    assert not {z for z in zones_at(lat, lon) if DEFAULT.get(z) and DEFAULT.get(z).kind == "sea"}, (
        place
    )  # type: ignore[union-attr]


def test_the_two_basins_tile_the_mediterranean() -> None:
    west = DEFAULT.get("mediterranean-western-basin")
    east = DEFAULT.get("mediterranean-eastern-basin")
    whole = DEFAULT.get("mediterranean-sea")
    assert west and east and whole
    assert west.area.intersection(east.area).area < 1e-6
    assert whole.area.symmetric_difference(shapely.union(west.area, east.area)).area < 1e-3


def test_default_seas_agree_with_the_iho_polygons_derived_from_natural_earth() -> None:
    """Ours are drawn by hand from the limit texts; a derived polygon set checks them."""
    derived = json.loads(
        shared(
            "zones/iho_s23_derived/iho_s23_sea_areas_derived_simplified_0p01deg.geojson"
        ).read_text()
    )
    by_name = {
        f["properties"].get("id") or f["properties"].get("name"): shape(f["geometry"])
        for f in derived["features"]
    }
    compared = 0
    for zone in DEFAULT.of_kind("sea"):
        other = next(
            (
                g
                for k, g in by_name.items()
                if k and (k == zone.id or str(k).lower() == zone.name.lower())
            ),
            None,
        )
        if other is None:
            continue
        iou = zone.area.intersection(other).area / zone.area.union(other).area
        assert iou > 0.85, (zone.id, iou)
        compared += 1
    assert compared >= 5


# --- users' own GeoJSON -------------------------------------------------------------------


def feature(geometry: dict[str, Any], **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": props, "geometry": geometry}


SQUARE = {"type": "Polygon", "coordinates": [[[10, 10], [11, 10], [11, 11], [10, 11], [10, 10]]]}


def test_feature_collection_single_feature_and_bare_geometry() -> None:
    collection = {"type": "FeatureCollection", "features": [feature(SQUARE, id="a", name="A")]}
    assert [z.id for z in zones_from_geojson(collection, "f", "f")] == ["a"]
    assert [z.id for z in zones_from_geojson(feature(SQUARE, name="Box Area"), "f", "f")] == [
        "box-area"
    ]
    (bare,) = zones_from_geojson(SQUARE, "drawn", "f")
    assert (bare.id, bare.kind) == ("drawn-1", "custom")


def test_geometry_collection_members_become_zones_by_kind() -> None:
    collection = {
        "type": "GeometryCollection",
        "geometries": [SQUARE, {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}],
    }
    zones = zones_from_geojson(feature(collection, id="mixed"), "f", "f")
    assert {(z.id, z.kind) for z in zones} == {("mixed-areas", "custom"), ("mixed-lines", "cable")}


def test_multipolygon_and_multilinestring() -> None:
    multi = {
        "type": "MultiPolygon",
        "coordinates": [SQUARE["coordinates"], [[[20, 20], [21, 20], [21, 21], [20, 20]]]],
    }
    (zone,) = zones_from_geojson(feature(multi, id="two", kind="mpa"), "f", "f")
    assert zone.area.geom_type == "MultiPolygon"
    lines = {"type": "MultiLineString", "coordinates": [[[0, 0], [0, 1]], [[1, 0], [1, 1]]]}
    (cable,) = zones_from_geojson(feature(lines, id="c", kind="pipeline"), "f", "f")
    assert cable.width_m == 1000.0  # pipeline default


def test_self_intersecting_polygon_is_repaired() -> None:
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]]]}
    (zone,) = zones_from_geojson(feature(bowtie, id="bowtie"), "f", "f")
    assert zone.area.is_valid
    assert zone.area.area == pytest.approx(2.0)


def test_what_cannot_be_repaired_names_the_file_and_feature() -> None:
    flat = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [2, 0], [0, 0]]]}
    with pytest.raises(ZoneError, match=r"zones\.geojson: feature 'flat'"):
        zones_from_geojson(feature(flat, id="flat"), "zones", "zones.geojson")
    with pytest.raises(ZoneError, match="feature 'bad': malformed geometry"):
        zones_from_geojson(
            feature({"type": "Polygon", "coordinates": [[1, 2]]}, id="bad"), "z", "z"
        )
    with pytest.raises(ZoneError, match="unknown kind 'sae'"):
        zones_from_geojson(feature(SQUARE, id="typo", kind="sae"), "z", "z")
    with pytest.raises(ZoneError, match="width_m must be a positive number"):
        line = {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}
        zones_from_geojson(feature(line, id="c", kind="cable", width_m=-5), "z", "z")


def test_polygon_across_the_antimeridian_covers_both_sides_not_the_globe() -> None:
    fiji = {
        "type": "Polygon",
        "coordinates": [[[179, -17], [-179, -17], [-179, -18], [179, -18], [179, -17]]],
    }
    (zone,) = zones_from_geojson(feature(fiji, id="fiji"), "f", "f")
    index = ZoneIndex([zone])
    inside = index.locate([179.5, -179.5, 0.0], [-17.5, -17.5, -17.5]).per_point(3)
    assert inside == [["fiji"], ["fiji"], []]
    assert zone.area.area == pytest.approx(2.0)


def test_bbox_that_straddles_the_antimeridian() -> None:
    boxed = {
        "type": "Feature",
        "properties": {"id": "dateline"},
        "geometry": None,
        "bbox": [170, -10, -170, 10],
    }
    (zone,) = zones_from_geojson(boxed, "f", "f")
    index = ZoneIndex([zone])
    assert index.locate([175, -175, 0], [0, 0, 0]).per_point(3) == [["dateline"], ["dateline"], []]


def test_a_users_folder_overrides_a_default_zone(tmp_path: Path) -> None:
    moved = feature(
        {"type": "Point", "coordinates": [39.0, 21.0]},
        id="port-jeddah",
        kind="port",
        name="Jeddah (moved)",
        radius_m=500,
    )
    (tmp_path / "mine.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": [moved]})
    )
    catalog = load_zones([tmp_path])
    jeddah = catalog.get("port-jeddah")
    assert jeddah is not None and jeddah.name == "Jeddah (moved)"
    assert len(catalog) == len(DEFAULT)


def test_missing_folder_and_bad_json_are_clear(tmp_path: Path) -> None:
    with pytest.raises(ZoneError, match="no zone file or folder"):
        ZoneCatalog.load([tmp_path / "nope"])
    (tmp_path / "bad.geojson").write_text("{not json")
    with pytest.raises(ZoneError, match=r"bad\.geojson: not JSON"):
        ZoneCatalog.load([tmp_path])


def test_a_port_circle_has_its_radius() -> None:
    jeddah = DEFAULT.get("port-jeddah")
    assert jeddah is not None and jeddah.point is not None and jeddah.radius_m
    from mda.zones.geodesic import point_to_line_m

    edge = point_to_line_m(jeddah.point.x, jeddah.point.y, jeddah.area.exterior)
    assert edge == pytest.approx(jeddah.radius_m, rel=0.01)
    assert jeddah.area.contains(Point(jeddah.point.x, jeddah.point.y))


@pytest.mark.parametrize(
    ("place", "lat", "lon", "inside"),
    [
        ("southern Red Sea off Massawa", 15.7, 39.7, True),
        ("Red Sea just south of 18 N", 17.9, 39.5, True),
        ("Red Sea off Port Sudan, north of 18 N", 19.7, 37.6, False),
        ("Bab el-Mandeb", 12.6, 43.35, True),
        ("Gulf of Aden", 12.5, 47.0, True),
        ("off Socotra", 12.4, 54.5, True),
        ("off Mogadishu", 2.0, 45.6, True),
        ("Somali basin, inside the 6 45 S - 10 48 N line", 0.0, 52.0, True),
        ("Arabian Sea east of the 10 48 N 60 15 E point", 12.0, 61.0, False),
        ("off Salalah, Oman", 16.8, 54.2, False),
        ("off Mombasa, Kenya", -4.1, 39.9, False),
    ],
)  # fmt: skip
def test_the_jwc_listed_area_is_where_jwla_032_says(
    place: str, lat: float, lon: float, inside: bool
) -> None:
    assert ("jwc-listed-area-indian-ocean" in zones_at(lat, lon)) is inside, place


def test_the_listed_area_is_dated_and_sourced_and_the_withdrawn_hra_says_so() -> None:
    listed = DEFAULT.get("jwc-listed-area-indian-ocean")
    assert listed is not None
    assert listed.properties["valid_from"] == "2023-12-18"
    assert "JWLA-032" in listed.properties["source"] and "JWLA-032" in listed.name
    hra = DEFAULT.get("piracy-high-risk-area")
    assert hra is not None
    assert hra.properties["status"] == "withdrawn" and "withdrawn" in hra.name


def test_unexpected_stop_watches_the_listed_area_not_the_withdrawn_hra() -> None:
    rules = load_rule_files([default_folder("alerts")])
    (scope,) = [r.scope for r in rules if r.scope.name == "unexpected_stop"]
    assert "jwc-listed-area-indian-ocean" in scope.zones
    assert "piracy-high-risk-area" not in scope.zones
