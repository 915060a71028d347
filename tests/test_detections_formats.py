"""Detection files: GFW's SAR fields, plain CSV by column names, GeoJSON points, footprints."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mda.cli import app
from mda.detections.formats import read_detections, read_footprints
from mda.detections.model import Detection
from mda.errors import ConfigError

GFW = """scene_id,detect_id,detect_timestamp,detect_lat,detect_lon,length_m,presence_score
S1A_IW_GRDH_1,d1,2024-03-01T02:10:33Z,12.5,43.3,120.5,0.93
S1A_IW_GRDH_1,d2,2024-03-01T02:10:33Z,12.6,43.31,,0.41
S1A_IW_GRDH_1,d3,2024-03-01T02:10:33Z,95.0,43.31,30,0.8
S1A_IW_GRDH_1,d4,yesterday,12.6,43.31,30,0.8
S1A_IW_GRDH_1,d1,2024-03-01T02:10:33Z,12.7,43.3,90,0.9
"""
T = 1709259033.0  # 2024-03-01T02:10:33Z


def test_gfw_sar_fields_are_read_and_bad_rows_counted() -> None:
    found = read_detections(GFW, "gfw.csv")
    assert found.detections == [
        Detection("S1A_IW_GRDH_1", "d1", T, 12.5, 43.3, 120.5, 0.93),
        Detection("S1A_IW_GRDH_1", "d2", T, 12.6, 43.31, None, 0.41),
    ]
    assert dict(found.refused) == {
        "position missing or out of range": 1, "bad time": 1, "repeated detection id": 1
    }


def test_inferred_length_stands_for_length() -> None:
    text = "detect_timestamp,detect_lat,detect_lon,inferred_length_m\n1709259033,1,2,55\n"
    (d,) = read_detections(text, "x.csv").detections
    assert d.length_m == 55.0 and d.time == T


def test_a_plain_csv_is_read_by_its_column_names_and_named_columns() -> None:
    text = "when,y,x,size\n2024-03-01T02:10:33,12.5,43.3,80\n2024-03-01T02:10:33,12.7,43.2,\n"
    with pytest.raises(ConfigError, match="no column for time, lat, lon"):
        read_detections(text, "plain.csv")
    found = read_detections(
        text, "plain.csv", {"time": "when", "lat": "y", "lon": "x", "length_m": "size"}
    )
    # No scene id: one scene per file and time; no detection id: the row number.
    assert [(d.scene_id, d.detect_id, d.length_m) for d in found.detections] == [
        ("plain.csv@1709259033", "1", 80.0),
        ("plain.csv@1709259033", "2", None),
    ]


def test_geojson_points_with_a_time_and_a_footprint() -> None:
    document = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [43.3, 12.5]},
             "properties": {"scene_id": "V1", "id": "a", "time": "2024-03-01T02:10:33Z",
                            "confidence": 0.7}},
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [43.4, 12.6]},
             "properties": {"scene_id": "V1"}},
            {"type": "Feature", "properties": {"scene_id": "V1"},
             "geometry": {"type": "Polygon",
                          "coordinates": [[[43, 12], [44, 12], [44, 13], [43, 13], [43, 12]]]}},
        ],
    }  # fmt: skip
    found = read_detections(json.dumps(document), "viirs.geojson")
    assert found.detections == [Detection("V1", "a", T, 12.5, 43.3, None, 0.7)]
    assert dict(found.refused) == {"no time": 1}
    assert found.footprints["V1"].area == pytest.approx(1.0)


def test_footprints_from_wkt() -> None:
    text = 'scene_id,footprint\nS1,"POLYGON ((43 12, 44 12, 44 13, 43 13, 43 12))"\n'
    assert read_footprints(text, "scenes.csv")["S1"].bounds == (43.0, 12.0, 44.0, 13.0)


def test_simulated_scenes_are_written_as_files_that_read_back(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["simulate", "detections", "-o", str(tmp_path / "a.nmea"),
                                      "--vessels", "12", "--seed", "3"])  # fmt: skip
    assert result.exit_code == 0, result.output
    found = read_detections((tmp_path / "a.nmea.detections.csv").read_text(), "a.csv")
    truth = (tmp_path / "a.nmea.detections-truth.csv").read_text().splitlines()
    assert not found.refused and len(found.detections) == len(truth) - 1 > 0
    assert {d.scene_id for d in found.detections} == {"S1", "S2", "S3", "S4"}
    assert (tmp_path / "a.nmea").read_bytes().startswith(b"\\g:1-2-1,s:sat-sim,c:")
