"""Identity scenarios: two ships transmitting one MMSI at once, and a tanker that changes its
name and call sign under way, then its MMSI and flag, keeping its IMO number.

Both are ordinary in their movement (passage speed along the lanes): only the identity
is wrong, so only the identity rules have anything to say. Static reports go out when a
transponder comes on and every 6 min (ITU-R M.1371), which bounds how soon a changed identity
can be seen.
"""

from __future__ import annotations

import random
from dataclasses import replace

from mda.geo import KNOT_MS, distance_m
from mda.simulate.actors import REPORT_S, Actor, Helm
from mda.simulate.lanes import GULF_OF_ADEN_LANE, RED_SEA_LANE, Lane, Route
from mda.simulate.recording import Particulars, Recorder, hull, imo_number
from mda.simulate.truth import ExpectedAlert, SilentRule, Truth, hear
from mda.timefmt import iso

SHARED_DUE_S = 30 * 60
IDENTITY_DUE_S = 10 * 60  # a static report every 6 min, and a few minutes to act on it
SHARED_MIDS = (636, 538, 355, 357, 215, 256)  # flags common on the Suez route
RENAME_MIDS = (352, 355, 370, 371)  # Panama: the identity the tanker starts with
# Flags of convenience it hops to, with the call sign prefixes of those states.
HOP_FLAGS = {613: "TJ", 620: "D6", 626: "TR", 667: "9L"}

CARGO_NAMES = ("AL NOOR STAR", "RED SEA TRADER", "DAHLAK CARRIER", "SUAKIN BAY", "YANBU EXPRESS")
CLONE_NAMES = ("BRIGHT HORIZON", "GOLDEN LOTUS", "MERIDIAN SKY", "AMBER TIDE", "SILVER WAKE")
OLD_NAMES = ("AEGEAN HARMONY", "BALTIC CROWN", "CORAL MERIDIAN", "DESERT ROSE", "EASTERN GRACE")
NEW_NAMES = ("ASTRA", "NOVA", "ZARA", "OLYMPIA", "LUNA")


def _ship(rng: random.Random, mmsi: int, name: str, callsign: str, ship_type: int,
          destination: str) -> Particulars:  # fmt: skip
    length, beam, draught = hull(rng, ship_type)
    return Particulars(mmsi, name, callsign, imo_number(rng), ship_type, False, length, beam,
                       draught, destination)  # fmt: skip


def _on_lane(rng: random.Random, helm: Helm, lane: Lane, share: tuple[float, float],
             seconds: int, speed_kn: float) -> None:  # fmt: skip
    """Sail ``seconds`` along one direction of ``lane`` from a random place in the ``share``
    of its length, reporting every 10 s (the helm keeps to the lane; its reports carry a
    transponder's noise)."""
    route = lane.route(forward=rng.random() < 0.5)
    _sail(rng, helm, route, route.length_m * rng.uniform(*share), seconds, speed_kn)


def _sail(rng: random.Random, helm: Helm, route: Route, s: float, seconds: int,
          speed_kn: float) -> float:  # fmt: skip
    """Sail ``seconds`` along ``route`` from ``s`` metres, reporting every 10 s with a
    transponder's noise; where the ship then is along the route."""
    for _ in range(seconds // REPORT_S):
        helm.lat, helm.lon, c = route.at(s)
        helm.report(speed_kn + rng.uniform(-0.3, 0.3), c + rng.uniform(-2, 2),
                    c + rng.uniform(-2, 2))  # fmt: skip
        helm.time += REPORT_S
        s += speed_kn * KNOT_MS * REPORT_S
    return s


def shared_mmsi_pair(recorder: Recorder, t0: int) -> tuple[Actor, Actor]:
    """A cargo ship on the Red Sea lane and a tanker in the Gulf of Aden's transit corridor,
    each at 11-14 kn for 3 h, sending the same MMSI with identities of their own; the tanker's
    transponder comes on 10-25 min after the cargo ship's."""
    rng = recorder.rng
    mmsi = recorder.new_mmsi(SHARED_MIDS)
    cargo = _ship(rng, mmsi, rng.choice(CARGO_NAMES),
                  "A8" + str(rng.randrange(1000, 9999)), 70, "JEDDAH")  # fmt: skip
    tanker = _ship(rng, mmsi, rng.choice(CLONE_NAMES),
                   "V7" + str(rng.randrange(1000, 9999)), 80, "SALALAH")  # fmt: skip
    red = Helm(t0, 0.0, 0.0)
    _on_lane(rng, red, RED_SEA_LANE, (0.3, 0.6), 3 * 3600, rng.uniform(11.0, 14.0))
    # Its own transmission slots: a few seconds off the other ship's.
    aden = Helm(t0 + rng.randint(60, 150) * REPORT_S + rng.randrange(1, REPORT_S), 0.0, 0.0)
    _on_lane(rng, aden, GULF_OF_ADEN_LANE, (0.35, 0.6), 3 * 3600, rng.uniform(11.0, 14.0))
    return (Actor("shared mmsi", cargo, red.fixes, frozenset((0,))),
            Actor("shared mmsi", tanker, aden.fixes, frozenset((0,))))  # fmt: skip


def renamed_and_reflagged(recorder: Recorder, t0: int) -> list[Actor]:
    """A Panamanian tanker on the Red Sea lane at 11-13 kn: 80-100 min under its first name,
    8-15 min silent, 80-100 min under a new name and call sign (same MMSI), 20-40 min silent,
    then 90 min under a new MMSI of another flag and a call sign of that flag, keeping the new
    name and its IMO number. It sails on through both silences."""
    rng = recorder.rng
    first = _ship(rng, recorder.new_mmsi(RENAME_MIDS), rng.choice(OLD_NAMES),
                  "3F" + rng.choice("ABCDEFG") + rng.choice("HJKLMN") + str(rng.randrange(2, 10)),
                  80, "PORT SUDAN")  # fmt: skip
    renamed = replace(first, name=f"{rng.choice(NEW_NAMES)} {rng.randrange(1, 10)}",
                      callsign="3E" + rng.choice("PQRSTU") + rng.choice("VWXYZ")
                      + str(rng.randrange(2, 10)))  # fmt: skip
    hop = rng.choice(sorted(HOP_FLAGS))
    reflagged = replace(
        renamed,
        mmsi=recorder.new_mmsi((hop,)),
        callsign=HOP_FLAGS[hop] + str(rng.randrange(1000, 9999)),
    )
    phases = [(first, rng.randint(48, 60) * 100), (renamed, rng.randint(48, 60) * 100),
              (reflagged, 90 * 60)]  # fmt: skip
    silences = [rng.randint(48, 90) * REPORT_S, rng.randint(120, 240) * REPORT_S]
    speed = rng.uniform(11.0, 13.0)
    route = RED_SEA_LANE.route(forward=rng.random() < 0.5)
    s = route.length_m * rng.uniform(0.2, 0.6)
    t = t0
    actors = []
    for k, (p, seconds) in enumerate(phases):
        helm = Helm(t, 0.0, 0.0)
        s = _sail(rng, helm, route, s, seconds, speed)
        role = "renamed vessel" if p.mmsi == first.mmsi else "reflagged vessel"
        actors.append(Actor(role, p, helm.fixes, frozenset((0,))))
        if k < len(silences):  # transponder off: the ship sails on unheard
            t = helm.time + silences[k]
            s += speed * KNOT_MS * silences[k]
    return actors


def shared_mmsi(recorder: Recorder, t0: int) -> Truth:
    """Two ships on one MMSI and the alert their overlap is due."""
    cargo, tanker = shared_mmsi_pair(recorder, t0)
    heard = [hear(recorder, cargo), hear(recorder, tanker)]
    both = max(h[0].time for h in heard)
    mmsi = cargo.particulars.mmsi
    a, b = cargo.fixes[0], next(f for f in cargo.fixes if f.time >= tanker.fixes[0].time)
    c = tanker.fixes[0]
    km = distance_m(b.lat, b.lon, c.lat, c.lon) / 1000.0
    note = (f"{cargo.particulars.name} (type 70) in the Red Sea heard from {iso(a.time)}, "
            f"{tanker.particulars.name} (type 80) in the Gulf of Aden from {iso(c.time)}, "
            f"{km:.0f} km apart, both as MMSI {mmsi} for 3 h")  # fmt: skip
    return Truth(
        [cargo, tanker],
        [ExpectedAlert("shared_mmsi", mmsi, None, both, both + SHARED_DUE_S, note)],
        [SilentRule("going_dark", mmsi, "both ships are heard throughout"),
         SilentRule("unexpected_stop", mmsi, "both keep passage speed"),
         SilentRule("position_anomaly", mmsi, "two transmitters, not one jumping: the "
                    "shared_mmsi alert supersedes it")],
    )  # fmt: skip


def rename_reflag(recorder: Recorder, t0: int) -> Truth:
    """The renamed and reflagged tanker and the alerts each change of identity is due."""
    first, renamed, reflagged = renamed_and_reflagged(recorder, t0)
    for actor in (first, renamed, reflagged):
        hear(recorder, actor)
    a, b, c = first.particulars, renamed.particulars, reflagged.particulars
    # Each new identity is first sent with the first report after the transponder comes on.
    seen_renamed, seen_reflagged = renamed.fixes[0].time, reflagged.fixes[0].time
    off = (seen_renamed - first.fixes[-1].time) // 60
    rename_note = (f"{a.name} / {a.callsign} became {b.name} / {b.callsign} on MMSI {a.mmsi} "
                   f"(IMO {a.imo} unchanged) after {off} min of silence; first static report "
                   f"of the new identity {iso(seen_renamed)}")  # fmt: skip
    off = (seen_reflagged - renamed.fixes[-1].time) // 60
    reflag_note = (f"IMO {c.imo}, last heard as MMSI {a.mmsi} ({b.name} / {b.callsign}), "
                   f"reappears after {off} min of silence as MMSI {c.mmsi} / {c.callsign}, "
                   f"another flag; first static report {iso(seen_reflagged)}")  # fmt: skip
    return Truth(
        [first, renamed, reflagged],
        [ExpectedAlert("identity_change", a.mmsi, None, seen_renamed,
                       seen_renamed + IDENTITY_DUE_S, rename_note),
         ExpectedAlert("identity_change", c.mmsi, None, seen_reflagged,
                       seen_reflagged + IDENTITY_DUE_S, reflag_note)],
        [SilentRule("shared_mmsi", a.mmsi, "one ship: each report follows from the last at "
                    "its speed, across the silence"),
         SilentRule("shared_mmsi", c.mmsi, "one ship, one transmitter"),
         SilentRule("position_anomaly", a.mmsi, "sails on at its speed through the silence"),
         SilentRule("position_anomaly", c.mmsi, "one ship at passage speed")],
    )  # fmt: skip
