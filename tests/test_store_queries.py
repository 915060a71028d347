"""Queries of the store on the real PostgreSQL 15 and TimescaleDB: a real recording (18 hours
in the English Channel) for tracks and areas, synthetic tracks where the answer must be known
exactly (turns, gaps, the antimeridian)."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import shapely
from shapely.geometry import LineString, Polygon, mapping

from mda.errors import ConfigError, ServiceUnavailableError
from mda.geo import destination, distance_m
from mda.ingest.core import Ingestor
from mda.model import Alert, Position, VesselStatic, ZoneEvent, ZoneHour
from mda.store.batch import StoreBatch
from mda.store.queries import Queries
from mda.store.track_shapes import downsample, with_segments
from mda.store.writer import StoreWriter
from mda.zones import load_zones
from tests.data import AIS, read_lines

RECORDING = "OpenCPN/Go_to_Guernesey.txt"
DAY_START = datetime(2011, 7, 26, tzinfo=UTC)
DAY_END = DAY_START + timedelta(days=1)
MAERSK_VISUAL = 565497000  # IMO 9320738, 583 fixes
MSC_SCOTLAND = 636009794  # one silence of 58 minutes
CHANNEL_BBOX = (-3.0, 49.5, -2.0, 50.5)


@lru_cache(maxsize=1)
def real_recording() -> tuple[tuple[Position, ...], tuple[VesselStatic, ...]]:
    """The recording decoded once per session: its day, 26 July 2011 (one stray report
    stamped January 2010 is left out: it would make plain PostgreSQL create a partition for
    every day in between)."""
    records = Ingestor().ingest_all(read_lines(AIS / RECORDING), RECORDING)
    day = (DAY_START.timestamp(), DAY_END.timestamp())
    positions = tuple(
        r for r in records
        if isinstance(r, Position) and r.time is not None and day[0] <= r.time < day[1]
    )  # fmt: skip
    statics = tuple(r for r in records if isinstance(r, VesselStatic))
    return positions, statics


def stored_fixes(positions: tuple[Position, ...]) -> dict[tuple[int, float], Position]:
    """What the store keeps: one position per (mmsi, time), the first; located ones only."""
    fixes: dict[tuple[int, float], Position] = {}
    for p in positions:
        if p.time is not None and p.lat is not None and p.lon is not None:
            fixes.setdefault((p.mmsi, p.time), p)
    return fixes


def write(url: str, *batches: StoreBatch) -> None:
    """Store batches through the writer, as the service does."""

    async def run() -> None:
        writer = StoreWriter(url)
        await writer.start()
        for batch in batches:
            await writer.write(batch)
        await writer.close()

    asyncio.run(run())


def load_recording(url: str) -> None:
    positions, statics = real_recording()
    write(url, StoreBatch(positions=list(positions), statics=list(statics)))


def epoch(frame_times: list[datetime]) -> list[float]:
    return [t.timestamp() for t in frame_times]


def synthetic_track(
    mmsi: int,
    t0: float,
    legs: list[tuple[float, float]],
    *,
    start: tuple[float, float] = (50.0, -2.5),
    speed_kn: float = 10.0,
    step_s: float = 10.0,
    turn_rate_deg_s: float | None = None,
) -> list[Position]:
    """Fixes every ``step_s`` along legs of (course, minutes); the course changes at once
    between legs, or at ``turn_rate_deg_s`` when given."""
    lat, lon = start
    t = t0
    course = legs[0][0]
    fixes = []
    for target, minutes in legs:
        for _ in range(int(minutes * 60 / step_s)):
            if turn_rate_deg_s is None:
                course = target
            else:
                delta = (target - course + 180.0) % 360.0 - 180.0
                course = (course + max(-turn_rate_deg_s * step_s, min(turn_rate_deg_s * step_s,
                                                                      delta))) % 360.0  # fmt: skip
            fixes.append(Position(t, mmsi, 1, lat, lon, speed_kn, course, round(course), 0, 0.0,
                                  True, "synthetic"))  # fmt: skip
            lat, lon = destination(lat, lon, course, speed_kn * 1852.0 / 3600.0 * step_s)
            t += step_s
    return fixes


def deviation_m(original: list[tuple[float, float]], kept: list[tuple[float, float]]) -> float:
    """Largest distance in metres from an original fix (lat, lon) to the kept polyline
    (locally flat: these tracks span a few tens of kilometres)."""
    lat0 = original[0][0]
    scale = np.array([np.cos(np.radians(lat0)) * 111_195.0, 111_195.0])

    def xy(points: list[tuple[float, float]]) -> np.ndarray:
        return np.array([(lon, lat) for lat, lon in points]) * scale

    line = LineString(xy(kept)) if len(kept) > 1 else shapely.Point(xy(kept)[0])
    return float(max(line.distance(shapely.Point(p)) for p in xy(original)))


# -- vessels ---------------------------------------------------------------------------------


def test_track_by_mmsi_imo_and_name_is_the_same_track(database: str) -> None:
    load_recording(database)
    expected = sorted(t for (m, t) in stored_fixes(real_recording()[0]) if m == MAERSK_VISUAL)
    with Queries(database) as queries:
        by_mmsi = queries.track(MAERSK_VISUAL, DAY_START, DAY_END)
        assert epoch(by_mmsi["time"].to_list()) == expected
        for alias in ("565497000", "IMO 9320738", "imo9320738", "9320738", "maersk  visual"):
            assert queries.track(alias, DAY_START, DAY_END).equals(by_mmsi), alias


def test_a_name_matches_without_case_or_padding(database: str) -> None:
    load_recording(database)
    with Queries(database) as queries:
        assert queries.resolve_vessel("purple beach") == 538090223  # broadcast "PURPLE    BEACH"


def test_a_coast_station_mmsi_of_seven_digits_is_not_taken_for_an_imo(database: str) -> None:
    load_recording(database)
    with Queries(database) as queries:
        track = queries.track("2320766", DAY_START, DAY_END)
    assert len(track) > 100 and set(track["mmsi"]) == {2320766}


def test_an_ambiguous_name_lists_every_vessel_bearing_it(database: str) -> None:
    t = DAY_START.timestamp()
    write(database, StoreBatch(statics=[
        VesselStatic(t, 636012345, 5, shipname="SEA FALCON", imo=9134270),
        VesselStatic(t, 538000111, 5, shipname="SEA FALCON"),
    ]))  # fmt: skip
    with Queries(database) as queries, pytest.raises(ConfigError) as caught:
        queries.resolve_vessel("Sea Falcon")
    message = str(caught.value)
    assert "2 vessels" in message and "636012345" in message and "538000111" in message
    assert "IMO 9134270" in message and "\n" not in message


def test_a_former_name_still_finds_the_vessel(database: str) -> None:
    t = DAY_START.timestamp()
    write(
        database,
        StoreBatch(statics=[VesselStatic(t, 636012345, 5, shipname="DHOW STAR")]),
        StoreBatch(statics=[VesselStatic(t + 3600, 636012345, 5, shipname="SEA FALCON")]),
    )
    with Queries(database) as queries:
        assert queries.resolve_vessel("dhow star") == 636012345
        assert queries.resolve_vessel("sea falcon") == 636012345


def test_an_unknown_name_suggests_similar_ones(database: str) -> None:
    load_recording(database)
    with Queries(database) as queries:
        with pytest.raises(ConfigError, match=r"MAERSK VISUAL \(565497000\)"):
            queries.resolve_vessel("maersk")
        with pytest.raises(ConfigError, match="no vessel with IMO 1234567"):
            queries.resolve_vessel("IMO 1234567")


# -- tracks ----------------------------------------------------------------------------------


def test_a_track_is_cut_into_segments_at_every_silence_longer_than_the_gap(database: str) -> None:
    load_recording(database)
    fixes = stored_fixes(real_recording()[0])
    expected = np.array(sorted(t for (m, t) in fixes if m == MSC_SCOTLAND))
    with Queries(database) as queries:
        track = queries.track(MSC_SCOTLAND, DAY_START, DAY_END)
        finer = queries.track(MSC_SCOTLAND, DAY_START, DAY_END, gap_s=600)
    for frame, gap_s in ((track, 1800), (finer, 600)):
        breaks = np.flatnonzero(np.diff(expected) > gap_s) + 1
        segment = frame["segment"].to_numpy()
        assert list(np.flatnonzero(np.diff(segment)) + 1) == list(breaks)
        assert segment[0] == 0 and segment[-1] == len(breaks)
    assert track["segment"].max() == 1


def test_downsampling_keeps_sharp_turns_and_both_ends_of_every_segment(plain_database: str) -> None:
    t0 = DAY_START.timestamp()
    first = synthetic_track(1001, t0, [(0.0, 30), (90.0, 30)])
    after_gap = synthetic_track(1001, first[-1].time + 7200, [(225.0, 20)],  # type: ignore[operator]
                                start=(first[-1].lat, first[-1].lon))  # type: ignore[arg-type]  # fmt: skip
    write(plain_database, StoreBatch(positions=first + after_gap))
    with Queries(plain_database) as queries:
        full = queries.track(1001, DAY_START, DAY_END)
        thin = queries.track(1001, DAY_START, DAY_END, resolution_s=600)
    assert full["segment"].to_list() == [0] * len(first) + [1] * len(after_gap)
    kept = set(epoch(thin["time"].to_list()))
    corner = len(first) // 2
    assert {first[0].time, first[-1].time, after_gap[0].time, after_gap[-1].time} <= kept
    assert {first[corner - 1].time, first[corner].time} <= kept  # the fixes either side of the turn
    assert len(thin) <= 90 / 10 + 6
    for segment, fixes in ((0, first), (1, after_gap)):
        part = thin.filter(thin["segment"] == segment)
        line = list(zip(part["lat"].to_list(), part["lon"].to_list(), strict=True))
        assert deviation_m([(p.lat, p.lon) for p in fixes], line) < 20.0  # type: ignore[misc]


def test_downsampling_follows_a_gradual_turn(plain_database: str) -> None:
    # Half an hour north, a 180 degree turn at 0.3 degree/s (10 minutes), half an hour south.
    fixes = synthetic_track(1002, DAY_START.timestamp(), [(0.0, 30), (180.0, 40)],
                            turn_rate_deg_s=0.3)  # fmt: skip
    write(plain_database, StoreBatch(positions=fixes))
    with Queries(plain_database) as queries:
        thin = queries.track(1002, DAY_START, DAY_END, resolution_s=1800)
    line = list(zip(thin["lat"].to_list(), thin["lon"].to_list(), strict=True))
    assert deviation_m([(p.lat, p.lon) for p in fixes], line) < 150.0  # type: ignore[misc]
    assert 180 / 20 <= len(thin) <= 2 * 180 / 20 + 6


def test_downsampling_a_straight_track_keeps_one_fix_per_resolution() -> None:
    fixes = synthetic_track(1003, DAY_START.timestamp(), [(45.0, 60)])
    frame = with_segments(pl.DataFrame({
        "time": [datetime.fromtimestamp(p.time, UTC) for p in fixes],  # type: ignore[arg-type]
        "mmsi": [p.mmsi for p in fixes], "lat": [p.lat for p in fixes],
        "lon": [p.lon for p in fixes], "sog": [p.sog for p in fixes], "cog": [p.cog for p in fixes],
    }), 1800)  # fmt: skip
    thin = downsample(frame, 300)
    gaps = np.diff(epoch(thin["time"].to_list()))
    assert len(thin) == 13 and set(gaps[:-1]) == {300.0}


def test_downsampling_real_tracks_keeps_their_segments(database: str) -> None:
    load_recording(database)
    with Queries(database) as queries:
        full = queries.track(MSC_SCOTLAND, DAY_START, DAY_END)
        thin = queries.track(MSC_SCOTLAND, DAY_START, DAY_END, resolution_s=900)
    assert len(thin) < len(full) / 4
    for segment in full["segment"].unique().to_list():
        whole = full.filter(full["segment"] == segment)["time"]
        kept = thin.filter(thin["segment"] == segment)["time"]
        assert kept[0] == whole[0] and kept[-1] == whole[-1]


# -- areas -----------------------------------------------------------------------------------


def truth_in(test: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> set[tuple[int, float]]:
    """(mmsi, time) of the stored fixes of the recording for which ``test(lon, lat)`` holds."""
    fixes = stored_fixes(real_recording()[0])
    keys = list(fixes)
    lon = np.array([fixes[k].lon for k in keys])
    lat = np.array([fixes[k].lat for k in keys])
    inside = test(lon, lat)
    return {k for k, hit in zip(keys, inside, strict=True) if hit and DAY_START.timestamp() <= k[1]}


def found(frame: pl.DataFrame) -> set[tuple[int, float]]:
    return set(zip(frame["mmsi"].to_list(), epoch(frame["time"].to_list()), strict=True))


def test_positions_in_a_bbox_are_exactly_those_inside(database: str) -> None:
    load_recording(database)
    west, south, east, north = CHANNEL_BBOX
    expected = truth_in(lambda x, y: (x >= west) & (x <= east) & (y >= south) & (y <= north))
    with Queries(database) as queries:
        frame = queries.positions_in(CHANNEL_BBOX, DAY_START, DAY_END)
        as_text = queries.positions_in("-3,49.5,-2,50.5", DAY_START, DAY_END)
    assert found(frame) == expected and len(expected) > 4000
    assert frame.equals(as_text)
    assert frame.select("mmsi", "time").equals(frame.select("mmsi", "time").sort("mmsi", "time"))


def test_polygon_geojson_and_zone_give_the_shapely_answer(database: str, tmp_path: Path) -> None:
    load_recording(database)
    triangle = Polygon([(-3.6, 49.6), (-2.0, 49.9), (-3.0, 50.4), (-3.6, 49.6)])
    zone = {
        "type": "Feature",
        "properties": {"id": "channel-triangle", "name": "Triangle", "kind": "custom"},
        "geometry": mapping(triangle),
    }
    (tmp_path / "triangle.geojson").write_text(json.dumps(zone))
    expected = truth_in(lambda x, y: shapely.intersects_xy(triangle, x, y))
    with Queries(database, zones=load_zones([tmp_path])) as queries:
        by_polygon = queries.positions_in(triangle, DAY_START, DAY_END)
        by_geojson = queries.positions_in(zone, DAY_START, DAY_END)
        by_zone = queries.positions_in("channel-triangle", DAY_START, DAY_END)
    assert found(by_polygon) == expected and len(expected) > 1000
    assert by_geojson.equals(by_polygon) and by_zone.equals(by_polygon)


def test_a_bbox_and_a_zone_across_the_antimeridian(database: str) -> None:
    t = DAY_START.timestamp()
    lons = [179.5, -179.5, 178.0, -178.0, 0.0, 170.0]
    write(database, StoreBatch(positions=[
        Position(t + i, 2000 + i, 1, 1.0, lon, 5.0, 90.0, 90, 0, 0.0, True, "synthetic")
        for i, lon in enumerate(lons)
    ]))  # fmt: skip
    across = {"type": "Polygon", "coordinates": [[[178.5, -5], [-178.5, -5], [-178.5, 5],
                                                  [178.5, 5], [178.5, -5]]]}  # fmt: skip
    with Queries(database) as queries:
        in_bbox = queries.positions_in((179.0, -10.0, -179.0, 10.0), DAY_START, DAY_END)
        in_wide = queries.positions_in((177.0, -10.0, -177.0, 10.0), DAY_START, DAY_END)
        in_zone = queries.positions_in(across, DAY_START, DAY_END)
    assert sorted(in_bbox["lon"].to_list()) == [-179.5, 179.5]
    assert sorted(in_wide["lon"].to_list()) == [-179.5, -178.0, 178.0, 179.5]
    assert sorted(in_zone["lon"].to_list()) == [-179.5, 179.5]


def test_vessels_in_an_area_one_row_each_with_identity(database: str) -> None:
    load_recording(database)
    west, south, east, north = CHANNEL_BBOX
    fixes = stored_fixes(real_recording()[0])
    inside = [(m, t) for (m, t), p in fixes.items()
              if west <= p.lon <= east and south <= p.lat <= north  # type: ignore[operator]
              and p.msg_type not in (4, 11, 21)]  # fmt: skip
    with Queries(database) as queries:
        vessels = queries.vessels_in(CHANNEL_BBOX, DAY_START, DAY_END)
    assert vessels["mmsi"].to_list() == sorted({m for m, _ in inside})
    counts = dict(zip(vessels["mmsi"].to_list(), vessels["positions"].to_list(), strict=True))
    assert counts[MAERSK_VISUAL] == sum(1 for m, _ in inside if m == MAERSK_VISUAL)
    row = vessels.filter(vessels["mmsi"] == MAERSK_VISUAL).row(0, named=True)
    assert (row["shipname"], row["imo"], row["flag"]) == ("MAERSK VISUAL", 9320738, "SG")
    assert row["first_time"] <= row["last_time"]


# -- limits ----------------------------------------------------------------------------------


def test_windows_are_checked_before_any_query() -> None:
    queries = Queries("postgresql://nobody@127.0.0.1:1/none")  # never reached
    with pytest.raises(ConfigError, match="must be before"):
        queries.track(MAERSK_VISUAL, DAY_END, DAY_START)
    with pytest.raises(ConfigError, match="longer than the 31 days allowed"):
        queries.positions_in(CHANNEL_BBOX, DAY_START, DAY_START + timedelta(days=32))
    with pytest.raises(ConfigError, match="bbox"):
        queries.positions_in((10.0, 50.0, 10.0, 51.0), DAY_START, DAY_END)
    with pytest.raises(ConfigError, match="unknown zone 'atlantis'"):
        queries.positions_in("atlantis", DAY_START, DAY_END)
    with pytest.raises(ConfigError, match="severity must be one of"):
        queries.alerts(DAY_START, DAY_END, severity="panic")


def test_an_unreachable_database_is_one_clear_line() -> None:
    with pytest.raises(ServiceUnavailableError) as caught:
        Queries("postgresql://postgres@127.0.0.1:1/none").track(1, DAY_START, DAY_END)
    message = str(caught.value)
    assert "cannot reach the database at postgresql://postgres@127.0.0.1:1/none" in message
    assert "\n" not in message


def test_a_database_without_the_schema_says_so(database: str) -> None:
    refused = pytest.raises(ServiceUnavailableError, match="no mda tables")
    with Queries(database) as queries, refused:
        queries.positions_in(CHANNEL_BBOX, DAY_START, DAY_END)


# -- events, alerts, traffic -----------------------------------------------------------------


def alert(rule: str, severity: str, state: str, start: float, updated: float, mmsi: int,
          zone: str | None) -> Alert:  # fmt: skip
    alert_id = str(uuid.uuid5(uuid.NAMESPACE_OID, f"{rule}:{mmsi}:{zone}"))
    body: dict[str, object] = {"rule": rule, "evidence": {"duration_hours": 2}}
    return Alert(alert_id, f"{rule}:{mmsi}:{zone}", rule, severity, state,  # type: ignore[arg-type]
                 start, updated, mmsi, zone, f"Apparent {rule}", body)  # fmt: skip


def test_alerts_are_filtered_by_vessel_zone_rule_severity_state_and_window(database: str) -> None:
    load_recording(database)
    t = DAY_START.timestamp()
    loiter = alert("loitering", "warning", "open", t + 3600, t + 3600, MAERSK_VISUAL, "channel")
    write(database, StoreBatch(alerts=[
        loiter,
        alert("cable_threat", "alarm", "open", t + 7200, t + 7300, MSC_SCOTLAND, "cable-x"),
        alert("dark", "caution", "cleared", t + 100, t + 200, MSC_SCOTLAND, None),
    ]), StoreBatch(alerts=[loiter._replace(state="acknowledged", updated=t + 5000)]))  # fmt: skip
    with Queries(database) as queries:
        everything = queries.alerts(DAY_START, DAY_END)
        assert everything["rule"].to_list() == ["cable_threat", "loitering", "dark"]
        by_name = queries.alerts(DAY_START, DAY_END, vessel="maersk visual")
        assert by_name["state"].to_list() == ["acknowledged"]
        assert by_name["shipname"].to_list() == ["MAERSK VISUAL"]
        assert json.loads(by_name["body"][0])["evidence"] == {"duration_hours": 2}

        def rules(**filters: object) -> list[str]:
            return queries.alerts(DAY_START, DAY_END, **filters)["rule"].to_list()  # type: ignore[arg-type]

        assert rules(zone="cable-x") == ["cable_threat"]
        assert rules(rule=["dark", "loitering"]) == ["loitering", "dark"]
        assert rules(severity="alarm") == ["cable_threat"]
        assert rules(state=["open"]) == ["cable_threat"]
        assert rules(vessel=MSC_SCOTLAND, state=["open", "cleared"]) == ["cable_threat", "dark"]
        # Alive in the window: the cleared one ended (t + 200) before this window starts.
        later = queries.alerts(DAY_START + timedelta(minutes=10), DAY_END)
        assert "dark" not in later["rule"].to_list() and len(later) == 2


def test_zone_events_are_filtered_and_named(database: str) -> None:
    load_recording(database)
    t = DAY_START.timestamp()
    write(database, StoreBatch(zone_events=[
        ZoneEvent(t + 10, MAERSK_VISUAL, "channel", "enter", 50.0, -2.5),
        ZoneEvent(t + 900, MAERSK_VISUAL, "channel", "exit", 50.1, -2.4),
        ZoneEvent(t + 20, MSC_SCOTLAND, "approaches", "enter", 49.9, -3.0),
    ]))  # fmt: skip
    with Queries(database) as queries:
        assert len(queries.zone_events(DAY_START, DAY_END)) == 3
        channel = queries.zone_events(DAY_START, DAY_END, zone="channel")
        assert channel["event"].to_list() == ["enter", "exit"]
        assert set(channel["shipname"]) == {"MAERSK VISUAL"}
        exits = queries.zone_events(DAY_START, DAY_END, vessel="IMO 9320738", event="exit")
        assert epoch(exits["time"].to_list()) == [t + 900]


def test_traffic_counts_vessels_hour_by_hour_with_empty_hours(database: str) -> None:
    t = DAY_START.timestamp()
    hours = [ZoneHour(t, "channel", m, t + 60, t + 600) for m in (1, 2, 3)]
    hours += [ZoneHour(t + 7200, "channel", 1, t + 7300, t + 7400),
              ZoneHour(t, "elsewhere", 9, t + 60, t + 70)]  # fmt: skip
    write(database, StoreBatch(zone_hours=hours))
    with Queries(database) as queries:
        traffic = queries.traffic("channel", DAY_START + timedelta(minutes=30),
                                  DAY_START + timedelta(hours=4))  # fmt: skip
    assert traffic["vessels"].to_list() == [3, 0, 1, 0]
    assert traffic["hour"][0] == DAY_START and set(traffic["zone_id"]) == {"channel"}


def test_traffic_of_a_quiet_zone_is_zeros_and_of_an_unknown_one_an_error(database: str) -> None:
    write(database, StoreBatch(zone_hours=[ZoneHour(DAY_START.timestamp(), "channel", 1, 0, 1)]))
    with Queries(database) as queries:
        quiet = queries.traffic("red-sea", DAY_START, DAY_START + timedelta(hours=2))
        assert quiet["vessels"].to_list() == [0, 0]
        with pytest.raises(ConfigError, match="unknown zone 'chanel'"):
            queries.traffic("chanel", DAY_START, DAY_END)


def test_distances_in_the_synthetic_tracks_are_what_they_claim() -> None:
    # The scenario builder itself: 10 knots for 6 minutes is one nautical mile.
    fixes = synthetic_track(1, 0.0, [(0.0, 6.0)], step_s=60.0)
    start, last = fixes[0], fixes[-1]
    assert distance_m(start.lat, start.lon, last.lat, last.lon) == pytest.approx(  # type: ignore[arg-type]
        1852.0 * 5 / 6, rel=1e-3
    )
