"""Ordinary traffic of a region: merchant ships on passage along its lanes, and a few lying
moored in port or at anchor.

Nothing it does may look suspicious, so that every alert a pipeline raises on it is a false
alarm: a ship on passage keeps its speed (10-16 kn class A, 6-9 kn class B, reported within
0.3 kn, course within 2 degrees), stays on its lane from the first second of the recording to
the last (it never falls silent), and ships that are not under way lie in a port or anchorage
clear of every cable and pipeline corridor. Reports are sent at the ITU-R M.1371 intervals
(10 s class A under way, 30 s class B, 3 min at anchor or moored) and heard with a fixed
probability, as a busy coastal receiver hears them.
"""

from __future__ import annotations

import math

from shapely.geometry import Point

from mda.geo import KNOT_MS, NM, destination
from mda.simulate.lanes import Region, berths
from mda.simulate.recording import NOT_AVAILABLE_HEADING, Fix, Recorder
from mda.zones.model import DEFAULT_PORT_RADIUS_M

MERCHANT_TYPES = (70, 70, 70, 71, 79, 80, 80, 81, 82, 60)  # cargo, tankers, some passenger
CLASS_B_TYPE = 37  # pleasure craft
CLASS_B_SHARE = 0.15
MOORED_SHARE = 0.05
ANCHORED_SHARE = 0.05
POSITION_RECEPTION = 0.3  # keeps a file of hundreds of ships moderate
STATIC_RECEPTION = 0.5
BERTH_RECEPTION = 0.8  # ships in port lie close to a receiver
STATIC_INTERVAL_S = 360
BERTH_INTERVAL_S = 180
MOORED, AT_ANCHOR, UNDER_WAY = 5, 1, 0


def lane_traffic(
    recorder: Recorder, region: Region, count: int, start: int, end: int, scale: int = 1
) -> dict[int, str]:
    """Send the reports of ``count`` ordinary vessels of ``region`` during ``[start, end)``
    (epoch seconds) to ``recorder``; ``scale`` multiplies the reporting interval of class A
    ships on passage (a lighter file for long scenarios). Returns their roles by MMSI: "background"
    (on passage), "moored" or "anchored"."""
    moored = round(count * MOORED_SHARE)
    anchored = round(count * ANCHORED_SHARE)
    roles: dict[int, str] = {}
    for i in range(count):
        if i < moored:
            roles[_berthed(recorder, region, i + 1, start, end, anchored=False)] = "moored"
        elif i < moored + anchored:
            roles[_berthed(recorder, region, i + 1, start, end, anchored=True)] = "anchored"
        else:
            roles[_on_passage(recorder, region, i + 1, start, end, scale)] = "background"
    return roles


def _on_passage(
    recorder: Recorder, region: Region, number: int, start: int, end: int, scale: int
) -> int:
    rng = recorder.rng
    class_b = rng.random() < CLASS_B_SHARE
    speed = rng.uniform(6.0, 9.0) if class_b else rng.uniform(10.0, 16.0)
    run_m = speed * KNOT_MS * (end - start)
    lanes = [lane for lane in region.lanes if lane.route(True).length_m > run_m + 4 * NM]
    if not lanes:
        raise ValueError(f"no lane of {region.name} is long enough for {end - start} s")
    lane = rng.choices(lanes, weights=[lane.weight for lane in lanes])[0]
    route = lane.route(rng.random() < 0.5, rng.uniform(-lane.spread_nm, lane.spread_nm))
    # Start far enough from the lane's end to be still on passage when the recording ends.
    s0 = rng.uniform(NM, route.length_m - run_m - NM)
    p = recorder.particulars(
        region.mids, CLASS_B_TYPE if class_b else rng.choice(MERCHANT_TYPES), class_b, number,
        rng.choice(region.destinations),
    )  # fmt: skip
    bias = rng.uniform(-1.0, 1.0)  # heading against course: trim, leeway, compass error
    # Class B sets already report every 30 s: a lighter file only thins out class A.
    interval = 30 if class_b else 10 * scale
    t = start + rng.randrange(interval)
    while t < end:
        if rng.random() < POSITION_RECEPTION:
            lat, lon, course = route.at(s0 + speed * KNOT_MS * (t - start))
            heading = round(course + bias + rng.uniform(-1.0, 1.0)) % 360
            fix = Fix(
                t, lat, lon, sog=speed + rng.uniform(-0.3, 0.3),
                cog=course + rng.uniform(-2.0, 2.0),
                heading=NOT_AVAILABLE_HEADING if class_b else heading, status=UNDER_WAY,
            )  # fmt: skip
            recorder.position(p, fix)
        t += interval
    t = start + rng.randrange(STATIC_INTERVAL_S)
    while t < end:
        if rng.random() < STATIC_RECEPTION:
            lat, lon, _ = route.at(s0 + speed * KNOT_MS * (t - start))
            recorder.statics(p, t, lat, lon)
        t += STATIC_INTERVAL_S
    return p.mmsi


def _berthed(
    recorder: Recorder, region: Region, number: int, start: int, end: int, anchored: bool
) -> int:
    rng = recorder.rng
    # A region without clear anchorages (the Gulf of Aden's lie on cables) anchors its ships
    # within port limits, which include the inner anchorages.
    places = berths(region, "anchorage") if anchored else ()
    place = rng.choice(places or berths(region, "port"))
    assert isinstance(place.point, Point)  # ports and anchorages are points
    radius = place.radius_m or DEFAULT_PORT_RADIUS_M
    # Near the centre: circles are drawn around basins, and their rims may be ashore.
    lat0, lon0 = destination(place.point.y, place.point.x, rng.uniform(0, 360),
                             rng.uniform(0.0, 0.3) * radius)  # fmt: skip
    p = recorder.particulars(
        region.mids, rng.choice(MERCHANT_TYPES), False, number, rng.choice(region.destinations)
    )
    heading = rng.randrange(360)
    swing_m = rng.uniform(60.0, 150.0)  # the cable veered out at anchor
    swing_deg = rng.uniform(20.0, 60.0)
    period_s = rng.uniform(3600.0, 10800.0)
    t = start + rng.randrange(BERTH_INTERVAL_S)
    while t < end:
        if rng.random() < BERTH_RECEPTION:
            if anchored:
                # Swinging round the anchor with wind and tide, bow toward it.
                lie = heading + swing_deg * _wave(t, period_s)
                lat, lon = destination(lat0, lon0, lie, swing_m)
                fix = Fix(t, lat, lon, sog=rng.uniform(0.0, 0.3), cog=rng.uniform(0.0, 360.0),
                          heading=round(lie + 180.0) % 360, status=AT_ANCHOR)  # fmt: skip
            else:
                lat, lon = destination(lat0, lon0, rng.uniform(0, 360), rng.uniform(0.0, 3.0))
                fix = Fix(t, lat, lon, sog=0.0, cog=float(heading), heading=heading, status=MOORED)
            recorder.position(p, fix)
        t += BERTH_INTERVAL_S
    t = start + rng.randrange(STATIC_INTERVAL_S)
    while t < end:
        if rng.random() < BERTH_RECEPTION:
            recorder.statics(p, t, lat0, lon0)
        t += STATIC_INTERVAL_S
    return p.mmsi


def _wave(t: int, period_s: float) -> float:
    return math.sin(2.0 * math.pi * t / period_s)
