"""The vessels a scenario is about, each doing what one rule must catch, reporting every 10 s
(ITU-R M.1371, class A at up to 14 kn) from a scripted helm.

Positions are dead-reckoned from the true speed and course; what the transponder reports
adds the noise of a real one (speed, course over ground, heading). Where a script must hit a
place (a cable corridor, the Red Sea's limit) it steers toward a point on a great circle
through it, so it gets there whatever the noise did on the way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import shapely

from mda.geo import KNOT_MS, NM, bearing, destination, distance_m
from mda.simulate.lanes import SUEZ_ADEN_LANE, Route, default_zones, zone
from mda.simulate.recording import Fix, Particulars, Recorder, hull, imo_number

REPORT_S = 10
CORRIDOR_HALF_WIDTH_M = 1852.0
UNDER_WAY, FISHING = 0, 7

# Where the scenarios play: on a real route of zones/cables.geojson, at a place where its
# corridor is the only one (checked by the tests), or at sea far from any.
LOITER_CABLE, LOITER_NEAR = "cable-sas-1", (20.10, 37.875)  # Saudi Arabia-Sudan, mid Red Sea
DRAG_CABLE, DRAG_NEAR = "cable-medusa", (38.00, 1.814)  # Algeria-Barcelona branch
DARK_START = (3.20, 3.40)  # some 190 nm off Lagos and Cotonou
# The IRTC's eastbound lane (its centre line), and where on it the merchant ship stops.
IRTC_EASTBOUND = ((11.842, 45.0), (14.342, 53.0))
STOP_LON = 47.0

FISHING_NAMES = ("AL BAHAR 7", "NOURAH 12", "SAMAK 3", "AL WAFA 21", "BAB AL KHAIR 5")
LISTED_NAMES = ("SABLE DAWN", "MARLIN GREY", "NORTHERN ONYX", "ORION VEIL", "KESTREL NINE")
TANKER_NAMES = ("PETRA MARE", "GULF AMBER", "NIGER STAR", "BONNY SPIRIT", "DELTA RUBY")
BULKER_NAMES = ("ATLAS GRAIN", "CAPE ARDEN", "IONIAN ORE", "MISTRAL BULK", "SIROCCO TRADER")


@dataclass(frozen=True, slots=True)
class Actor:
    """A scenario vessel: who it is, every report it transmits, the reports that must be heard
    (the truth depends on them), facts of its script for the truth's notes, and the reports no
    receiver hears (a hole in coverage)."""

    role: str
    particulars: Particulars
    fixes: list[Fix]
    keep: frozenset[int] = frozenset()
    facts: dict[str, object] = field(default_factory=dict)
    lost: frozenset[int] = frozenset()


@dataclass(slots=True)
class Helm:
    """The true position of a scripted vessel and the reports it has sent."""

    time: int
    lat: float
    lon: float
    fixes: list[Fix] = field(default_factory=list)

    def report(
        self, sog: float, cog: float, heading: float, status: int = UNDER_WAY, rot: float = 0.0
    ) -> None:
        """Transmit a position report now."""
        fix = Fix(
            self.time, self.lat, self.lon, sog, cog % 360.0, round(heading) % 360, status, rot
        )
        self.fixes.append(fix)

    def sail(self, speed_kn: float, course: float, seconds: int = REPORT_S) -> None:
        """Move at ``speed_kn`` on ``course`` for ``seconds``."""
        self.lat, self.lon = destination(self.lat, self.lon, course, speed_kn * KNOT_MS * seconds)
        self.time += seconds

    def toward(self, lat: float, lon: float) -> float:
        """The course to a point."""
        return bearing(self.lat, self.lon, lat, lon)


def on_cable(cable_id: str, lat: float, lon: float) -> tuple[float, float, float]:
    """(lat, lon, direction of the route) of the point of a cable's route nearest to a place."""
    line = zone(cable_id).line
    assert line is not None  # cables are lines
    at = line.project(shapely.Point(lon, lat))
    point, ahead = line.interpolate(at), line.interpolate(at + 0.01)
    return point.y, point.x, bearing(point.y, point.x, ahead.y, ahead.x)


def cable_loiterer(recorder: Recorder, t0: int) -> Actor:
    """A fishing vessel that steams 1 h at 8 kn to a cable route, works 4 h inside its
    corridor at 0.2-1.5 kn (status "engaged in fishing", course wandering, heading crabbing
    with the drift), then steams away at 8 kn for 1 h."""
    rng = recorder.rng
    home_lat, home_lon, along = on_cable(LOITER_CABLE, *LOITER_NEAR)
    course = (along + rng.uniform(60.0, 120.0)) % 360.0  # across the route
    start = destination(home_lat, home_lon, (course + 180.0) % 360.0, 8.0 * KNOT_MS * 3600)
    length, beam, draught = hull(rng, 30)
    p = Particulars(recorder.new_mmsi((403, 622, 625)), rng.choice(FISHING_NAMES),
                    "HZ" + str(rng.randrange(1000, 9999)), imo_number(rng), 30, False, length,
                    beam, draught, "FISHING GROUNDS")  # fmt: skip
    helm = Helm(t0, *start)
    while distance_m(helm.lat, helm.lon, home_lat, home_lon) > 250.0:
        to_home = helm.toward(home_lat, home_lon)
        helm.report(8.0 + rng.uniform(-0.3, 0.3), to_home + rng.uniform(-2, 2),
                    to_home + rng.uniform(-2, 2))  # fmt: skip
        helm.sail(8.0, to_home)
    speed, drift = 8.0, 0.0
    for k in range(1, 13):  # slows down over two minutes, on the route
        speed = 8.0 - 7.0 * k / 12
        helm.report(speed, course + rng.uniform(-3, 3), course, FISHING if speed < 2 else 0)
        helm.sail(speed, course)
    for _ in range(4 * 3600 // REPORT_S):
        speed = min(1.5, max(0.2, speed + rng.gauss(0.0, 0.08)))
        course += rng.gauss(0.0, 5.0)
        if distance_m(helm.lat, helm.lon, home_lat, home_lon) > 600.0:
            # Works back over the route: it is what the vessel is after.
            course = helm.toward(home_lat, home_lon) + rng.gauss(0.0, 20.0)
        drift = min(40.0, max(-40.0, drift + rng.gauss(0.0, 3.0)))
        helm.report(speed, course + rng.uniform(-3, 3), course + drift, FISHING)
        helm.sail(speed, course)
    away = (along + rng.choice((-90.0, 90.0))) % 360.0
    for k in range(1, 13):
        speed = speed + (8.0 - speed) * k / 12
        helm.report(speed, away + rng.uniform(-2, 2), away + rng.uniform(-2, 2))
        helm.sail(speed, away)
    for _ in range(3600 // REPORT_S):
        helm.report(8.0 + rng.uniform(-0.3, 0.3), away + rng.uniform(-2, 2),
                    away + rng.uniform(-2, 2))  # fmt: skip
        helm.sail(8.0, away)
    return Actor("loiterer", p, helm.fixes, facts={"cable": LOITER_CABLE})


def anchor_dragger(recorder: Recorder, t0: int) -> Actor:
    """A bulk carrier at 12 kn whose anchor drops about 40 min before a cable: within 5 min it
    slows to 6 kn and keeps 5.5-6.5 kn, its heading swinging 14-20 degrees either side of the
    course every 2-5 min while the course over ground holds; status stays "under way using
    engine". It drags across the corridor and 30 km beyond."""
    rng = recorder.rng
    x_lat, x_lon, along = on_cable(DRAG_CABLE, *DRAG_NEAR)
    angle = rng.uniform(60.0, 80.0)
    course = (along + angle) % 360.0
    entry_m = CORRIDOR_HALF_WIDTH_M / math.sin(math.radians(angle))
    # 5 min slowing (9 kn on average) and 35 min at 6 kn from the drop to the corridor.
    drop_m = entry_m + (300 * 9.0 + 2100 * 6.0) * KNOT_MS
    drop = destination(x_lat, x_lon, (course + 180.0) % 360.0, drop_m)
    start = destination(*drop, (course + 180.0) % 360.0, 12.0 * KNOT_MS * 3600)
    target = destination(x_lat, x_lon, course, 100_000.0)  # steering mark beyond the cable
    p = Particulars(recorder.new_mmsi((538, 636, 229, 256)), rng.choice(BULKER_NAMES),
                    "V7" + str(rng.randrange(10000, 99999)), imo_number(rng), 70, False,
                    190, 32, round(rng.uniform(10.5, 12.5), 1), "CAGLIARI")  # fmt: skip
    helm = Helm(t0, *start)
    for _ in range(3600 // REPORT_S):
        c = helm.toward(*target)
        helm.report(12.0 + rng.uniform(-0.2, 0.2), c + rng.uniform(-1, 1), c + rng.uniform(-1, 1))
        helm.sail(12.0, c)
    t_drop = helm.time
    swing, period = rng.uniform(14.0, 20.0), rng.uniform(120.0, 300.0)
    speed = 12.0
    beyond = distance_m(*start, x_lat, x_lon) + entry_m + 30_000.0
    while distance_m(*start, helm.lat, helm.lon) < beyond:
        tau = helm.time - t_drop
        if tau < 300:
            speed = 12.0 - 6.0 * tau / 300
        else:
            speed = min(6.5, max(5.5, speed + rng.gauss(0.0, 0.1)))
        ramp = min(1.0, tau / 300)  # the yaw builds up as the anchor bites
        phase = 2.0 * math.pi * tau / period
        yaw = ramp * swing * math.sin(phase)
        rot = ramp * swing * 2.0 * math.pi / period * math.cos(phase) * 60.0
        c = helm.toward(*target)
        helm.report(speed, c + rng.uniform(-3, 3), c + yaw + rng.gauss(0.0, 1.0), rot=rot)
        helm.sail(speed, c)
    return Actor("dragger", p, helm.fixes, facts={"cable": DRAG_CABLE, "drop": t_drop})


def dark_tanker(recorder: Recorder, t0: int) -> Actor:
    """A tanker at 11 kn far off the coast: 3 h of reports, 14 h of silence, then reports
    again from where about 4 kn on average would take it, for 2 h."""
    rng = recorder.rng
    course = rng.uniform(225.0, 245.0)
    length, beam, draught = hull(rng, 80)
    p = Particulars(recorder.new_mmsi((613, 667, 620, 572)), rng.choice(TANKER_NAMES),
                    "TJ" + str(rng.randrange(1000, 9999)), imo_number(rng), 80, False, length,
                    beam, draught, "LOME")  # fmt: skip
    helm = Helm(t0, *DARK_START)
    for _ in range(3 * 3600 // REPORT_S + 1):
        helm.report(11.0 + rng.uniform(-0.3, 0.3), course + rng.uniform(-2, 2),
                    course + rng.uniform(-2, 2))  # fmt: skip
        helm.sail(11.0, course)
    last = len(helm.fixes) - 1
    off = helm.fixes[last]
    gap_s = 14 * 3600
    away_m = 4.0 * KNOT_MS * gap_s * rng.uniform(0.95, 1.05)
    helm.lat, helm.lon = destination(off.lat, off.lon, course + rng.uniform(-40, 40), away_m)
    helm.time = off.time + gap_s
    course += rng.uniform(-10.0, 10.0)
    for _ in range(2 * 3600 // REPORT_S):
        helm.report(11.0 + rng.uniform(-0.3, 0.3), course + rng.uniform(-2, 2),
                    course + rng.uniform(-2, 2))  # fmt: skip
        helm.sail(11.0, course)
    on = helm.fixes[last + 1]
    facts: dict[str, object] = {
        "last_fix": off.time, "reappeared": on.time,
        "gap_nm": round(distance_m(off.lat, off.lon, on.lat, on.lon) / NM, 1),
    }  # fmt: skip
    return Actor("dark tanker", p, helm.fixes, frozenset((last, last + 1)), facts)


def stopping_merchant(recorder: Recorder, t0: int) -> Actor:
    """A cargo ship in the IRTC's eastbound lane at 13 kn that slows within 5 min to 0.3-1 kn,
    lies stopped for 1 h drifting, then makes 13 kn again for 1 h."""
    rng = recorder.rng
    lane = Route(list(IRTC_EASTBOUND))
    stop_s = (
        lane.length_m
        * (STOP_LON - IRTC_EASTBOUND[0][1])
        / (IRTC_EASTBOUND[1][1] - IRTC_EASTBOUND[0][1])
    )
    start = lane.at(stop_s - 13.0 * KNOT_MS * 3600 - 300 * 6.8 * KNOT_MS)
    target = lane.at(lane.length_m)[:2]
    length, beam, draught = hull(rng, 70)
    p = Particulars(recorder.new_mmsi((477, 563, 636)), f"{rng.choice(BULKER_NAMES)} 2",
                    "VR" + str(rng.randrange(1000, 9999)), imo_number(rng), 70, False, length,
                    beam, draught, "COLOMBO")  # fmt: skip
    helm = Helm(t0, start[0], start[1])

    def steam(seconds: int, first: float, last: float) -> None:
        for k in range(seconds // REPORT_S):
            speed = first + (last - first) * (k + 1) * REPORT_S / seconds
            c = helm.toward(*target)
            noise = rng.uniform(-0.3, 0.3) if speed > 5.0 else 0.0
            helm.report(speed + noise, c + rng.uniform(-2, 2), c + rng.uniform(-2, 2))
            helm.sail(speed, c)

    steam(3600, 13.0, 13.0)
    steam(300, 13.0, 0.6)
    speed, set_, yaw = 0.6, rng.uniform(0.0, 360.0), 0.0
    lie = helm.toward(*target)
    for _ in range(3600 // REPORT_S):
        speed = min(1.0, max(0.3, speed + rng.gauss(0.0, 0.05)))
        set_ += rng.gauss(0.0, 4.0)  # the current and wind set her slowly
        yaw = min(20.0, max(-20.0, yaw + rng.gauss(0.0, 1.0)))
        helm.report(speed, set_ + rng.uniform(-3, 3), lie + yaw)
        helm.sail(speed, set_)
    steam(300, speed, 13.0)
    steam(3600, 13.0, 13.0)
    return Actor("stopped merchant", p, helm.fixes)


def listed_vessel(recorder: Recorder, t0: int) -> Actor:
    """A watch-listed tanker northbound from the Gulf of Aden through Bab el-Mandeb into the
    Red Sea at 12 kn: 1 h before the Red Sea's limit, 2 h after."""
    rng = recorder.rng
    route = SUEZ_ADEN_LANE.route(forward=False)
    entry = _first_inside(route, "red-sea")
    mid = rng.choice((667, 613, 620))
    p = Particulars(recorder.new_mmsi((mid,)), rng.choice(LISTED_NAMES),
                    "9L" + str(rng.randrange(1000, 9999)), imo_number(rng), 80, False, 245, 42,
                    14.2, "PORT SUDAN")  # fmt: skip
    s0 = entry - 12.0 * KNOT_MS * 3600
    helm = Helm(t0, *route.at(s0)[:2])
    for k in range(3 * 3600 // REPORT_S):
        helm.lat, helm.lon, c = route.at(s0 + 12.0 * KNOT_MS * k * REPORT_S)
        helm.report(12.0 + rng.uniform(-0.3, 0.3), c + rng.uniform(-2, 2), c + rng.uniform(-2, 2))
        helm.time += REPORT_S
    return Actor("listed vessel", p, helm.fixes, frozenset((0,)))


def _first_inside(route: Route, zone_id: str, step_m: float = 200.0) -> float:
    """How far along ``route`` it first enters a zone (metres, to ``step_m``)."""
    index = default_zones()
    target = index.zone_ids.index(zone_id)
    s = 0.0
    while s < route.length_m:
        chunk = [route.at(s + i * step_m) for i in range(500)]
        m = index.locate([c[1] for c in chunk], [c[0] for c in chunk])
        hits = m.point[m.zone == target]
        if len(hits):
            return s + int(hits.min()) * step_m
        s += 500 * step_m
    raise ValueError(f"the route never enters {zone_id}")
