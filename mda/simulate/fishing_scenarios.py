"""Fishing scenarios: a trawler working inside a no-take marine protected area, and a longliner
meeting a reefer far offshore to tranship its catch.

The trawler tows as bottom trawlers do: long straight tows at 2.5-4 kn along the depth
contours, a slow U-turn at each end that shifts the next tow a few hundred metres, heading
crabbing with the set. The longliner and the reefer lie side by side, drifting together with
the current, for three hours and more (transhipment of frozen tuna takes hours), as Global
Fishing Watch's encounters are defined: within 500 m, under 2 kn, for at least 2 h, more than
10 km from any anchorage. Each vessel falls out of reception once for a few minutes while it
works, as vessels do far from the coast.
"""

from __future__ import annotations

import random

from mda.geo import KNOT_MS, bearing, destination, distance_m
from mda.simulate.actors import FISHING, REPORT_S, UNDER_WAY, Actor, Helm
from mda.simulate.recording import Particulars, Recorder, hull, imo_number
from mda.simulate.truth import ExpectedAlert, SilentRule, Truth, hear, inside, is_slow
from mda.timefmt import iso

# The park of the default catalogue (zones/fishing.geojson) and where the trawler works in it:
# south of Cabrera island (which reaches 39.116 N), north of the park's limit (38.95 N).
TRAWL_MPA = "mpa-cabrera"
TRAWL_GROUND = (39.03, 2.95)
STEAM_KN = 10.0
TOW_KN = (2.5, 4.0)
TOW_MAX_KN = 6.0  # no trawler tows faster
# Far off the Gulf of Guinea coast (some 330 km), 20 km south-east of the Lagos-Cape lane and
# far from every cable: the reefer leaves the lane to meet the longliner.
MEETING_NEAR = (2.85, 1.15)
REEFER_KN, LONGLINER_KN = 12.0, 9.0
ENCOUNTER_M = 500.0  # GFW: two vessels within 500 m
ENCOUNTER_DUE_S = 2 * 3600  # GFW: for at least 2 h
# The detector closes 10-min grid slices after a lateness margin: its alert can follow the
# 2 h mark by up to a slice and the margin.
ENCOUNTER_LATE_S = 40 * 60
FISHING_MIN_S = 20 * 60  # GFW drops fishing events shorter than 20 min
FISHING_DUE_S = 90 * 60

TRAWLER_NAMES = ("PUNTA BLANCA SEGUNDO", "MAR DE ALBORAN", "HERMANOS FERRER", "NUEVO SANT ELM",
                 "CALA FIGUERA TERCERO")  # fmt: skip
LONGLINER_NAMES = ("YU FENG 236", "SHENG HONG 17", "LIAN YI 606", "CHUN HSING 31",
                   "TAI XIANG 828")  # fmt: skip
REEFER_NAMES = ("SOUTHERN CHILL", "POLAR MERIDIAN", "CRYSTAL REEF", "ATLANTIC FROST",
                "IVORY COOLER")  # fmt: skip
PANAMA_MIDS = (351, 352, 353, 354, 355, 356, 357, 370, 371, 372)


def _hole(first: int, length: int) -> frozenset[int]:
    """The indices of ``length`` reports from ``first`` on, which no receiver hears."""
    return frozenset(range(first, first + length))


def no_take_trawler(recorder: Recorder, t0: int) -> Actor:
    """A Spanish bottom trawler steams 1 h at 10 kn into the Cabrera park, tows 2.2-2.8 h at
    2.5-4 kn (tows of 40-55 min, U-turns of 6-9 min, status "engaged in fishing"), then
    steams away at 10 kn for 1 h."""
    rng = recorder.rng
    ground = destination(*TRAWL_GROUND, rng.uniform(0.0, 360.0), rng.uniform(0.0, 2000.0))
    axis = rng.uniform(70.0, 110.0)  # along the depth contours, roughly east-west
    start = destination(*ground, rng.uniform(195.0, 235.0), STEAM_KN * KNOT_MS * 3600)
    length, beam, draught = hull(rng, 30)
    p = Particulars(recorder.new_mmsi((224, 225)), rng.choice(TRAWLER_NAMES),
                    "E" + rng.choice("ABCDFGH") + str(rng.randrange(1000, 9999)),
                    imo_number(rng), 30, False, length, beam, draught, "PALMA")  # fmt: skip
    helm = Helm(t0, *start)
    while distance_m(helm.lat, helm.lon, *ground) > 200.0:
        c = helm.toward(*ground)
        helm.report(STEAM_KN + rng.uniform(-0.3, 0.3), c + rng.uniform(-2, 2),
                    c + rng.uniform(-2, 2))  # fmt: skip
        helm.sail(STEAM_KN, c)
    tow_kn = rng.uniform(3.0, 3.5)
    course = helm.toward(*destination(*ground, axis, 1000.0))
    for k in range(1, 19):  # three minutes to slow down and shoot the trawl
        speed = STEAM_KN + (tow_kn - STEAM_KN) * k / 18
        course += ((axis - course + 540.0) % 360.0 - 180.0) / 6
        helm.report(speed, course + rng.uniform(-2, 2), course, FISHING if speed < 5 else UNDER_WAY)
        helm.sail(speed, course)
    fishing_start, first_tow = helm.time, len(helm.fixes)
    fishing_s = rng.randint(8000, 10000)
    speed, deviation, crab, direction, turn_side, tows = tow_kn, 0.0, 0.0, axis, 1.0, 0
    while helm.time - fishing_start < fishing_s:
        tows += 1
        tow_end = min(helm.time + rng.randint(40 * 60, 55 * 60), fishing_start + fishing_s)
        while helm.time < tow_end:
            # Speed through the water holds; over ground it wanders with the set.
            speed = min(TOW_KN[1] - 0.1, max(TOW_KN[0] + 0.1,
                        speed + 0.1 * (tow_kn - speed) + rng.gauss(0.0, 0.05)))  # fmt: skip
            deviation = 0.85 * deviation + rng.gauss(0.0, 1.5)
            crab = min(8.0, max(-8.0, crab + rng.gauss(0.0, 0.5)))
            c = direction + deviation
            helm.report(speed + rng.uniform(-0.1, 0.1), c + rng.uniform(-3, 3),
                        c + crab + rng.gauss(0.0, 1.5), FISHING)  # fmt: skip
            helm.sail(speed, c)
        if helm.time - fishing_start >= fishing_s:
            break
        # A U-turn with the gear out, to starboard and port by turns: each tow lies beside the
        # last one.
        turn_s = rng.randint(36, 54) * REPORT_S
        rate = turn_side * 180.0 / turn_s  # degrees per second
        turn_kn = rng.uniform(2.6, 3.0)
        for _ in range(turn_s // REPORT_S):
            helm.report(turn_kn + rng.uniform(-0.1, 0.1), direction + rng.uniform(-3, 3),
                        direction + rng.gauss(0.0, 2.0), FISHING, rot=rate * 60.0)  # fmt: skip
            helm.sail(turn_kn, direction)
            direction = (direction + rate * REPORT_S) % 360.0
        direction = (axis + (180.0 if tows % 2 else 0.0)) % 360.0
        turn_side = -turn_side
        speed = turn_kn
    fishing_end = helm.time
    away = rng.uniform(190.0, 240.0)
    for k in range(1, 19):
        speed = speed + (STEAM_KN - speed) * k / 18
        helm.report(speed, away + rng.uniform(-2, 2), away + rng.uniform(-2, 2))
        helm.sail(speed, away)
    for _ in range(3600 // REPORT_S):
        helm.report(STEAM_KN + rng.uniform(-0.3, 0.3), away + rng.uniform(-2, 2),
                    away + rng.uniform(-2, 2))  # fmt: skip
        helm.sail(STEAM_KN, away)
    # Out of reception for 4-8 min while towing, after the first 40 min of fishing.
    last_tow = len(helm.fixes) - 3600 // REPORT_S - 18
    hole_at = rng.randrange(first_tow + 240, last_tow - 48)
    facts: dict[str, object] = {"fishing_end": fishing_end, "tows": tows}
    lost = _hole(hole_at, rng.randint(24, 48))
    return Actor("trawler", p, helm.fixes, facts=facts, lost=lost)


def longliner_and_reefer(recorder: Recorder, t0: int) -> tuple[Actor, Actor]:
    """A reefer leaves the lane at 12 kn, stops at the meeting place and drifts with the
    current (0.3-0.7 kn); a Taiwanese longliner arrives at 9 kn some 30 min later, comes
    alongside (60-180 m between the antennas) and drifts with it for 3 h 10 min to 3 h 50 min,
    then leaves at 9 kn; the reefer waits 5-15 min more and leaves at 12 kn. Each is heard for
    1 h after parting. Both report on one 10 s clock."""
    rng = recorder.rng
    meet = destination(*MEETING_NEAR, rng.uniform(0.0, 360.0), rng.uniform(0.0, 5000.0))
    reefer_from = destination(*meet, rng.uniform(295.0, 335.0), REEFER_KN * KNOT_MS * 3600)
    longliner_from = destination(*meet, rng.uniform(100.0, 170.0), LONGLINER_KN * KNOT_MS * 5400)
    ll_length, rf_length = rng.randint(48, 62), rng.randint(110, 155)
    panama = "3E" + rng.choice("ABFHKMQ") + rng.choice("CDGRSTW") + str(rng.randrange(2, 10))
    longliner = Particulars(recorder.new_mmsi((416,)), rng.choice(LONGLINER_NAMES),
                            "B" + rng.choice("HIJK") + str(rng.randrange(2000, 9999)),
                            imo_number(rng), 30, False, ll_length, round(ll_length * 0.17),
                            round(rng.uniform(3.6, 4.4), 1), "ABIDJAN")  # fmt: skip
    reefer = Particulars(recorder.new_mmsi(PANAMA_MIDS), rng.choice(REEFER_NAMES),
                         panama, imo_number(rng), rng.choice((70, 79)), False, rf_length,
                         round(rf_length * 0.16), round(rng.uniform(6.5, 8.5), 1),
                         "LAS PALMAS")  # fmt: skip
    set_course, drift_kn = rng.uniform(0.0, 360.0), rng.uniform(0.3, 0.7)
    lie = rng.uniform(0.0, 360.0)  # the reefer's heading hove to, head to the swell
    # The longliner comes alongside on the side it arrives from: it never crosses her bow.
    arrival = (bearing(*meet, *longliner_from) - lie) % 360.0
    side = 90.0 if arrival < 180.0 else -90.0
    gap_m = rng.uniform(80.0, 150.0)
    alongside_s = rng.randint(19, 23) * 600
    wait_s = rng.randint(300, 900)
    reefer_away, longliner_away = rng.uniform(215.0, 245.0), lie + side + rng.uniform(-20, 20)
    r, ll = Helm(t0, *reefer_from), Helm(t0, *longliner_from)
    yaw = 0.0
    stop_course: float | None = None
    stopped_at = alongside_since = left_at = reefer_left = None
    reefer_done = longliner_done = False
    while not (reefer_done and longliner_done):
        # Where the longliner lies when alongside: abeam of the reefer as it is now.
        berth = destination(r.lat, r.lon, lie + yaw + side, gap_m)
        if not reefer_done:
            if stopped_at is None and distance_m(r.lat, r.lon, *meet) > 800.0:
                _steam(r, rng, REEFER_KN, r.toward(*meet))
            elif stopped_at is None or r.time - stopped_at < 300:
                # Five minutes from 12 kn to the drift, turning head to the swell.
                if stopped_at is None or stop_course is None:
                    stopped_at, stop_course = r.time, r.toward(*meet)
                k = (r.time - stopped_at + REPORT_S) / 300
                speed = REEFER_KN + (drift_kn - REEFER_KN) * k
                heading = stop_course + ((lie - stop_course + 540.0) % 360.0 - 180.0) * k
                r.report(speed, stop_course + rng.uniform(-2, 2), heading)
                r.sail(speed, stop_course)
            elif left_at is None or r.time - left_at < wait_s:
                drift_kn = min(0.8, max(0.2, drift_kn + rng.gauss(0.0, 0.03)))
                yaw = min(15.0, max(-15.0, yaw + rng.gauss(0.0, 0.7)))
                drift = set_course + rng.gauss(0.0, 4.0)
                r.report(drift_kn, drift + rng.uniform(-4, 4), lie + yaw)
                r.sail(drift_kn, drift)
            else:
                reefer_left = reefer_left or r.time
                tau = r.time - reefer_left
                speed = drift_kn + (REEFER_KN - drift_kn) * min(1.0, (tau + REPORT_S) / 300)
                _steam(r, rng, speed, reefer_away, noise=speed > 5.0)
                reefer_done = tau + REPORT_S >= 300 + 3600
        if not longliner_done:
            if alongside_since is None:
                gap = distance_m(ll.lat, ll.lon, *berth)
                if gap < 30.0:
                    alongside_since = ll.time
                else:
                    # Comes in from abeam, slowing from 1.5 km out, the last metres at 1.5 kn.
                    mark = destination(*berth, lie + yaw + side, min(1000.0, gap / 2))
                    speed = min(LONGLINER_KN, max(1.5, LONGLINER_KN * gap / 1500.0))
                    _steam(ll, rng, speed, ll.toward(*mark), noise=speed > 5.0)
            if alongside_since is not None and left_at is None:
                if ll.time - alongside_since < alongside_s:
                    gap_m = min(180.0, max(60.0, gap_m + rng.gauss(0.0, 1.0)))
                    ll.lat, ll.lon = berth
                    ll.report(drift_kn + rng.uniform(-0.1, 0.1), set_course + rng.uniform(-6, 6),
                              lie + yaw + rng.gauss(0.0, 2.0))  # fmt: skip
                    ll.time += REPORT_S
                else:
                    left_at = ll.time
            if left_at is not None:
                tau = ll.time - left_at
                speed = drift_kn + (LONGLINER_KN - drift_kn) * min(1.0, (tau + REPORT_S) / 180)
                _steam(ll, rng, speed, longliner_away, noise=speed > 5.0)
                longliner_done = tau + REPORT_S >= 180 + 3600
    assert alongside_since is not None
    assert left_at is not None
    facts: dict[str, object] = {"alongside_since": alongside_since, "left_at": left_at}
    # A few minutes out of reception each while they lie together.
    first = (alongside_since - t0) // REPORT_S
    holes = [_hole(first + rng.randrange(60, 900), rng.randint(18, 60)) for _ in range(2)]
    return (Actor("longliner", longliner, ll.fixes, facts=facts, lost=holes[0]),
            Actor("reefer", reefer, r.fixes, facts=facts, lost=holes[1]))  # fmt: skip


def _steam(helm: Helm, rng: random.Random, speed: float, course: float, noise: bool = True) -> None:
    """One report and 10 s at ``speed`` on ``course``, with a transponder's noise."""
    jitter = rng.uniform(-0.3, 0.3) if noise else 0.0
    helm.report(speed + jitter, course + rng.uniform(-2, 2), course + rng.uniform(-2, 2))
    helm.sail(speed, course)


def no_take_fishing(recorder: Recorder, t0: int) -> Truth:
    """The trawler and the alert its fishing inside the park is due."""
    actor = no_take_trawler(recorder, t0)
    heard = hear(recorder, actor)
    end = int(str(actor.facts["fishing_end"]))
    # Fishing begins as the trawl goes out, while she slows down: from the first report under
    # the fastest towing speed any classifier allows, the window's start is safe.
    first = next(f for f, ok in zip(heard, inside(heard, TRAWL_MPA), strict=True)
                 if ok and round(f.sog, 1) < TOW_MAX_KN)  # fmt: skip
    mmsi = actor.particulars.mmsi
    note = (f"trawler (type 30) slowing to tow from {iso(first.time)}, towing at 2.5-4 kn "
            f"inside the no-take {TRAWL_MPA} until {iso(end)} ({actor.facts['tows']} tows with "
            f"U-turns, status 7); GFW fishing events need 20 min, more than 5 positions and "
            f"0.5 km")  # fmt: skip
    return Truth(
        [actor],
        [ExpectedAlert("restricted_fishing", mmsi, TRAWL_MPA, first.time + FISHING_MIN_S,
                       first.time + FISHING_DUE_S, note)],
        [SilentRule("loitering", mmsi, "never under 2 kn: it tows at 2.5-4 kn")],
    )  # fmt: skip


def transhipment(recorder: Recorder, t0: int) -> Truth:
    """The longliner and the reefer, and the alerts their meeting is due."""
    longliner, reefer = longliner_and_reefer(recorder, t0)
    heard_longliner = hear(recorder, longliner)
    heard_reefer = hear(recorder, reefer)
    # They report on one clock: the first report at which both are within 500 m is the first
    # moment any receiver could place them together.
    met = next(a.time for a, b in zip(longliner.fixes, reefer.fixes, strict=False)
               if distance_m(a.lat, a.lon, b.lat, b.lon) <= ENCOUNTER_M)  # fmt: skip
    stopped = next(f for f in heard_reefer if is_slow(f))
    both = {f.time for f in heard_longliner} & {f.time for f in heard_reefer}
    alongside = int(str(longliner.facts["alongside_since"]))
    left = int(str(longliner.facts["left_at"]))
    lm, rm = longliner.particulars.mmsi, reefer.particulars.mmsi
    note = (f"longliner {longliner.particulars.name} within 500 m of the reefer "
            f"{reefer.particulars.name} from {iso(met)}, alongside (60-180 m) from "
            f"{iso(alongside)} to {iso(left)} drifting under 1 kn, {len(both)} reports of both "
            f"heard at the same second; the reefer is named by the carrier list")  # fmt: skip
    stop_note = (f"reefer (type {reefer.particulars.ship_type}) under 2 kn from "
                 f"{iso(stopped.time)} waiting for the longliner, in the gulf-of-guinea zone, "
                 "far from ports")  # fmt: skip
    return Truth(
        [longliner, reefer],
        [ExpectedAlert("encounter", lm, None, met + ENCOUNTER_DUE_S,
                       met + ENCOUNTER_DUE_S + ENCOUNTER_LATE_S, note, other_mmsi=rm),
         ExpectedAlert("unexpected_stop", rm, None, stopped.time + 900, stopped.time + 1500,
                       stop_note)],
        [SilentRule("encounter", rm, "the carrier is the encounter's other vessel, not its "
                    "subject"),
         SilentRule("cable_threat", lm, "met far from every cable and pipeline corridor"),
         SilentRule("cable_threat", rm, "met far from every cable and pipeline corridor"),
         SilentRule("dark_rendezvous", lm, "both heard throughout (silent 10 min at most)"),
         SilentRule("dark_rendezvous", rm, "both heard throughout (silent 10 min at most)"),
         SilentRule("fishing_type_mismatch", rm, "the reefer waits and drifts alongside, not "
                    "fishing: it never works at 2 kn or more with repeated turning")],
        carriers=[rm],
    )  # fmt: skip
