"""Users' own zone files: zones named and identified from the features' own properties, and
invalid polygons repaired without losing any of the area they enclose, each repair reported."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely
from shapely.geometry import Point

from mda.zones import ZoneError, load_zones
from mda.zones.catalog import zones_from_geojson
from mda.zones.geodesic import GEOD
from tests.test_cli_zones import mda


def feature(coordinates: list[list[float]], **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": props,
            "geometry": {"type": "Polygon", "coordinates": [coordinates]}}  # fmt: skip


def square(x: float, y: float = 0.0) -> list[list[float]]:
    return [[x, y], [x + 1, y], [x + 1, y + 1], [x, y + 1], [x, y]]


def collection(*features: dict[str, Any]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


# A ring that folds back over itself: the square [1, 3] x [1, 3] is enclosed twice, and the
# corner [0, 1] x [3, 4] not at all.
FOLD = [[0, 0], [4, 0], [4, 4], [1, 4], [1, 1], [3, 1], [3, 3], [0, 3], [0, 0]]
BOWTIE = [[10, 0], [12, 2], [12, 0], [10, 2], [10, 0]]


def winding(ring: list[list[float]], x: float, y: float) -> int:
    """How many times ``ring`` winds around (x, y): not zero means the ring encloses it."""
    turns = 0
    for (x1, y1), (x2, y2) in itertools.pairwise(ring):
        side = (x2 - x1) * (y - y1) - (x - x1) * (y2 - y1)
        if y1 <= y < y2 and side > 0:
            turns += 1
        elif y2 <= y < y1 and side < 0:
            turns -= 1
    return turns


def test_names_and_ids_come_from_the_features_own_properties() -> None:
    countries = collection(
        feature(square(0), NAME="Réunion", ISO_A3="REU"),  # Natural Earth
        # Marine Regions
        feature(square(2), GEONAME="Spanish Exclusive Economic Zone", MRGID=5693, ISO_TER1="ESP"),
        feature(square(4), ISO_A3="PRT"),  # a code alone
        feature(square(6), ISO_A3="-99", name_en="Somaliland"),  # Natural Earth's "no code"
        feature(square(8), Name="Réunion"),  # the same name again
        feature(square(10), colour="red"),  # nothing to name it by
    )
    zones = zones_from_geojson(countries, "countries", "countries.geojson")
    assert [(z.id, z.name) for z in zones] == [
        ("reunion", "Réunion"),
        ("spanish-exclusive-economic-zone", "Spanish Exclusive Economic Zone"),
        ("prt", "PRT"),
        ("somaliland", "Somaliland"),
        ("reunion-2", "Réunion"),
        ("countries-6", "countries-6"),
    ]
    # A stated id is kept as stated.
    (stated,) = zones_from_geojson(feature(square(0), id="A7", NAME="Box"), "f", "f")
    assert (stated.id, stated.name) == ("A7", "Box")


def test_a_name_property_of_the_users_choosing(tmp_path: Path) -> None:
    countries = collection(feature(square(0), NAME="France", ISO_A3="FRA"),
                           feature(square(2), NAME="Spain", ISO_A3="ESP"),
                           feature(square(4), NAME="Andorra"))  # fmt: skip
    zones = zones_from_geojson(countries, "c", "c", name_property="ISO_A3")
    assert [(z.id, z.name) for z in zones] == [("fra", "FRA"), ("esp", "ESP"),
                                               ("andorra", "Andorra")]  # fmt: skip
    with pytest.raises(ZoneError, match=r"c\.geojson: no feature has the property 'GEONAME'.*"
                       r"properties seen: ISO_A3, NAME"):  # fmt: skip
        zones_from_geojson(countries, "c", "c.geojson", name_property="GEONAME")
    # From the command line, only the user's files are named by it, not the default catalogue.
    path = tmp_path / "countries.geojson"
    path.write_text(json.dumps(countries))
    done = mda("zones", "list", "--zones", str(path), "--name-property", "ISO_A3")
    assert done.returncode == 0, done.stderr
    listed = {line.split()[0] for line in done.stdout.splitlines()}
    assert {"fra", "esp", "andorra", "red-sea"} <= listed
    assert {z.id for z in load_zones([path], name_property="ISO_A3")} >= {"fra", "red-sea"}


def test_a_ring_folding_over_itself_keeps_all_it_encloses() -> None:
    (zone,) = zones_from_geojson(feature(FOLD, name="fold"), "f", "zones.geojson")
    assert zone.area.is_valid
    grid = np.linspace(0.05, 3.95, 40)
    checked = 0
    for x, y in itertools.product(grid, grid):
        enclosed = winding(FOLD, x, y) != 0
        assert zone.area.contains(Point(x, y)) == enclosed, (x, y)
        checked += enclosed
    assert checked > 1000
    assert zone.area.area == pytest.approx(15.0)  # 16 less the corner left open
    # Where the ring crosses itself, points next to the crossing are inside (the default
    # make_valid loses the square enclosed twice: a hole there).
    assert zone.area.contains(Point(2.0, 2.0)) and zone.area.contains(Point(1.05, 2.95))
    assert not shapely.make_valid(shapely.Polygon(FOLD)).contains(Point(2.0, 2.0))
    km2 = abs(GEOD.geometry_area_perimeter(zone.area)[0]) / 1e6
    assert zone.repair == ("zones.geojson: feature 'fold': repaired Self-intersection[1 3]: "
                           f"now 1 polygon of {km2:,.1f} km²")  # fmt: skip


def test_each_repair_is_one_line_and_valid_zones_say_nothing(tmp_path: Path) -> None:
    path = tmp_path / "drawn.geojson"
    path.write_text(json.dumps(collection(feature(FOLD, name="fold"),
                                          feature(BOWTIE, name="bowtie"),
                                          feature(square(20), name="fine"))))  # fmt: skip
    done = mda("zones", "list", "--no-defaults", "--zones", str(path))
    assert done.returncode == 0, done.stderr
    notes = [line for line in done.stderr.splitlines() if line.startswith("note: ")]
    assert len(notes) == 2
    assert notes[0].startswith(f"note: {path}: feature 'fold': repaired Self-intersection[")
    assert notes[1].startswith(f"note: {path}: feature 'bowtie': repaired Self-intersection[")
    assert ": now 1 polygon of " in notes[0] and ": now 2 polygons of " in notes[1]
    assert "3 zones (3 custom)" in done.stderr
    (bowtie,) = (z for z in load_zones([path], defaults=False) if z.id == "bowtie")
    assert bowtie.area.area == pytest.approx(2.0)  # both triangles
