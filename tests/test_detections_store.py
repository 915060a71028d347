"""``mda detections import`` against a real store: simulated AIS written by the store writer,
a GFW-style detection file imported and matched, the matches stored and queried back."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from dataclasses import replace
from pathlib import Path

import psycopg
from typer.testing import CliRunner

from mda.cli import app
from mda.detections.infrastructure import InfrastructureSettings, mark_infrastructure
from mda.detections.match import MatchSettings, match_detections
from mda.detections.simulate import SceneNoise, SimulatedScenes, TrafficShape, simulate_scenes
from mda.model import Position, VesselStatic
from mda.store.batch import StoreBatch
from mda.store.writer import StoreWriter
from mda.timefmt import iso

T0 = 1_700_000_000.0  # 2023-11-14T22:13:20Z: the simulation's time 0


def shifted_simulation() -> SimulatedScenes:
    sim = simulate_scenes(31, SceneNoise(position_sigma_m=150.0),
                          TrafficShape(vessels=150, scenes=2, hours=12))  # fmt: skip
    sim.fixes = [replace(f, time=T0 + f.time) for f in sim.fixes]
    sim.detections = [replace(d, time=T0 + d.time) for d in sim.detections]
    return sim


def store_ais(url: str, sim: SimulatedScenes) -> None:
    positions = [
        Position(f.time, f.mmsi, 1, f.lat, f.lon, f.sog, f.cog, None, 0, None, True, "sim")
        for f in sim.fixes
    ]
    statics = [
        VesselStatic(T0, mmsi, 5, shipname=f"SIM {mmsi}", to_bow=round(length * 0.6),
                     to_stern=round(length) - round(length * 0.6))
        for mmsi, length in sim.lengths.items()
    ]  # fmt: skip

    async def run() -> None:
        writer = StoreWriter(url)
        await writer.start()
        await writer.write(StoreBatch(positions=positions, statics=statics))
        await writer.close()

    asyncio.run(run())


def gfw_csv(sim: SimulatedScenes, path: Path) -> Path:
    with path.open("w", newline="") as out:
        rows = csv.writer(out)
        rows.writerow(["scene_id", "detect_id", "detect_timestamp", "detect_lat", "detect_lon",
                       "length_m", "presence_score"])  # fmt: skip
        for d in sim.detections:
            rows.writerow([d.scene_id, d.detect_id, iso(d.time), d.lat, d.lon, d.length_m,
                           d.score])  # fmt: skip
    return path


def stored(url: str) -> dict[tuple[str, str], tuple[str, int | None]]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT scene_id, detect_id, status, mmsi FROM detections").fetchall()
    return {(s, d): (status, mmsi) for s, d, status, mmsi in rows}


def test_an_imported_file_is_matched_against_the_stored_ais(database: str, tmp_path: Path) -> None:
    sim = shifted_simulation()
    store_ais(database, sim)
    detections = gfw_csv(sim, tmp_path / "sar.csv")
    runner = CliRunner()
    result = runner.invoke(app, ["detections", "import", str(detections), "-d", database,
                                 "--position-error", "150"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"{len(sim.detections)} detections in 2 scenes" in result.output

    rows = stored(database)
    assert set(rows) == set(sim.truth)
    reporting = [k for k, t in sim.truth.items() if t.kind == "vessel"]
    right = sum(1 for k in reporting if rows[k] == ("matched", sim.truth[k].mmsi))
    matched = sum(1 for status, _ in rows.values() if status == "matched")
    assert right >= 0.95 * len(reporting) and right >= 0.95 * matched
    dark = [k for k, t in sim.truth.items() if t.kind == "dark"]
    assert dark and all(rows[k][0] != "matched" or rows[k][1] != sim.truth[k].mmsi for k in dark)

    # Imported again: matched again in place, nothing doubled.
    again = runner.invoke(app, ["detections", "import", str(detections), "-d", database,
                                "--position-error", "150"])  # fmt: skip
    assert again.exit_code == 0, again.output
    assert stored(database) == rows


def test_the_unmatched_detections_are_queried_back(database: str, tmp_path: Path) -> None:
    sim = shifted_simulation()
    store_ais(database, sim)
    runner = CliRunner()
    imported = runner.invoke(app, ["detections", "import", str(gfw_csv(sim, tmp_path / "s.csv")),
                                   "-d", database])  # fmt: skip
    assert imported.exit_code == 0, imported.output
    window = ["--from", iso(T0) or "", "--to", iso(T0 + 86400) or "", "-d", database]
    unmatched = runner.invoke(app, ["query", "detections", "--unmatched", "-f", "csv", *window])
    assert unmatched.exit_code == 0, unmatched.output
    frame = list(csv.DictReader(io.StringIO(unmatched.stdout)))
    expected = {k for k, (status, _) in stored(database).items() if status == "unmatched"}
    assert expected and {(r["scene_id"], r["detect_id"]) for r in frame} == expected
    assert all(r["mmsi"] == "" and r["nearest_mmsi"] for r in frame)
    # On a map: one point each, where it was seen.
    mapped = runner.invoke(app, ["query", "detections", "--unmatched", "-f", "geojson", *window])
    assert mapped.exit_code == 0, mapped.output
    features = json.loads(mapped.stdout)["features"]
    assert {f["geometry"]["type"] for f in features} == {"Point"}
    assert sorted(tuple(f["geometry"]["coordinates"]) for f in features) == sorted(
        (float(r["lon"]), float(r["lat"])) for r in frame
    )

    matched = runner.invoke(app, ["query", "detections", "--matched", "-f", "csv", *window])
    names = {r["shipname"] for r in csv.DictReader(io.StringIO(matched.stdout))}
    assert names and all(n.startswith("SIM ") for n in names if n)


def test_aids_to_navigation_and_listed_objects_are_fixed_objects(
    plain_database: str, tmp_path: Path
) -> None:
    """A detection on a buoy that reports by AIS (message 21), one beside a listed platform,
    and one on open water: two fixed objects and a dark-vessel candidate."""
    buoy = Position(T0 - 600, 992_471_001, 21, 12.5, 43.3, None, None, None, None, None, True,
                    "sim", kind="aid_to_navigation")  # fmt: skip

    async def run() -> None:
        writer = StoreWriter(plain_database)
        await writer.start()
        await writer.write(
            StoreBatch(
                positions=[buoy],
                statics=[VesselStatic(T0 - 600, 992_471_001, 21, shipname="EAST CARDINAL")],
            )
        )
        await writer.close()

    asyncio.run(run())
    (tmp_path / "known.csv").write_text("name,lat,lon\nPlatform A,12.6,43.4\n")
    (tmp_path / "sar.csv").write_text(
        "scene_id,detect_id,detect_timestamp,detect_lat,detect_lon\n"
        f"S,buoy,{iso(T0)},12.5001,43.3\nS,rig,{iso(T0)},12.6,43.4012\n"
        f"S,dark,{iso(T0)},12.7,43.5\n"
    )  # fmt: skip
    result = CliRunner().invoke(app, [
        "detections", "import", str(tmp_path / "sar.csv"), "-d", plain_database,
        "--known", str(tmp_path / "known.csv"),
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    with psycopg.connect(plain_database) as conn:
        rows = conn.execute(
            "SELECT detect_id, status, infrastructure FROM detections ORDER BY 1"
        ).fetchall()
    assert rows == [
        ("buoy", "infrastructure", "AtoN 992471001 EAST CARDINAL"),
        ("dark", "unmatched", None),
        ("rig", "infrastructure", "Platform A"),
    ]


def test_the_store_matches_as_the_core_does_whatever_the_files(
    plain_database: str, tmp_path: Path
) -> None:
    """Three scenes imported one file each, the last first: every detection ends as the pure
    matcher, given every fix and every scene at once, has it (platforms repeating across the
    scenes included, though no single import saw all three)."""
    sim = simulate_scenes(32, SceneNoise(position_sigma_m=150.0),
                          TrafficShape(vessels=100, scenes=3, hours=12))  # fmt: skip
    sim.fixes = [replace(f, time=T0 + f.time) for f in sim.fixes]
    sim.detections = [replace(d, time=T0 + d.time) for d in sim.detections]
    store_ais(plain_database, sim)
    core = mark_infrastructure(
        match_detections(sim.detections, sim.fixes, sim.lengths,
                         MatchSettings(detection_sigma_m=150.0)),
        settings=InfrastructureSettings.for_position_error(150.0),
    )  # fmt: skip
    expected = {(m.detection.scene_id, m.detection.detect_id): (m.status.value, m.mmsi)
                for m in core}  # fmt: skip
    assert sum(1 for status, _ in expected.values() if status == "infrastructure") >= 8
    whole = list(sim.detections)
    for scene in ("S3", "S1", "S2"):
        sim.detections = [d for d in whole if d.scene_id == scene]
        result = CliRunner().invoke(app, [
            "detections", "import", str(gfw_csv(sim, tmp_path / f"{scene}.csv")),
            "-d", plain_database, "--position-error", "150", "--no-alerts",
        ])  # fmt: skip
        assert result.exit_code == 0, result.output
    assert stored(plain_database) == expected


def test_the_footprint_tells_which_ais_vessels_the_satellite_did_not_see(
    plain_database: str, tmp_path: Path
) -> None:
    """Two 120 m vessels inside the scene, one detected; a third outside it; a 10 m boat
    inside (too small to count as missed): one AIS vessel the image should have shown."""
    vessels = {1: (12.50, 43.30, 120), 2: (12.55, 43.35, 120), 3: (13.50, 43.30, 120),
               4: (12.52, 43.32, 10)}  # fmt: skip
    positions = [
        Position(T0 + dt, mmsi, 1, lat, lon, 0.0, 0.0, None, 1, None, True, "sim")
        for mmsi, (lat, lon, _) in vessels.items()
        for dt in (-300.0, 300.0)
    ]
    statics = [VesselStatic(T0 - 600, mmsi, 5, to_bow=length // 2, to_stern=length // 2)
               for mmsi, (_, _, length) in vessels.items()]  # fmt: skip

    async def run() -> None:
        writer = StoreWriter(plain_database)
        await writer.start()
        await writer.write(StoreBatch(positions=positions, statics=statics))
        await writer.close()

    asyncio.run(run())
    (tmp_path / "sar.csv").write_text(
        "scene_id,detect_id,detect_timestamp,detect_lat,detect_lon,length_m\n"
        f"S,a,{iso(T0)},12.5002,43.3,115\n"
    )  # fmt: skip
    (tmp_path / "scenes.csv").write_text(
        'scene_id,footprint\nS,"POLYGON ((43 12, 44 12, 44 13, 43 13, 43 12))"\n'
    )
    result = CliRunner().invoke(app, [
        "detections", "import", str(tmp_path / "sar.csv"), "-d", plain_database,
        "--footprints", str(tmp_path / "scenes.csv"), "--no-alerts",
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    with psycopg.connect(plain_database) as conn:
        row = conn.execute(
            "SELECT ais_vessels, ais_unseen, footprint->>'type' FROM detection_scenes"
        ).fetchone()
    assert row is not None
    held, unseen, shape = row
    assert (held, [v["mmsi"] for v in unseen], shape) == (3, [2], "Polygon")
