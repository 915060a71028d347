"""Port visits (GFW's events) and trips: a simulated ferry's calls found as its script made
them, from fixes in memory and from a real store through `mda query`; GFW's confidence and
hysteresis on small hand-made tracks."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import polars as pl
import pytest

from mda.geo import destination
from mda.model import Position, VesselStatic
from mda.simulate.ferry import FERRY_PORTS, FerryRoute, ferry_route
from mda.simulate.recording import decoded
from mda.store.batch import StoreBatch
from mda.store.queries import Queries
from mda.store.visits import stored_port_visits, stored_trips
from mda.trajectories.port_visits import PortVisitRules, port_visits
from mda.trajectories.trips import trips
from mda.zones import load_zones
from mda.zones.catalog import ZoneCatalog, zones_from_geojson
from tests.test_cli_query import mda
from tests.test_store_queries import write

T0 = 1_767_225_600  # 2026-01-01T00:00:00Z
WINDOW = ("--from", "2026-01-01", "--to", "2026-01-02")
# A visit's start and end are fixes the detector heard; the script's truth is the first report
# sent inside (or beyond), which a receiver may have missed: with 10 s reports under way and
# a fifth of them lost, a minute covers six lost in a row.
TOLERANCE_S = 60.0
PORTS = load_zones().of_kind("port", "anchorage")


@pytest.fixture(scope="module")
def ferry() -> FerryRoute:
    return ferry_route(seed=19, t0=T0)


def fixes_frame(route: FerryRoute) -> pl.DataFrame:
    """What a decoder reads of the reports heard."""
    heard = route.heard
    return pl.DataFrame({
        "mmsi": [route.actor.particulars.mmsi] * len(heard),
        "time": [datetime.fromtimestamp(f.time, UTC) for f in heard],
        "lat": [decoded(f.lat) for f in heard],
        "lon": [decoded(f.lon) for f in heard],
        "sog": [round(f.sog, 1) for f in heard],
    })  # fmt: skip


def assert_matches_truth(visits: pl.DataFrame, route: FerryRoute) -> None:
    assert visits["port_id"].to_list() == [v.port_id for v in route.visits]
    for found, truth in zip(visits.iter_rows(named=True), route.visits, strict=True):
        late_in = found["start"].timestamp() - truth.arrival
        late_out = found["end"].timestamp() - truth.departure
        # Never before the truth (no fix inside was sent before it), at most a minute after.
        assert 0 <= late_in <= TOLERANCE_S, (found, truth)
        assert 0 <= late_out <= TOLERANCE_S, (found, truth)
        assert found["entry"] and found["exit"] and found["stop"]
        assert found["confidence"] == 4
        assert found["gap"] == (truth.silent_s > 4 * 3600)


def test_the_ferrys_port_visits_equal_its_ground_truth(ferry: FerryRoute) -> None:
    visits = port_visits(fixes_frame(ferry), PORTS)
    assert len(ferry.visits) == 4 and set(FERRY_PORTS) == set(visits["port_id"])
    # The night at Catania with the transponder off for 6 h is one visit, not two.
    assert any(v.silent_s > 4 * 3600 for v in ferry.visits)
    assert_matches_truth(visits, ferry)


def test_the_ferrys_trips_run_from_one_visit_to_the_next(ferry: FerryRoute) -> None:
    fixes = fixes_frame(ferry)
    visits = port_visits(fixes, PORTS)
    legs = trips(visits, fixes)
    assert legs["from_port_id"].to_list() == ["port-catania", "port-augusta", "port-catania"]
    assert legs["to_port_id"].to_list() == ["port-augusta", "port-catania", "port-augusta"]
    assert legs["start"].to_list() == visits["end"].to_list()[:-1]
    assert legs["end"].to_list() == visits["start"].to_list()[1:]
    # Berth to berth is some 34 km; between the two zones' edges (exit 3.5 km off Catania,
    # entry 7 km off Augusta) about 24 km, 13 nm.
    for distance in legs["distance_nm"].to_list():
        assert 11.0 < distance < 16.0


def test_the_same_visits_come_from_the_store_for_one_vessel_and_for_all(
    ferry: FerryRoute, plain_database: str
) -> None:
    store_ferry(plain_database, ferry)
    with Queries(plain_database) as queries:
        mine = stored_port_visits(queries, T0, T0 + 86_400, vessel="CATANIA EXPRESS")
        everyone = stored_port_visits(queries, T0, T0 + 86_400)
        legs = stored_trips(queries, 247_123_456, T0, T0 + 86_400)
    assert_matches_truth(mine, ferry)
    assert everyone.equals(mine)
    assert mine["shipname"].unique().to_list() == ["CATANIA EXPRESS"]
    assert len(legs) == 3 and legs["shipname"].to_list() == ["CATANIA EXPRESS"] * 3


def test_mda_query_events_and_trips(ferry: FerryRoute, plain_database: str) -> None:
    store_ferry(plain_database, ferry)
    done = mda("events", "--kind", "port_visit", "-d", plain_database, *WINDOW, "-f", "csv")
    assert done.returncode == 0, done.stderr
    visits = pl.read_csv(io.StringIO(done.stdout), try_parse_dates=True)
    assert_matches_truth(visits, ferry)
    assert "4 port visits" in done.stderr

    done = mda("events", "--kind", "port_visit", "--zone", "port-augusta", "-d", plain_database,
               *WINDOW, "-f", "geojson")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.count('"port-augusta"') == 2 and '"port-catania"' not in done.stdout

    done = mda("trips", "247123456", "-d", plain_database, *WINDOW, "-f", "csv")
    assert done.returncode == 0, done.stderr
    legs = pl.read_csv(io.StringIO(done.stdout))
    assert legs["to_port_id"].to_list() == ["port-augusta", "port-catania", "port-augusta"]
    by_kind = mda("events", "--kind", "trip", "--vessel", "247123456", "-d", plain_database,
                  *WINDOW, "-f", "csv")  # fmt: skip
    assert by_kind.returncode == 0 and by_kind.stdout == done.stdout

    refused = mda("events", "--kind", "trip", "-d", plain_database, *WINDOW)
    assert "--kind trip needs --vessel" in refused.stderr and refused.returncode != 0


def store_ferry(url: str, route: FerryRoute) -> None:
    p = route.actor.particulars
    positions = [
        Position(float(f.time), p.mmsi, 1, decoded(f.lat), decoded(f.lon), round(f.sog, 1),
                 round(f.cog % 360.0, 1), f.heading, f.status, 0.0, True, "ferry")
        for f in route.heard
    ]  # fmt: skip
    static = VesselStatic(float(T0), p.mmsi, 5, shipname=p.name, callsign=p.callsign, imo=p.imo)
    write(url, StoreBatch(positions=positions, statics=[static]))


# -- GFW's rules on hand-made tracks ---------------------------------------------------------

CATANIA = (37.495, 15.095)  # port-catania: 2500 m radius, exit at 3500 m


def track(points: list[tuple[float, float, float]], step_s: int = 60) -> pl.DataFrame:
    """A vessel at (metres east of Catania's centre, metres north, speed in knots), one fix
    every ``step_s``."""
    rows = []
    for n, (east, north, sog) in enumerate(points):
        lat, lon = destination(*CATANIA, 90.0, east)
        lat, lon = destination(lat, lon, 0.0, north)
        rows.append((1, datetime.fromtimestamp(T0 + n * step_s, UTC), lat, lon, sog))
    return pl.DataFrame(rows, schema=["mmsi", "time", "lat", "lon", "sog"], orient="row")


def test_passing_through_without_a_stop_is_confidence_one() -> None:
    passing = track([(x, 0.0, 12.0) for x in range(-8000, 8001, 400)])
    assert port_visits(passing, PORTS).is_empty()  # GFW's products keep 2 and over
    found = port_visits(passing, PORTS, PortVisitRules(min_confidence=1))
    assert found["confidence"].to_list() == [1] and not found["stop"][0]


def test_a_vessel_first_seen_at_the_berth_has_no_entry() -> None:
    berth_then_out = track([(0.0, 0.0, 0.0)] * 30 + [(x, 0.0, 8.0) for x in range(0, 6000, 250)])
    found = port_visits(berth_then_out, PORTS)
    assert found.select("entry", "exit", "stop", "confidence").row(0) == (False, True, True, 3)


def test_wandering_between_entry_and_exit_distance_does_not_leave() -> None:
    # In, stopped, then to and fro between 2.4 and 3.4 km (across the entry radius, short of
    # the exit distance): one visit until it goes beyond 3.5 km. Without the hysteresis it
    # would be eleven.
    wander = [(float(x), 0.0, 5.0) for x in range(6000, 0, -500)] + [(0.0, 0.0, 0.1)] * 10
    wander += [(2400.0 if n % 2 else 3400.0, 0.0, 3.0) for n in range(20)]
    wander += [(float(x), 0.0, 5.0) for x in range(3600, 8000, 500)]
    found = port_visits(track(wander), PORTS)
    assert len(found) == 1 and found["confidence"][0] == 4
    no_margin = PortVisitRules(exit_margin_m=0.0, min_confidence=1)
    assert len(port_visits(track(wander), PORTS, no_margin)) == 11


def test_a_stop_needs_under_0_2_kn_and_ends_over_0_5() -> None:
    # 0.3 kn is never a stop; once stopped, 0.4 kn does not end it (hysteresis).
    slow = [(float(x), 0.0, 5.0) for x in range(6000, 0, -500)] + [(0.0, 0.0, 0.3)] * 10
    slow += [(float(x), 0.0, 5.0) for x in range(0, 6000, 500)]
    assert port_visits(track(slow), PORTS, PortVisitRules(min_confidence=1))["stop"].to_list() == [
        False
    ]
    held = [(float(x), 0.0, 5.0) for x in range(6000, 0, -500)] + [(0.0, 0.0, 0.1)]
    held += [(0.0, 0.0, 0.4)] * 10 + [(float(x), 0.0, 5.0) for x in range(0, 6000, 500)]
    found = port_visits(track(held), PORTS)
    assert found["stop"].to_list() == [True]
    assert found["stop_h"][0] == pytest.approx(11 * 60 / 3600)  # until the 5 kn fix


def test_a_port_on_the_antimeridian_is_searched_on_both_sides(plain_database: str) -> None:
    # A port 0.01 deg west of 180: its search box reaches past 180, where the vessel lies
    # stopped at longitude -179.995 (900 m from the centre).
    doc = {"type": "FeatureCollection", "features": [{
        "type": "Feature", "geometry": {"type": "Point", "coordinates": [179.99, -16.5]},
        "properties": {"id": "port-dateline", "name": "Dateline", "kind": "port",
                       "radius_m": 3000},
    }]}  # fmt: skip
    catalog = ZoneCatalog(zones_from_geojson(doc, "test", "test"))
    east = [(T0 + 60 * n, -16.5, -179.995, 0.0) for n in range(30)]
    out = [(T0 + 1800 + 60 * n, -16.5, -179.98 + 0.01 * n, 10.0) for n in range(10)]
    positions = [Position(float(t), 1234, 1, lat, lon, sog, 90.0, 90, 5, 0.0, True, "test")
                 for t, lat, lon, sog in east + out]  # fmt: skip
    write(plain_database, StoreBatch(positions=positions))
    with Queries(plain_database, zones=catalog) as queries:
        found = stored_port_visits(queries, T0, T0 + 86_400)
    assert found.select("mmsi", "port_id", "stop", "exit").rows() == [
        (1234, "port-dateline", True, True)
    ]
