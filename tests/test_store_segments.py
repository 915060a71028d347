"""Two transmitters, one MMSI: tracks are split by the tracker's segment as well as at gaps, so
no line, moving feature or thinned track ever jumps between the two places.

Stored tracks are built from ``Position`` records that carry the segment the tracker would
have given them (one transmitter off Auckland, one off Noumea, 1,700 km apart, reporting in
turn every 30 s), and from a real replay of the ``shared-mmsi`` scenario (Red Sea and Gulf of
Aden). Fixes with a suspect time are stored and listed but never drawn into a line.
"""

from __future__ import annotations

import io
import itertools
import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from mda.geo import distance_m
from mda.model import Position
from mda.store.batch import StoreBatch
from mda.store.exports import to_geojson, to_mfjson
from mda.store.queries import Queries
from mda.store.render import render
from mda.store.track_shapes import downsample, with_segments
from tests.test_api_kit import store, world
from tests.test_cli_service import mda
from tests.test_store_queries import synthetic_track, write

SHARED = 512_000_077
START = datetime(2026, 3, 1, tzinfo=UTC)
END = START + timedelta(days=1)
WINDOW = ("--from", "2026-03-01", "--to", "2026-03-02")
AUCKLAND = (-36.80, 174.85)
NOUMEA = (-22.30, 166.40)
AUCKLAND_SEGMENT = int(START.timestamp())  # the tracker's ids: each segment's first second
NOUMEA_SEGMENT = AUCKLAND_SEGMENT + 30
FIXES_EACH = 60  # an hour of fixes every minute from each transmitter
# Each transmitter moves 10 kn x 60 s = 309 m between its fixes: any step longer than this is
# a jump to the other one.
NO_JUMP_KM = 5.0


def shared_mmsi_fixes() -> list[Position]:
    """An hour of both transmitters in time order, reporting in turn (Auckland first)."""
    t0 = START.timestamp()
    auckland = synthetic_track(SHARED, t0, [(20.0, 60)], start=AUCKLAND, step_s=60)
    noumea = synthetic_track(SHARED, t0 + 30, [(300.0, 60)], start=NOUMEA, step_s=60)
    fixes = [p._replace(segment=AUCKLAND_SEGMENT, clock="tag", time_quality="agrees")
             for p in auckland] + [
             p._replace(segment=NOUMEA_SEGMENT, clock="tag", time_quality="agrees")
             for p in noumea]  # fmt: skip
    return sorted(fixes, key=lambda p: p.time or 0.0)


def suspect_fix(minute: float) -> Position:
    """A fix of the shared MMSI whose time was judged suspect (so on no tracker segment),
    half-way between the two places."""
    return Position(START.timestamp() + minute * 60, SHARED, 1, -29.5, 170.6, 10.0, 0.0, 0, 0,
                    0.0, True, "synthetic", clock="arrival", time_quality="suspect")  # fmt: skip


def stored_track(url: str, *extra: Position, resolution_s: float | None = None) -> pl.DataFrame:
    write(url, StoreBatch(positions=[*shared_mmsi_fixes(), *extra]))
    with Queries(url) as queries:
        return queries.track(SHARED, START, END, resolution_s=resolution_s)


def steps_km(coordinates: Sequence[Sequence[float]]) -> list[float]:
    """Distances between consecutive [lon, lat] vertices."""
    return [distance_m(a[1], a[0], b[1], b[0]) / 1000.0
            for a, b in itertools.pairwise(coordinates)]  # fmt: skip


def near(
    place: tuple[float, float], coordinates: Sequence[Sequence[float]], km: float = 100.0
) -> bool:
    """Whether every [lon, lat] vertex is within ``km`` of ``place`` (lat, lon)."""
    return all(distance_m(place[0], place[1], lat, lon) < km * 1000 for lon, lat in coordinates)


def frame(rows: list[tuple[int, int | None, str | None]]) -> pl.DataFrame:
    """Fixes of one vessel at (minute, tracker segment, time quality), one degree apart."""
    return pl.DataFrame(
        {
            "time": [START + timedelta(minutes=m) for m, _, _ in rows],
            "mmsi": pl.Series([SHARED] * len(rows), dtype=pl.Int32),
            "lat": [float(i) for i in range(len(rows))],
            "lon": [0.0] * len(rows),
            "time_quality": [q for _, _, q in rows],
            "track_segment": [s for _, s, _ in rows],
        },
        schema_overrides={"time": pl.Datetime("us", "UTC"), "track_segment": pl.Int64},
    )


# -- splitting (no database) -----------------------------------------------------------------


def test_each_tracker_segment_is_its_own_segment_numbered_by_first_fix() -> None:
    split = with_segments(frame([(0, 7, "agrees"), (1, 5, "agrees"), (2, 7, "agrees"),
                                 (3, 5, "agrees")]), 1800)  # fmt: skip
    assert split["segment"].to_list() == [0, 1, 0, 1]
    assert split["time"].is_sorted()  # still in time order: the segments interleave


def test_a_gap_within_a_tracker_segment_still_starts_a_new_segment() -> None:
    split = with_segments(frame([(0, 7, None), (1, 9, None), (100, 7, None), (101, 9, None)]),
                          1800)  # fmt: skip
    assert split["segment"].to_list() == [0, 1, 2, 3]


def test_a_suspect_fix_is_on_no_segment_and_does_not_bridge_a_gap() -> None:
    # 50 minutes of silence, with a suspect fix in the middle: were it counted, neither half
    # would be longer than the 30 minute gap.
    split = with_segments(frame([(0, 7, "agrees"), (25, None, "suspect"), (50, 7, "agrees")]),
                          1800)  # fmt: skip
    assert split["segment"].to_list() == [0, None, 1]


def test_rows_without_a_tracker_segment_are_split_at_gaps_as_before() -> None:
    old = frame([(0, None, None), (1, None, None), (60, None, None), (61, None, None)])
    assert with_segments(old, 1800)["segment"].to_list() == [0, 0, 1, 1]
    without_columns = old.drop("track_segment", "time_quality")
    assert with_segments(without_columns, 1800)["segment"].to_list() == [0, 0, 1, 1]


def test_thinning_keeps_each_segment_whole_and_the_rows_in_time_order() -> None:
    fixes = frame([(m, 7 if m % 2 == 0 else 5, "agrees") for m in range(40)])
    fixes = fixes.with_columns(pl.lit(10.0).alias("sog"), pl.lit(0.0).alias("cog"))
    thin = downsample(with_segments(fixes, 1800), 600)
    assert thin["time"].is_sorted()
    for _, part in thin.group_by("segment"):
        assert part["track_segment"].n_unique() == 1
    ends = {0, 1, 38, 39}  # the first and last fix of each segment
    assert ends <= {int((t - START).total_seconds() // 60) for t in thin["time"]}


# -- the stored track ------------------------------------------------------------------------


def test_the_polars_track_has_one_segment_per_transmitter(plain_database: str) -> None:
    track = stored_track(plain_database)
    assert len(track) == 2 * FIXES_EACH and track["time"].is_sorted()
    assert {"clock", "time_quality", "track_segment", "segment"} <= set(track.columns)
    assert track.schema["track_segment"] == pl.Int64
    pairs = track.select("segment", "track_segment").unique().sort("segment").rows()
    assert pairs == [(0, AUCKLAND_SEGMENT), (1, NOUMEA_SEGMENT)]
    assert set(track["clock"]) == {"tag"} and set(track["time_quality"]) == {"agrees"}
    for place, number in ((AUCKLAND, 0), (NOUMEA, 1)):
        part = track.filter(pl.col("segment") == number)
        assert near(place, part.select("lon", "lat").rows())


def test_geojson_lines_are_one_per_transmitter_and_never_jump(plain_database: str) -> None:
    features = to_geojson(stored_track(plain_database), lines=True)["features"]
    assert [f["geometry"]["type"] for f in features] == ["LineString", "LineString"]
    assert [f["properties"]["track_segment"] for f in features] == [AUCKLAND_SEGMENT,
                                                                    NOUMEA_SEGMENT]  # fmt: skip
    for feature, place in zip(features, (AUCKLAND, NOUMEA), strict=True):
        coordinates = feature["geometry"]["coordinates"]
        assert len(coordinates) == FIXES_EACH and near(place, coordinates)
        assert max(steps_km(coordinates)) < NO_JUMP_KM


def test_mfjson_has_one_moving_feature_per_transmitter(plain_database: str) -> None:
    features = to_mfjson(stored_track(plain_database))["features"]
    assert [f["id"] for f in features] == [f"{SHARED}-0", f"{SHARED}-1"]
    for feature in features:
        geometry = feature["temporalGeometry"]
        assert len(geometry["datetimes"]) == FIXES_EACH
        assert geometry["datetimes"] == sorted(geometry["datetimes"])
        assert max(steps_km(geometry["coordinates"])) < NO_JUMP_KM


def test_csv_and_parquet_carry_clock_quality_and_both_segments(
    plain_database: str, tmp_path: Path
) -> None:
    track = stored_track(plain_database)
    csv = pl.read_csv(io.StringIO(render(track, "csv", None) or ""))
    assert csv.columns[-4:] == ["clock", "time_quality", "track_segment", "segment"]
    assert csv.select("segment", "track_segment").unique().sort("segment").rows() == [
        (0, AUCKLAND_SEGMENT), (1, NOUMEA_SEGMENT)]  # fmt: skip
    render(track, "parquet", tmp_path / "track.parquet")
    assert pl.read_parquet(tmp_path / "track.parquet").equals(track)


def test_a_thinned_track_never_jumps_either(plain_database: str) -> None:
    thin = stored_track(plain_database, resolution_s=600)
    assert thin["time"].is_sorted() and thin["segment"].n_unique() == 2
    lines = to_geojson(thin, lines=True)["features"]
    assert len(lines) == 2
    for line in lines:
        assert 6 <= line["properties"]["points"] < FIXES_EACH
        # About ten minutes (3 km) between kept fixes, and all on one side.
        assert max(steps_km(line["geometry"]["coordinates"])) < NO_JUMP_KM


def test_a_suspect_fix_is_listed_but_never_drawn(plain_database: str) -> None:
    track = stored_track(plain_database, suspect_fix(20.25))
    suspect = track.filter(pl.col("time_quality") == "suspect")
    assert len(suspect) == 1 and suspect["segment"].to_list() == [None]
    assert suspect["track_segment"].to_list() == [None] and suspect["clock"][0] == "arrival"
    points = to_geojson(track)["features"]
    assert len(points) == 2 * FIXES_EACH + 1
    assert [p["properties"]["segment"] for p in points if p["properties"]["time_quality"]
            == "suspect"] == [None]  # fmt: skip
    lines = to_geojson(track, lines=True)["features"]
    assert sum(f["properties"]["points"] for f in lines) == 2 * FIXES_EACH
    moving = to_mfjson(track)["features"]
    assert sum(len(f["temporalGeometry"]["datetimes"]) for f in moving) == 2 * FIXES_EACH
    with Queries(plain_database) as queries:
        thin = queries.track(SHARED, START, END, resolution_s=600)
    assert "suspect" not in thin["time_quality"].to_list()


# -- as a user asks for it -------------------------------------------------------------------


def test_the_query_command_exports_one_line_per_transmitter(plain_database: str) -> None:
    write(plain_database, StoreBatch(positions=shared_mmsi_fixes()))
    done = mda("query", "track", str(SHARED), "-d", plain_database, *WINDOW, "-f", "geojson",
               "--geometry", "lines")  # fmt: skip
    assert done.returncode == 0, done.stderr
    features = json.loads(done.stdout)["features"]
    assert [f["geometry"]["type"] for f in features] == ["LineString", "LineString"]
    assert all(max(steps_km(f["geometry"]["coordinates"])) < NO_JUMP_KM for f in features)
    assert f"{2 * FIXES_EACH} positions in 2 segments" in done.stderr
    table = mda("query", "track", str(SHARED), "-d", plain_database, *WINDOW, "-f", "csv")
    assert table.returncode == 0, table.stderr
    rows = pl.read_csv(io.StringIO(table.stdout))
    assert {"clock", "time_quality", "track_segment", "segment"} <= set(rows.columns)


def test_a_replayed_shared_mmsi_is_stored_on_two_segments_and_exported_without_jumps(
    plain_database: str, tmp_path: Path
) -> None:
    recording = tmp_path / "shared.nmea"
    made = mda("simulate", "shared-mmsi", "--vessels", "5", "--out", str(recording))
    assert made.returncode == 0, made.stderr
    truth: dict[str, Any] = json.loads((tmp_path / "shared.truth.json").read_text())
    shared = truth["expected"][0]["mmsi"]
    replayed = mda("replay", str(recording), "-d", plain_database, "--quiet")
    assert replayed.returncode == 0, replayed.stderr

    start, end = (datetime.fromisoformat(truth[k]) for k in ("start", "end"))
    with Queries(plain_database) as queries:
        track = queries.track(shared, start, end)
    tracked = track.drop_nulls("track_segment")
    assert tracked["track_segment"].n_unique() == 2 and len(tracked) == len(track)
    # Read in time order alone, the fixes jump between the two seas: the split is what helps.
    in_time_order = track.sort("time").select("lon", "lat").rows()
    assert max(steps_km(in_time_order)) > 500

    out = tmp_path / "track.geojson"
    done = mda("query", "track", str(shared), "-d", plain_database, "--from", truth["start"],
               "--to", truth["end"], "-f", "geojson", "--geometry", "lines",
               "-o", str(out))  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = json.loads(out.read_text())["features"]
    assert len(lines) >= 2
    assert {f["properties"]["track_segment"] for f in lines} == set(tracked["track_segment"])
    assert sum(f["properties"]["points"] for f in lines) == len(track)
    for line in lines:
        assert max(steps_km(line["geometry"]["coordinates"]), default=0.0) < 50.0


async def test_the_api_track_is_split_by_transmitter(tmp_path: Path, plain_database: str) -> None:
    window = {"since": "2026-03-01", "until": "2026-03-02"}
    async with world(tmp_path, plain_database) as w:
        await store(plain_database, [StoreBatch(positions=shared_mmsi_fixes())])
        path = f"/api/v1/vessels/{SHARED}/track"
        rows = (await w.get(path, "analyst", **window)).json()["positions"]
        lines = (await w.get(path, "analyst", **window, format="geojson", lines="true")).json()
    assert {(r["segment"], r["track_segment"]) for r in rows} == {(0, AUCKLAND_SEGMENT),
                                                                  (1, NOUMEA_SEGMENT)}  # fmt: skip
    assert {(r["clock"], r["time_quality"]) for r in rows} == {("tag", "agrees")}
    shapes = [f["geometry"]["coordinates"] for f in lines["features"]]
    assert len(shapes) == 2
    assert all(max(steps_km(coordinates)) < NO_JUMP_KM for coordinates in shapes)
