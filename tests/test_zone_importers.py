"""Importers of operators' zone files, run on the real published files of the shared data set.

Each importer's output must load through the catalogue into zones, and sample positions must
fall in (and out of) the zones they should: a point off Algiers in Algeria's EEZ, a vertex of
2Africa in its corridor, Jeddah in its port circle, the Sahara on land.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from shapely.geometry import shape

from mda.zones.catalog import ZoneError, load_file, zones_from_geojson
from mda.zones.geodesic import GEOD, point_to_line_m
from mda.zones.importers import (
    HARBOR_RADIUS_M,
    IMPORTERS,
    ImportResult,
    marineregions_eez,
    natural_earth_land,
    telegeography_cables,
    world_port_index,
    write_features,
)
from mda.zones.index import ZoneIndex
from mda.zones.model import Zone
from tests.data import shared

TG = "zones/telegeography_submarine_cables_2022"
CABLE_GEO = f"{TG}/cable-geo.json"
CABLES_WITH_METADATA = f"{TG}/cables_with_metadata.geojson"
EEZ = "zones/marineregions_eez_v11_simplified/eez_v11_africa_mena_simplified_repaired.geojson"
WPI = "zones/world_port_index/UpdatedPub150.csv"
NE_LAND = "zones/natural_earth_v4/ne_10m_land_aoi.geojson"


def load(result: ImportResult, stem: str) -> list[Zone]:
    """The zones the catalogue makes of an importer's features."""
    return zones_from_geojson(result.collection(), stem, stem)


def zones_at(index: ZoneIndex, lon: float, lat: float) -> set[str]:
    return set(index.locate([lon], [lat]).per_point(1)[0])


def by_id(result: ImportResult) -> dict[str, dict[str, Any]]:
    return {f["id"]: f for f in result.features}


def check_schema(result: ImportResult, kind: str) -> None:
    """Every feature in mda's zone schema: top-level id = properties.id, name, kind, provenance."""
    ids = [f["id"] for f in result.features]
    assert len(ids) == len(set(ids))
    for feature in result.features:
        props = feature["properties"]
        assert feature["type"] == "Feature"
        assert props["id"] == feature["id"]
        assert props["kind"] == kind
        assert props["name"]
        assert props["provenance"]


# --- TeleGeography --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cables() -> ImportResult:
    return telegeography_cables(shared(CABLE_GEO))


@pytest.fixture(scope="module")
def cable_index(cables: ImportResult) -> ZoneIndex:
    # Building the corridors of all 526 cables takes seconds: once for the module.
    return ZoneIndex(load(cables, "telegeography"))


def test_telegeography_gives_one_cable_per_id_and_all_load_as_corridors(
    cables: ImportResult, cable_index: ZoneIndex
) -> None:
    check_schema(cables, "cable")
    assert len(cables.features) == 526
    assert cables.skipped == []
    assert len(cable_index.zones) == 526
    assert all(z.kind == "cable" and z.width_m == 3704.0 for z in cable_index.zones)
    provenance = cables.features[0]["properties"]["provenance"]
    assert "TeleGeography" in provenance
    assert "CC BY-NC-SA 3.0" in provenance


def test_a_cable_drawn_as_two_features_becomes_one_with_both_lines() -> None:
    raw = json.loads(shared(CABLE_GEO).read_text(encoding="utf-8"))["features"]
    drawn = [f for f in raw if f["properties"]["id"] == "peace-cable"]
    assert len(drawn) == 2
    (merged,) = (
        f for f in telegeography_cables(shared(CABLE_GEO)).features if f["id"] == "tg-peace-cable"
    )
    assert merged["geometry"]["type"] == "MultiLineString"
    assert merged["geometry"]["coordinates"] == [
        line for f in drawn for line in f["geometry"]["coordinates"]
    ]


def test_a_vertex_of_2africa_is_in_its_corridor_and_a_point_20_km_off_is_not(
    cable_index: ZoneIndex,
) -> None:
    raw = json.loads(shared(CABLE_GEO).read_text(encoding="utf-8"))["features"]
    (tg_id,) = {f["properties"]["id"] for f in raw if f["properties"]["name"] == "2Africa"}
    zone_id = f"tg-{tg_id}"
    zone = next(z for z in cable_index.zones if z.id == zone_id)
    assert zone.line is not None
    # A vertex in the open eastern Mediterranean, on the Port Said - Genoa leg.
    leg = next(
        part
        for f in raw
        if f["properties"]["id"] == tg_id
        for part in f["geometry"]["coordinates"]
        if [30.60005255857544, 32.24321001626265] in part
    )
    i = leg.index([30.60005255857544, 32.24321001626265])
    (lon0, lat0), (lon1, lat1), (lon2, lat2) = leg[i - 1], leg[i], leg[i + 1]
    heading = (GEOD.inv(lon0, lat0, lon1, lat1)[0] + GEOD.inv(lon1, lat1, lon2, lat2)[0]) / 2
    near_lon, near_lat, _ = GEOD.fwd(lon1, lat1, heading + 90, 1_500.0)
    far_lon, far_lat, _ = GEOD.fwd(lon1, lat1, heading + 90, 20_000.0)
    assert point_to_line_m(far_lon, far_lat, zone.line) > 19_000.0
    assert zone_id in zones_at(cable_index, lon1, lat1)
    assert zone_id in zones_at(cable_index, near_lon, near_lat)  # inside the 1,852 m half-width
    assert zone_id not in zones_at(cable_index, far_lon, far_lat)


def test_metadata_from_the_enriched_file_or_inline_gives_owners_rfs_and_length() -> None:
    joined = by_id(telegeography_cables(shared(CABLE_GEO), metadata=shared(CABLES_WITH_METADATA)))
    inline = by_id(telegeography_cables(shared(CABLES_WITH_METADATA)))
    assert len(joined) == len(inline) == 526
    for result in (joined, inline):
        africa = result["tg-2africa"]["properties"]
        assert africa["owners"] == [
            "China Mobile", "MTN", "Meta", "Orange", "Saudi Telecom", "Telecom Egypt",
            "Vodafone", "WIOCC",
        ]  # fmt: skip
        assert africa["rfs_year"] == 2023
        assert africa["length_km"] == 45_000.0
        # A comma before a company's legal form does not split the company in two.
        assert result["tg-juno"]["properties"]["owners"] == ["Seren Juno Network Co., Ltd."]
        assert result["tg-nzadi-cable-system"]["properties"]["owners"] == [
            "Kakike, Lda.", "KumoxiCom, Lda.",
        ]  # fmt: skip
    assert (
        "metadata from cables_with_metadata.geojson"
        in joined["tg-2africa"]["properties"]["provenance"]
    )
    # Without metadata nothing is invented: owners, year and length are left out, not empty.
    bare = by_id(telegeography_cables(shared(CABLE_GEO)))["tg-2africa"]["properties"]
    assert not {"owners", "rfs_year", "length_km"} & bare.keys()


def test_upstream_per_cable_records_are_read_from_their_text_fields(tmp_path: Path) -> None:
    cable = tmp_path / "cable-geo.json"
    cable.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"id": "demo", "name": "Demo"},
                        "geometry": {"type": "LineString", "coordinates": [[30, 32], [31, 33]]},
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    records = tmp_path / "cables.json"
    records.write_text(
        json.dumps([{"id": "demo", "owners": "A, B", "rfs": "2025 Q3", "length": "1,234 km"}]),
        encoding="utf-8",
    )
    (feature,) = telegeography_cables(cable, metadata=records, width_m=1000.0).features
    props = feature["properties"]
    assert (props["owners"], props["rfs_year"], props["length_km"]) == (["A", "B"], 2025, 1234.0)
    assert props["width_m"] == 1000.0
    (zone,) = load(ImportResult([feature]), "demo")
    assert zone.width_m == 1000.0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not JSON"),
        ('{"type": "Topology"}', "expected a GeoJSON FeatureCollection"),
        (
            '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"x"},'
            '"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}]}',
            "geometry type 'Polygon', expected LineString or MultiLineString",
        ),
        (
            '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"x"},'
            '"geometry":{"type":"LineString","coordinates":[[0,0],[1,1]]}}]}',
            "no cable id",
        ),
        (
            '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"x"},'
            '"geometry":{"type":"LineString","coordinates":[[0,0]]}}]}',
            "malformed LineString coordinates",
        ),
    ],
)
def test_a_malformed_cable_file_is_a_clear_zone_error(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "cable-geo.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ZoneError, match=message) as caught:
        telegeography_cables(path)
    assert str(path) in str(caught.value)


# --- Marine Regions EEZ ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def eez() -> ImportResult:
    return marineregions_eez(shared(EEZ))


def test_marine_regions_eez_loads_all_57_zones(eez: ImportResult) -> None:
    check_schema(eez, "eez")
    assert len(eez.features) == 57
    assert eez.skipped == []
    assert len(load(eez, "eez")) == 57
    algeria = by_id(eez)["eez-8378"]["properties"]
    assert algeria["name"] == "Algerian Exclusive Economic Zone"
    assert (algeria["sovereign"], algeria["sovereign_iso3"], algeria["territory_iso3"]) == (
        "Algeria", "DZA", "DZA",
    )  # fmt: skip
    assert (algeria["pol_type"], algeria["mrgid"]) == ("200NM", 8378)
    assert "Marine Regions" in algeria["provenance"]
    assert "Flanders Marine Institute" in algeria["provenance"]
    assert "CC BY 4.0" in algeria["provenance"]
    # An overlapping claim names every claimant.
    claims = [f["properties"] for f in eez.features if f["properties"]["pol_type"] != "200NM"]
    assert len(claims) == 6
    assert all(len(p["claimants_iso3"]) >= 2 for p in claims)


def test_a_point_off_algiers_is_in_algerias_eez_and_not_moroccos(eez: ImportResult) -> None:
    index = ZoneIndex(load(eez, "eez"))
    found = zones_at(index, 3.0, 36.9)
    ids = by_id(eez)
    (algeria,) = (i for i, f in ids.items() if f["properties"]["territory_iso3"] == "DZA")
    (morocco,) = (i for i, f in ids.items() if f["properties"]["territory_iso3"] == "MAR")
    assert algeria in found
    assert morocco not in found
    assert morocco in zones_at(index, -5.0, 35.5)  # off Tetouan, in the Alboran Sea
    assert zones_at(index, 10.0, 25.0) == set()  # the Sahara is in no EEZ


def test_the_regional_eez_files_import_too() -> None:
    folder = shared(EEZ).parent
    counts = {
        name: len(marineregions_eez(folder / f"{name}.geojson").features)
        for name in ("middle-east-and-north-africa", "western-and-central-africa",
                     "east-and-southern-africa")
    }  # fmt: skip
    assert counts == {
        "middle-east-and-north-africa": 22,
        "western-and-central-africa": 17,
        "east-and-southern-africa": 18,
    }


@pytest.mark.parametrize(
    ("feature", "message"),
    [
        (
            {"type": "Feature", "properties": {"GEONAME": "X"},
             "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}},
            "no integer MRGID",
        ),
        (
            {"type": "Feature", "properties": {"MRGID": 1},
             "geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}},
            "geometry type 'LineString', expected Polygon or MultiPolygon",
        ),
        (
            {"type": "Feature", "properties": {"MRGID": 1},
             "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 95], [1, 1], [0, 0]]]}},
            "outside the globe",
        ),
    ],
)  # fmt: skip
def test_a_malformed_eez_file_is_a_clear_zone_error(
    tmp_path: Path, feature: dict[str, Any], message: str
) -> None:
    path = tmp_path / "eez.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}), "utf-8")
    with pytest.raises(ZoneError, match=message) as caught:
        marineregions_eez(path)
    assert str(path) in str(caught.value)


# --- World Port Index -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def ports() -> ImportResult:
    return world_port_index(shared(WPI))


def test_world_port_index_imports_every_port_but_the_repeated_numbers(ports: ImportResult) -> None:
    check_schema(ports, "port")
    # Every row of this edition has a valid position; two World Port Index Numbers are used
    # twice (Machilipatnam 49460, Seydisfjordur 400), and the repeats are left out.
    assert len(ports.skipped) == 2
    assert all("repeats id" in reason for reason in ports.skipped)
    assert len(ports.features) == 3_803 - len(ports.skipped) == 3_801
    assert len(load(ports, "wpi")) == 3_801
    provenance = ports.features[0]["properties"]["provenance"]
    assert "NGA" in provenance
    assert "Pub. 150" in provenance


def test_port_properties_come_from_the_csv(ports: ImportResult) -> None:
    ids = by_id(ports)
    suez = ids["wpi-48040"]["properties"]
    assert (suez["name"], suez["unlocode"], suez["country"]) == ("As Suways", "EGSUZ", "EG")
    jeddah = next(f for f in ports.features if f["properties"]["unlocode"] == "SAJED")
    assert jeddah["id"] == "wpi-48140"
    assert jeddah["properties"]["harbor_size"] == "Small"
    assert jeddah["properties"]["radius_m"] == HARBOR_RADIUS_M["Small"] == 3000.0
    # Numbers with a fraction keep it, so they do not replace the port numbered before them.
    assert ids["wpi-49454"]["properties"]["name"] == "Kamarajar Port"
    assert ids["wpi-49454-5"]["properties"]["name"] == "Kattupalli Port"
    # Blank sizes, LOCODEs and alternate names are None, not " ".
    sizes = [f["properties"]["harbor_size"] for f in ports.features]
    assert sizes.count(None) == 129  # 130 rows, one of them a repeated number
    radii = {f["properties"]["harbor_size"]: f["properties"]["radius_m"] for f in ports.features}
    assert radii == {None: 3000.0, "Very Small": 2000.0, "Small": 3000.0, "Medium": 5000.0,
                     "Large": 8000.0}  # fmt: skip
    assert all(
        f["properties"]["unlocode"] is None or len(f["properties"]["unlocode"]) == 5
        for f in ports.features
    )
    # A LOCODE that is only a country code is dropped (and said so); one whose prefix is another
    # country's does not change the port's country.
    assert any("'LB' is not a LOCODE" in note for note in ports.notes)
    st_petersburg = next(f for f in ports.features if f["properties"]["unlocode"] == "RULED")
    assert st_petersburg["properties"]["country"] == "US"


def test_jeddah_port_contains_its_own_point(ports: ImportResult) -> None:
    jeddah = next(f for f in ports.features if f["properties"]["unlocode"] == "SAJED")
    lon, lat = jeddah["geometry"]["coordinates"]
    (zone,) = load(ImportResult([jeddah]), "wpi")
    index = ZoneIndex([zone])
    assert zones_at(index, lon, lat) == {"wpi-48140"}
    east_lon, east_lat, _ = GEOD.fwd(lon, lat, 90.0, 2_500.0)
    assert zones_at(index, east_lon, east_lat) == {"wpi-48140"}
    far_lon, far_lat, _ = GEOD.fwd(lon, lat, 90.0, 3_500.0)
    assert zones_at(index, far_lon, far_lat) == set()


# As NGA writes it: a byte-order mark, then the header.
HEADER = (
    "\ufeffWorld Port Index Number,Main Port Name,UN/LOCODE,Country Code,Harbor Size,"
    "Latitude,Longitude\n"
)


def test_ports_without_a_valid_position_are_skipped_and_counted(tmp_path: Path) -> None:
    path = tmp_path / "wpi.csv"
    path.write_text(
        HEADER
        + "1.0,Good,EG SUZ,Egypt,Large,29.95,32.55\n"
        + "2.0,No latitude,,Egypt,Small, ,32.5\n"
        + "3.0,Not a number,,Egypt,Small,abc,32.5\n"
        + "4.0,Off the globe,,Egypt,Small,95.0,32.5\n"
        + "5.0,Null island,,Egypt,Small,0.0,0.0\n"
        + ",No number,,Egypt,Small,30.0,32.5\n"
        + "6.0,Without locode, ,Egypt, ,30.0,32.5\n",
        encoding="utf-8",
    )
    result = world_port_index(path)
    assert [f["id"] for f in result.features] == ["wpi-1", "wpi-6"]
    good, other = (f["properties"] for f in result.features)
    assert (good["unlocode"], good["country"], good["radius_m"]) == ("EGSUZ", "EG", 8000.0)
    # A port with no LOCODE takes the country code its country's other ports carry; one with
    # no size the radius of a Small harbour.
    assert (other["unlocode"], other["country"], other["radius_m"]) == (None, "EG", 3000.0)
    assert len(result.skipped) == 5
    assert "line 3 (No latitude): no valid position" in result.skipped[0]
    assert "no usable World Port Index Number" in result.skipped[4]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"Port,Lat,Lon\nX,1,2\n", "missing column"),
        (b"\xff\xfe\x00W\x00o", "not a UTF-8 CSV"),
        (HEADER.encode(), "no rows after the header"),
        (HEADER.encode() + b"1.0,Nowhere,,X,,,\n", "no usable ports"),
    ],
)
def test_a_malformed_port_index_is_a_clear_zone_error(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "wpi.csv"
    path.write_bytes(content)
    with pytest.raises(ZoneError, match=message) as caught:
        world_port_index(path)
    assert str(path) in str(caught.value)


# --- Natural Earth --------------------------------------------------------------------------


def test_natural_earth_land_puts_the_sahara_on_land_and_the_mid_mediterranean_at_sea() -> None:
    result = natural_earth_land(shared(NE_LAND))
    check_schema(result, "land")
    assert len(result.features) == 8
    assert [f["id"] for f in result.features] == [f"ne-land-{n}" for n in range(1, 9)]
    assert "Natural Earth" in result.features[0]["properties"]["provenance"]
    assert "public domain" in result.features[0]["properties"]["provenance"]
    # Geometry is passed on as published.
    raw = json.loads(shared(NE_LAND).read_text(encoding="utf-8"))["features"]
    assert [f["geometry"] for f in result.features] == [f["geometry"] for f in raw]
    index = ZoneIndex(load(result, "land"))
    assert len(zones_at(index, 10.0, 25.0)) == 1
    assert zones_at(index, 18.0, 35.0) == set()


def test_minor_islands_get_ids_of_their_own() -> None:
    islands = natural_earth_land(shared("zones/natural_earth_v4/ne_10m_minor_islands_aoi.geojson"))
    assert len(islands.features) == 381
    assert islands.features[0]["id"] == "ne-minor-island-1"
    assert len(load(islands, "islands")) == 381


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "not JSON"),
        ('{"type":"FeatureCollection","features":[]}', "no features"),
        (
            '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},'
            '"geometry":{"type":"Point","coordinates":[10,25]}}]}',
            "geometry type 'Point', expected Polygon or MultiPolygon",
        ),
        ('{"type":"FeatureCollection","features":[42]}', "feature 1 is not a GeoJSON Feature"),
        (
            '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},'
            '"geometry":null}]}',
            "no usable land polygons",
        ),
    ],
)
def test_a_malformed_land_file_is_a_clear_zone_error(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "land.geojson"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ZoneError, match=message) as caught:
        natural_earth_land(path)
    assert str(path) in str(caught.value)


def test_a_missing_file_is_a_clear_zone_error(tmp_path: Path) -> None:
    for importer in IMPORTERS.values():
        with pytest.raises(ZoneError, match="cannot read"):
            importer(tmp_path / "missing")


# --- writing and the command's table --------------------------------------------------------


def test_written_features_load_back_as_the_same_zones(eez: ImportResult, tmp_path: Path) -> None:
    out = tmp_path / "eez.geojson"
    write_features(eez.features, out)
    text = out.read_text(encoding="utf-8")
    assert json.loads(text) == {"type": "FeatureCollection", "features": eez.features}
    lines = text.splitlines()
    assert len(lines) == len(eez.features) + 2  # one feature a line, between "[" and "]}"
    assert all(line.startswith('{"type":"Feature"') for line in lines[1:-1])
    zones = load_file(out)
    assert [z.id for z in zones] == [f["id"] for f in eez.features]
    assert all(
        z.area.equals(shape(f["geometry"])) for z, f in zip(zones, eez.features, strict=True)
    )
    assert list(tmp_path.iterdir()) == [out]  # no temporary file left behind


def test_writing_to_a_missing_folder_is_a_clear_zone_error(tmp_path: Path) -> None:
    with pytest.raises(ZoneError, match="cannot write"):
        write_features([], tmp_path / "no" / "such" / "folder.geojson")


def test_the_command_kinds_map_to_the_importers() -> None:
    assert set(IMPORTERS) == {"telegeography", "eez", "wpi", "land"}
    assert IMPORTERS["eez"](shared(EEZ)).features[0]["properties"]["kind"] == "eez"
