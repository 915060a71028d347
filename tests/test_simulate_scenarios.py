"""Scenario recordings: deterministic, valid NMEA, and ground truth that the geometry bears out.

Every check decodes the recording with mda's own ingest and places the decoded positions with
the zone index of the default catalogue (and Natural Earth land from ../shared/data), so the
truth is checked against what a pipeline would see, not against the script that made it.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass
from functools import cache, reduce
from operator import xor
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
import shapely
from shapely.geometry import shape

from mda.errors import MdaError
from mda.geo import distance_m
from mda.ingest.core import Ingestor
from mda.ingest.flags import flag_of
from mda.model import Position, VesselStatic
from mda.resources import default_folder
from mda.simulate.recording import Recorder, Station, imo_number
from mda.simulate.scenarios import SCENARIOS, Simulation, read_expected, simulate, write
from mda.zones.catalog import ZoneCatalog
from mda.zones.geodesic import point_to_line_m
from mda.zones.index import ZoneIndex
from tests.data import shared

VESSELS = 30  # enough traffic to test its rules, small enough to keep the file fast
NM = 1852.0
Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Track:
    """The decoded positions of one vessel, in time order."""

    time: Floats
    lat: Floats
    lon: Floats
    sog: Floats
    cog: Floats
    heading: Floats
    status: npt.NDArray[np.int64]

    def take(self, mask: npt.NDArray[np.bool_]) -> Track:
        return Track(*(getattr(self, f)[mask] for f in self.__dataclass_fields__))


@dataclass(frozen=True)
class Decoded:
    sim: Simulation
    tracks: dict[int, Track]
    statics: dict[int, VesselStatic]  # the last of each vessel
    static_log: dict[int, list[VesselStatic]]  # all of them, in time order


@cache
def zones() -> ZoneIndex:
    return ZoneIndex(list(ZoneCatalog.load([default_folder("zones")])))


@cache
def land() -> shapely.Geometry:
    folder = "zones/natural_earth_v4"
    features = []
    for name in ("ne_10m_land_aoi.geojson", "ne_10m_minor_islands_aoi.geojson"):
        features += json.loads(shared(f"{folder}/{name}").read_text())["features"]
    geometry = shapely.union_all([shape(f["geometry"]) for f in features])
    shapely.prepare(geometry)
    return geometry


@cache
def decoded(scenario: str) -> Decoded:
    sim = simulate(scenario, seed=1, vessels=VESSELS)
    ingestor = Ingestor()
    records = ingestor.ingest(sim.lines, "sim")
    records += ingestor.finish()
    stats = ingestor.stats
    assert stats.lines == len(sim.lines)
    problems = {
        name: getattr(stats, name)
        for name in ("junk_lines", "bad_checksum", "missing_checksum", "malformed_sentence",
                     "too_long", "non_ascii", "bad_tag_block", "tag_block_bad_checksum",
                     "bad_time", "invalid_payload", "short_payload", "unknown_type",
                     "orphan_fragments", "duplicate_fragments", "out_of_order_fragments",
                     "expired_fragments", "evicted_fragments", "decode_errors")
        if getattr(stats, name)
    }  # fmt: skip
    assert not problems, problems
    assert not stats.rejected_values, stats.rejected_values
    rows: dict[int, list[Position]] = {}
    statics: dict[int, VesselStatic] = {}
    static_log: dict[int, list[VesselStatic]] = {}
    for r in records:
        if isinstance(r, Position):
            rows.setdefault(r.mmsi, []).append(r)
        elif isinstance(r, VesselStatic) and r.msg_type == 5:
            statics[r.mmsi] = r
            static_log.setdefault(r.mmsi, []).append(r)
    tracks = {}
    for mmsi, positions in rows.items():
        positions.sort(key=lambda p: p.time or 0.0)

        def column(name: str, ps: list[Position] = positions) -> Floats:
            return np.array([getattr(p, name) for p in ps], dtype=np.float64)

        tracks[mmsi] = Track(
            column("time"), column("lat"), column("lon"), column("sog"), column("cog"),
            column("heading"),
            np.array([-1 if p.nav_status is None else p.nav_status for p in positions]),
        )  # fmt: skip
    for log in static_log.values():
        log.sort(key=lambda r: r.time or 0.0)
    return Decoded(sim, tracks, statics, static_log)


def zone_ids_at(track: Track) -> list[set[str]]:
    m = zones().locate(track.lon, track.lat)
    out: list[set[str]] = [set() for _ in range(len(track.time))]
    for p, z in zip(m.point.tolist(), m.zone.tolist(), strict=True):
        out[p].add(zones().zone_ids[z])
    return out


def kinds_at(track: Track) -> list[set[str]]:
    kind = {z.id: z.kind for z in zones().zones}
    return [{kind[z] for z in ids} for ids in zone_ids_at(track)]


def inside(track: Track, zone_id: str) -> npt.NDArray[np.bool_]:
    return np.array([zone_id in ids for ids in zone_ids_at(track)], dtype=np.bool_)


def actor(d: Decoded, role: str) -> tuple[int, Track]:
    (mmsi,) = [m for m, r in d.sim.roles.items() if r == role]
    return mmsi, d.tracks[mmsi]


def corridors(ids: set[str]) -> set[str]:
    return {z for z in ids if z.startswith(("cable-", "pipeline-"))}


# --- determinism and format --------------------------------------------------------------


def test_same_seed_gives_the_same_bytes() -> None:
    a = simulate("gulf-of-aden-stop", seed=7, vessels=10)
    b = simulate("gulf-of-aden-stop", seed=7, vessels=10)
    assert a.lines == b.lines
    assert a.expected == b.expected


def test_another_seed_gives_another_recording() -> None:
    a = simulate("gulf-of-aden-stop", seed=7, vessels=10)
    b = simulate("gulf-of-aden-stop", seed=8, vessels=10)
    assert a.lines != b.lines
    assert a.expected != b.expected


def test_the_truth_does_not_depend_on_the_amount_of_traffic() -> None:
    few = simulate("watchlist", seed=2, vessels=0)
    assert few.expected == simulate("watchlist", seed=2, vessels=VESSELS).expected
    assert set(few.roles.values()) == {"listed vessel"}


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_every_line_has_valid_checksums_and_times_in_order(scenario: str) -> None:
    sim = decoded(scenario).sim
    times = []
    for line in sim.lines:
        assert line.startswith(b"\\") and line.count(b"\\") == 2, line
        _, tag, sentence = line.split(b"\\")
        body, checksum = tag.rsplit(b"*", 1)
        assert int(checksum, 16) == reduce(xor, body, 0), line
        assert sentence.startswith(b"!AIVDM,"), line
        body, checksum = sentence[1:].rsplit(b"*", 1)
        assert int(checksum, 16) == reduce(xor, body, 0), line
        times += [int(p[2:]) for p in body_params(tag) if p.startswith(b"c:")]
    assert times == sorted(times)
    assert sim.start <= times[0] and times[-1] < sim.end


def body_params(tag: bytes) -> list[bytes]:
    return tag.rsplit(b"*", 1)[0].split(b",")


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_every_vessel_is_decoded_with_an_event_time(scenario: str) -> None:
    d = decoded(scenario)  # decoding without a single bad line is checked there
    assert set(d.tracks) == set(d.sim.roles)
    assert all(np.isfinite(t.time).all() for t in d.tracks.values())
    assert sum(len(t.time) for t in d.tracks.values()) > 1000


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_the_recording_lasts_an_hour_beyond_the_last_expected_alert(scenario: str) -> None:
    sim = decoded(scenario).sim
    for e in sim.expected:
        assert sim.start < e.not_before < e.by
        assert e.by + 3600 <= sim.end
        assert e.mmsi in sim.roles and sim.roles[e.mmsi] != "background"


# --- ordinary traffic --------------------------------------------------------------------


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_ships_on_passage_never_slow_down_nor_go_ashore(scenario: str) -> None:
    d = decoded(scenario)
    for mmsi, role in d.sim.roles.items():
        if role != "background":
            continue
        track = d.tracks[mmsi]
        berthed = np.array([bool(k & {"port", "anchorage"}) for k in kinds_at(track)])
        assert (track.sog[~berthed] >= 5.0).all(), mmsi
        assert not shapely.contains_xy(land(), track.lon, track.lat).any(), mmsi


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_moored_and_anchored_ships_lie_in_ports_and_anchorages_off_the_cables(
    scenario: str,
) -> None:
    d = decoded(scenario)
    berthed = {m: r for m, r in d.sim.roles.items() if r in ("moored", "anchored")}
    assert len(berthed) == 2 * round(VESSELS * 0.05)
    for mmsi, role in berthed.items():
        track = d.tracks[mmsi]
        places = zone_ids_at(track)
        assert all(k & {"port", "anchorage"} for k in kinds_at(track)), mmsi
        assert not any(corridors(ids) for ids in places), mmsi
        assert (track.status == (5 if role == "moored" else 1)).all()
        assert (track.sog <= 0.3).all()


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_ordinary_traffic_is_heard_from_start_to_end(scenario: str) -> None:
    """No ordinary vessel goes silent, so event time keeps advancing to the end."""
    d = decoded(scenario)
    for mmsi, role in d.sim.roles.items():
        if role in ("background", "moored", "anchored"):
            t = d.tracks[mmsi].time
            assert t[0] - d.sim.start < 1200 and d.sim.end - t[-1] < 1200, mmsi
            assert np.diff(t).max() < 1800, mmsi


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_no_two_ordinary_vessels_share_an_imo_number(scenario: str) -> None:
    """An IMO number belongs to one hull: a clash would be an identity alarm nobody staged."""
    d = decoded(scenario)
    owners: dict[int, set[int]] = {}
    for mmsi, log in d.static_log.items():
        for s in log:
            if s.imo:
                owners.setdefault(s.imo, set()).add(mmsi)
    ordinary = {"background", "moored", "anchored"}
    for mmsis in owners.values():
        assert len(mmsis) == 1 or not {d.sim.roles[m] for m in mmsis} & ordinary, mmsis


def test_generated_vessels_never_share_an_imo_number() -> None:
    recorder = Recorder(random.Random(1), [Station("rx-test", 0.0, 0.0)])
    scenario_vessels = {imo_number(random.Random(n)) for n in range(2000)}
    for imo in scenario_vessels:
        recorder.reserve_imo(imo)
    # 3000 draws among 100 000 numbers clash dozens of times, with each other and with those.
    imos = [recorder.particulars((636,), 70, False, n, "ADEN").imo for n in range(3000)]
    assert len(set(imos)) == len(imos)
    assert not scenario_vessels & set(imos)


# --- scenario vessels --------------------------------------------------------------------


def test_cable_loiterer_spends_hours_slow_in_one_corridor_only() -> None:
    d = decoded("cable-loitering")
    mmsi, track = actor(d, "loiterer")
    (alert,) = d.sim.expected
    assert (alert.rule, alert.mmsi) == ("cable_threat", mmsi)
    assert alert.zone_id is not None and alert.zone_id.startswith("cable-")
    slow = track.take(track.sog < 2.0)
    places = zone_ids_at(slow)
    assert all(corridors(ids) == {alert.zone_id} for ids in places)
    assert slow.time[-1] - slow.time[0] >= 3 * 3600
    assert alert.not_before == slow.time[0] + 600 and alert.by == slow.time[0] + 1500
    assert set(track.status[track.sog < 2.0].tolist()) <= {0, 7}
    assert ("loitering", mmsi) in {(s.rule, s.mmsi) for s in d.sim.silent}
    assert d.statics[mmsi].ship_type == 30 and d.statics[mmsi].shipname


def test_anchor_dragger_crosses_the_corridor_at_drag_speed_with_a_swinging_heading() -> None:
    d = decoded("anchor-drag")
    mmsi, track = actor(d, "dragger")
    (alert,) = d.sim.expected
    assert (alert.rule, alert.mmsi) == ("cable_threat", mmsi)
    assert alert.zone_id is not None
    in_corridor = track.take(inside(track, alert.zone_id))
    assert len(in_corridor.time) >= 20
    assert ((in_corridor.sog >= 5.0) & (in_corridor.sog <= 7.0)).all()
    assert (track.status == 0).all()
    assert alert.not_before == in_corridor.time[0] and alert.by == alert.not_before + 600
    swing = (in_corridor.heading - in_corridor.cog + 180.0) % 360.0 - 180.0
    assert swing.max() - swing.min() >= 20.0
    # Usual speed before the drop; from the drop on, no other corridor is crossed.
    assert np.median(track.sog[: len(track.sog) // 4]) > 11.0
    dragging = track.take(track.sog < 9.0)
    assert all(corridors(ids) <= {alert.zone_id} for ids in zone_ids_at(dragging))
    cable = next(z for z in zones().zones if z.id == alert.zone_id)
    assert cable.line is not None
    assert point_to_line_m(track.lon[-1], track.lat[-1], cable.line) > 25_000
    assert d.statics[mmsi].imo is not None and d.statics[mmsi].to_bow is not None
    assert d.statics[mmsi].ship_type == 70


def test_dark_tanker_is_silent_14_hours_far_off_the_coast() -> None:
    d = decoded("dark-tanker")
    mmsi, track = actor(d, "dark tanker")
    (alert,) = d.sim.expected
    assert (alert.rule, alert.mmsi, alert.zone_id) == ("going_dark", mmsi, "gulf-of-guinea")
    gaps = np.diff(track.time)
    i = int(gaps.argmax())
    assert abs(gaps[i] - 14 * 3600) <= 600
    assert np.sort(gaps)[-2] < 120  # one gap only
    ends = track.take(np.isin(np.arange(len(track.time)), [i, i + 1]))
    assert inside(ends, "gulf-of-guinea").all()
    coast = ZoneIndex([], coastline=list(shapely.get_parts(land())))
    for lat, lon in zip(ends.lat, ends.lon, strict=True):
        shore = coast.shore_distance_m(float(lon), float(lat))
        assert shore is not None and shore >= 60 * NM
    away = distance_m(ends.lat[0], ends.lon[0], ends.lat[1], ends.lon[1]) / NM
    assert 3.0 <= away / (gaps[i] / 3600) <= 5.0
    assert alert.not_before == track.time[i] + 6 * 3600
    assert alert.by == alert.not_before + 900
    assert d.statics[mmsi].ship_type == 80
    assert d.sim.end - track.time[-1] < 900


def test_merchant_stops_in_the_gulf_of_aden_away_from_ports_and_cables() -> None:
    d = decoded("gulf-of-aden-stop")
    mmsi, track = actor(d, "stopped merchant")
    (alert,) = d.sim.expected
    assert (alert.rule, alert.mmsi) == ("unexpected_stop", mmsi)
    stopped = track.take(track.sog < 2.0)
    assert 55 * 60 <= stopped.time[-1] - stopped.time[0] <= 75 * 60
    for ids, kinds in zip(zone_ids_at(stopped), kinds_at(stopped), strict=True):
        assert {"gulf-of-aden", "irtc-gulf-of-aden"} <= ids
        assert not kinds & {"port", "anchorage", "cable", "pipeline"}
    assert alert.not_before == stopped.time[0] + 900 and alert.by == alert.not_before + 600
    assert np.median(track.sog[track.time < stopped.time[0] - 600]) > 12.0
    assert track.sog[-1] > 12.0
    assert d.statics[mmsi].ship_type == 70


def test_listed_vessel_enters_the_red_sea_after_it_is_first_heard() -> None:
    d = decoded("watchlist")
    mmsi, track = actor(d, "listed vessel")
    listed, entry = d.sim.expected
    assert (listed.rule, listed.mmsi, listed.zone_id) == ("watch_list", mmsi, None)
    assert (entry.rule, entry.mmsi, entry.zone_id) == ("zone_entry", mmsi, "red-sea")
    in_red_sea = inside(track, "red-sea")
    assert not in_red_sea[0]
    assert listed.not_before == track.time[0] and listed.by == track.time[0] + 60
    first_inside = track.time[in_red_sea][0]
    assert first_inside > track.time[0] + 40 * 60
    assert entry.not_before == first_inside and entry.by == first_inside + 60
    static = d.statics[mmsi]
    assert d.sim.watch_list == {"mmsi": [mmsi], "imo": [static.imo], "names": [static.shipname]}


def test_background_expects_nothing() -> None:
    sim = decoded("background").sim
    assert sim.expected == [] and sim.silent == []
    assert set(sim.roles.values()) == {"background", "moored", "anchored"}
    assert sim.end - sim.start == 6 * 3600
    assert sim.watch_list == {"mmsi": [], "imo": [], "names": []}
    assert sim.carriers == []


NEW_SCENARIOS = ["no-take-trawler", "longliner-meets-reefer", "shared-mmsi", "rename-reflag"]


@pytest.mark.parametrize("scenario", NEW_SCENARIOS)
def test_new_scenarios_are_deterministic_and_their_truth_ignores_traffic(scenario: str) -> None:
    a = simulate(scenario, seed=5, vessels=3)
    b = simulate(scenario, seed=5, vessels=3)
    assert a.lines == b.lines
    assert (a.expected, a.silent, a.carriers) == (b.expected, b.silent, b.carriers)
    assert simulate(scenario, seed=5, vessels=0).expected == a.expected
    assert simulate(scenario, seed=6, vessels=0).expected != a.expected


def on_land(track: Track) -> bool:
    return bool(shapely.contains_xy(land(), track.lon, track.lat).any())


def gaps_s(track: Track) -> Floats:
    return np.diff(track.time)


def test_trawler_tows_for_hours_inside_the_no_take_park() -> None:
    d = decoded("no-take-trawler")
    mmsi, track = actor(d, "trawler")
    (alert,) = d.sim.expected
    assert (alert.rule, alert.mmsi, alert.zone_id) == ("restricted_fishing", mmsi, "mpa-cabrera")
    park = next(z for z in zones().zones if z.id == alert.zone_id)
    assert park.kind == "mpa" and park.properties["fishing"] == "no_take"
    fishing = track.take(track.status == 7)
    assert inside(fishing, "mpa-cabrera").all()
    assert 2 * 3600 <= fishing.time[-1] - fishing.time[0] <= 3 * 3600
    towing = fishing.take(fishing.time >= fishing.time[0] + 180)  # the trawl is out
    assert ((towing.sog >= 2.5) & (towing.sog <= 4.0)).all()
    # The window counts from the first report inside under 6 kn, as she slows to tow.
    slowing = track.time[inside(track, "mpa-cabrera") & (track.sog < 6.0)][0]
    assert fishing.time[0] - 60 <= slowing <= fishing.time[0]
    assert alert.not_before == slowing + 20 * 60
    assert alert.by == slowing + 90 * 60
    assert not on_land(track)
    assert not any(corridors(ids) for ids in zone_ids_at(track))
    assert ("loitering", mmsi) in {(s.rule, s.mmsi) for s in d.sim.silent}


def test_trawler_steams_in_and_out_and_tows_both_ways_with_turns() -> None:
    d = decoded("no-take-trawler")
    _, track = actor(d, "trawler")
    in_park = inside(track, "mpa-cabrera")
    assert not in_park[0] and not in_park[-1]
    assert np.median(track.sog[: len(track.sog) // 6]) > 9.5
    assert np.median(track.sog[-len(track.sog) // 6 :]) > 9.5
    towing = track.take((track.status == 7) & (track.sog < 5.0))
    # Tows run both ways along one axis: course over ground in two opposite clusters.
    axis = np.median(towing.cog[: len(towing.cog) // 10])
    off_axis = np.abs((towing.cog - axis + 180.0) % 360.0 - 180.0)
    assert (off_axis < 20).sum() > 0.3 * len(off_axis)
    assert (off_axis > 160).sum() > 0.2 * len(off_axis)
    swing = np.abs((towing.heading - towing.cog + 180.0) % 360.0 - 180.0)
    assert 0.5 < np.median(swing) < 15.0  # heading noise, crabbing with the set
    # Heard at the rate of the other scenarios, with one hole of 4-8 min while towing.
    assert 0.45 < len(towing.time) / ((towing.time[-1] - towing.time[0]) / 10) < 0.65
    assert 4 * 60 <= gaps_s(towing).max() <= 9 * 60
    # By the time the alert is due GFW would call it a fishing event: >= 20 min, > 5
    # positions, >= 0.5 km.
    first = towing.take(towing.time <= d.sim.expected[0].not_before)
    assert len(first.time) > 5
    assert distance_m(first.lat[0], first.lon[0], first.lat[-1], first.lon[-1]) >= 500.0
    static = d.statics[actor(d, "trawler")[0]]
    assert static.ship_type == 30 and static.imo and static.shipname and static.callsign
    assert flag_of(static.mmsi) == "ES"


def common(a: Track, b: Track) -> tuple[Track, Track]:
    """The reports of two vessels heard at the same second."""
    both = np.intersect1d(a.time, b.time)
    return a.take(np.isin(a.time, both)), b.take(np.isin(b.time, both))


def apart_m(a: Track, b: Track) -> Floats:
    return np.array([distance_m(*p) for p in zip(a.lat, a.lon, b.lat, b.lon, strict=True)])


def test_longliner_lies_alongside_the_reefer_for_hours_drifting() -> None:
    d = decoded("longliner-meets-reefer")
    longliner, lt = actor(d, "longliner")
    reefer, rt = actor(d, "reefer")
    encounter, stop = d.sim.expected
    assert (encounter.rule, encounter.mmsi, encounter.other_mmsi) == (
        "encounter", longliner, reefer)  # fmt: skip
    assert d.sim.carriers == [reefer]
    assert d.statics[longliner].ship_type == 30
    assert 70 <= (d.statics[reefer].ship_type or 0) <= 79
    a, b = common(lt, rt)
    gap = apart_m(a, b)
    close = gap <= 500.0
    together = a.take(gap <= 200.0)
    assert together.time[-1] - together.time[0] >= 3 * 3600
    assert ((gap[gap <= 200.0] >= 50.0) & (gap[gap <= 200.0] <= 200.0)).all()
    # Drifting under 1 kn once the longliner has come alongside and until it casts off.
    start, end = together.time[0] + 600, together.time[-1] - 300
    settled = (together.time >= start) & (together.time <= end)
    assert (together.sog[settled] < 1.0).all()
    assert (b.take(gap <= 200.0).sog[settled] < 1.0).all()
    # Heard together within 500 m no earlier than the truth's start, and 2 h after it at most
    # 10 min later (a grid slice).
    met = encounter.not_before - 2 * 3600
    assert met <= a.time[close][0] <= met + 600
    assert encounter.by - encounter.not_before == 40 * 60
    # Heard throughout: a hole in reception of a few minutes is all.
    assert gaps_s(lt).max() <= 11 * 60 and gaps_s(rt).max() <= 11 * 60
    # Then they part: far apart and back at speed at the end.
    assert distance_m(lt.lat[-1], lt.lon[-1], rt.lat[-1], rt.lon[-1]) > 10_000
    assert lt.sog[-1] > 8.0 and rt.sog[-1] > 10.0
    assert (stop.rule, stop.mmsi) == ("unexpected_stop", reefer)
    assert stop.not_before == rt.time[rt.sog < 2.0][0] + 900


def test_the_meeting_is_far_from_ports_cables_and_the_shore() -> None:
    d = decoded("longliner-meets-reefer")
    _, lt = actor(d, "longliner")
    _, rt = actor(d, "reefer")
    a, b = common(lt, rt)
    together = a.take(apart_m(a, b) <= 500.0)
    assert inside(together, "gulf-of-guinea").all()
    berths = [z for z in zones().zones if z.kind in ("port", "anchorage")]
    for lat, lon in zip(together.lat[::60], together.lon[::60], strict=True):
        nearest = min(shapely.distance(z.area, shapely.Point(lon, lat)) for z in berths)
        assert nearest * 111_000 > 10_000  # degrees to metres, a lower bound at this latitude
    assert not zones().near_lines(together.lon, together.lat, 10_000)
    coast = ZoneIndex([], coastline=list(shapely.get_parts(land())))
    shore = coast.shore_distance_m(float(together.lon[0]), float(together.lat[0]))
    assert shore is None or shore >= 20 * NM


def test_shared_mmsi_is_heard_from_two_places_at_once() -> None:
    d = decoded("shared-mmsi")
    mmsi, track = actor(d, "shared mmsi")
    (alert,) = d.sim.expected
    assert (alert.rule, alert.mmsi, alert.zone_id) == ("shared_mmsi", mmsi, None)
    in_red_sea = inside(track, "red-sea")
    red, aden = track.take(in_red_sea), track.take(~in_red_sea)
    assert inside(aden, "gulf-of-aden").all()
    # Both heard for hours at passage speed.
    for part in (red, aden):
        assert part.time[-1] - part.time[0] >= 2.5 * 3600
        assert (part.sog >= 10.0).all()
    # Consecutive reports of the one MMSI, a few seconds apart and hundreds of km apart.
    far = [
        distance_m(track.lat[i], track.lon[i], track.lat[i + 1], track.lon[i + 1]) >= 300_000
        for i in np.flatnonzero(gaps_s(track) <= 60).tolist()
    ]
    assert sum(far) >= 100
    assert alert.not_before == max(red.time[0], aden.time[0])
    assert alert.by == alert.not_before + 30 * 60
    identities = {(s.shipname, s.imo, s.ship_type) for s in d.static_log[mmsi]}
    assert len(identities) == 2


def test_renamed_vessel_changes_name_then_mmsi_and_flag_keeping_its_imo() -> None:
    d = decoded("rename-reflag")
    old, old_track = actor(d, "renamed vessel")
    new, new_track = actor(d, "reflagged vessel")
    renamed, reflagged = d.sim.expected
    assert (renamed.rule, renamed.mmsi) == ("identity_change", old)
    assert (reflagged.rule, reflagged.mmsi) == ("identity_change", new)
    log = d.static_log[old]
    names = [(s.shipname, s.callsign) for s in log]
    change = next(i for i, n in enumerate(names) if n != names[0])
    assert len(set(names[:change])) == 1 and len(set(names[change:])) == 1
    assert names[0][0] != names[change][0] and names[0][1] != names[change][1]
    assert {s.imo for s in log} == {log[0].imo} and log[0].imo
    seen = log[change].time
    assert seen is not None
    assert renamed.not_before == seen and renamed.by == renamed.not_before + 600
    # The new identity came on after a short silence, not mid-track.
    silence = seen - old_track.time[old_track.time < seen][-1]
    assert 8 * 60 <= silence <= 16 * 60
    hop = d.static_log[new]
    assert {s.imo for s in hop} == {log[0].imo}
    assert {s.shipname for s in hop} == {names[-1][0]}
    assert hop[0].callsign != names[-1][1]
    assert flag_of(new) not in (None, flag_of(old))
    assert reflagged.not_before == hop[0].time == new_track.time[0]
    assert reflagged.by == reflagged.not_before + 600
    # One ship throughout: it covered the silence at its own speed, and was never heard twice.
    silent_s = new_track.time[0] - old_track.time[-1]
    assert 20 * 60 <= silent_s <= 41 * 60
    jump = distance_m(old_track.lat[-1], old_track.lon[-1], new_track.lat[0], new_track.lon[0])
    assert 10.0 <= jump / NM / (silent_s / 3600) <= 14.0
    assert old_track.time[-1] < new_track.time[0]
    assert (gaps_s(old_track) > 0).all()
    assert {("shared_mmsi", old), ("shared_mmsi", new)} <= {(s.rule, s.mmsi) for s in d.sim.silent}


# --- files and errors --------------------------------------------------------------------


def test_write_produces_the_recording_and_a_truth_that_round_trips(tmp_path: Path) -> None:
    sim = decoded("dark-tanker").sim
    truth_path = write(sim, tmp_path / "dark.nmea")
    assert truth_path == tmp_path / "dark.truth.json"
    assert (tmp_path / "dark.nmea").read_bytes().split(b"\n") == [*sim.lines, b""]
    document = json.loads(truth_path.read_text())
    assert document["lines"] == len(sim.lines)
    assert document["start"] == "2026-01-01T00:00:00.000Z"
    assert document["scenario"] == "dark-tanker" and document["seed"] == sim.seed
    assert document["roles"][str(sim.expected[0].mmsi)] == "dark tanker"
    assert read_expected(truth_path) == sim.expected
    assert not math.isclose(sim.expected[0].not_before, sim.start)


def test_the_truth_file_carries_the_carrier_list_and_the_other_vessel(tmp_path: Path) -> None:
    sim = decoded("longliner-meets-reefer").sim
    truth_path = write(sim, tmp_path / "meeting.nmea")
    document = json.loads(truth_path.read_text())
    assert document["carriers"] == sim.carriers and len(sim.carriers) == 1
    assert document["expected"][0]["other_mmsi"] == sim.carriers[0]
    assert "other_mmsi" not in document["expected"][1]
    assert read_expected(truth_path) == sim.expected


def test_unknown_scenario_names_the_known_ones() -> None:
    with pytest.raises(MdaError) as caught:
        simulate("kraken")
    assert all(name in str(caught.value) for name in SCENARIOS)
