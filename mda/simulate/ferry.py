"""A ferry shuttling between two ports of the default catalogue, with the times of its port
visits as the ground truth of the port-visit events.

The script knows where it is: a visit's truth starts at the first report the ferry sends from
within the port's radius on its way in (GFW's entry) and ends at the first report from beyond
the radius plus the exit margin on its way out (GFW's exit). Between them it slows to harbour
speed, lies at the berth (moored, under 0.1 kn, a report every 3 min as class A sends at
anchor) and leaves. One night at the berth it turns its transponder off for longer than GFW's
4 h in-port gap: that is still one visit.

Everything follows from ``seed``: one ``random.Random`` drives the noise of the reports and
which of them no receiver hears.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Final

from mda.geo import distance_m
from mda.simulate.actors import REPORT_S, Actor, Helm
from mda.simulate.lanes import zone
from mda.simulate.recording import Fix, Particulars
from mda.trajectories.port_visits import PortVisitRules
from mda.zones.model import DEFAULT_PORT_RADIUS_M, Zone

FERRY_PORTS: Final = ("port-catania", "port-augusta")
MOORED = 5
SEA_KN, HARBOUR_KN = 15.0, 5.0
HARBOUR_M = 1500.0  # harbour speed from this far from the berth
BERTH_REPORT_S = 180
# (port, hours at the berth, hours of it with the transponder off) in order of call.
CALLS: Final = ((0, 2.0, 0.0), (1, 1.5, 0.0), (0, 9.0, 6.0), (1, 1.0, 0.0))
OFFING_DEG = 0.15  # some 13 km of longitude at 37 N
LOSS = 0.2  # share of the reports under way that no receiver hears


@dataclass(frozen=True, slots=True)
class VisitTruth:
    """One port call as the script made it: entry and exit report times (epoch seconds)."""

    port_id: str
    arrival: int
    departure: int
    silent_s: int


@dataclass(frozen=True, slots=True)
class FerryRoute:
    """The ferry, the reports heard, and its port calls."""

    actor: Actor
    heard: list[Fix]
    visits: list[VisitTruth]


def ferry_route(seed: int, t0: int, rules: PortVisitRules | None = None) -> FerryRoute:
    """The ferry starts 12 km off the first port and makes the ``CALLS``, then sails 12 km
    out of the last port; ``rules`` gives the exit margin its truth uses."""
    rules = rules or PortVisitRules()
    rng = random.Random(seed)
    ports = [zone(z) for z in FERRY_PORTS]
    berths = [_berth_of(p) for p in ports]
    radii = [p.radius_m or DEFAULT_PORT_RADIUS_M for p in ports]
    first = berths[CALLS[0][0]]
    # At sea east of the first port (the Ionian side), so that the first entry is seen.
    helm = Helm(t0, first[0], first[1] + OFFING_DEG)
    truth: list[VisitTruth] = []
    for n, (port, hours, silent_h) in enumerate(CALLS):
        lat, lon = berths[port]
        arrival = _sail_in(helm, rng, lat, lon, radii[port])
        silent_s = _berth(helm, rng, int(hours * 3600), int(silent_h * 3600))
        if n + 1 < len(CALLS):
            next_lat, next_lon = berths[CALLS[n + 1][0]]
        else:  # out to sea, east
            next_lat, next_lon = lat, lon + OFFING_DEG
        departure = _sail_out(helm, rng, lat, lon, radii[port] + rules.exit_margin_m,
                              next_lat, next_lon)  # fmt: skip
        truth.append(VisitTruth(FERRY_PORTS[port], arrival, departure, silent_s))
    while distance_m(helm.lat, helm.lon, *berths[CALLS[-1][0]]) < 12_000.0:
        _step(helm, rng, SEA_KN, helm.toward(next_lat, next_lon))
    particulars = Particulars(247_123_456, "CATANIA EXPRESS", "IBCE", 9_812_346, 60, False,
                              150, 24, 6.0, "AUGUSTA")  # fmt: skip
    fixes = helm.fixes
    lost = frozenset(i for i, f in enumerate(fixes) if f.sog > 1.0 and rng.random() < LOSS)
    actor = Actor("ferry", particulars, fixes, lost=lost)
    heard = [f for i, f in enumerate(fixes) if i not in lost]
    return FerryRoute(actor, heard, truth)


def _berth_of(port: Zone) -> tuple[float, float]:
    """(lat, lon) of a port's centre, where the ferry berths."""
    assert port.point is not None  # ports are points
    lon, lat = port.point.coords[0][:2]
    return lat, lon


def _step(helm: Helm, rng: random.Random, speed: float, course: float) -> None:
    helm.report(speed + rng.uniform(-0.2, 0.2), course + rng.uniform(-2, 2),
                course + rng.uniform(-2, 2))  # fmt: skip
    helm.sail(speed, course)


def _sail_in(helm: Helm, rng: random.Random, lat: float, lon: float, entry_m: float) -> int:
    """Sail to the berth; the time of the first report within ``entry_m`` of it."""
    arrival: int | None = None
    while (away := distance_m(helm.lat, helm.lon, lat, lon)) > 30.0:
        if arrival is None and away <= entry_m:
            arrival = helm.time
        speed = HARBOUR_KN if away < HARBOUR_M else SEA_KN
        step = min(REPORT_S, int(away / (speed * 1852 / 3600)) + 1)
        helm.report(speed + rng.uniform(-0.2, 0.2), helm.toward(lat, lon) + rng.uniform(-2, 2),
                    helm.toward(lat, lon))  # fmt: skip
        helm.sail(speed, helm.toward(lat, lon), step)
    assert arrival is not None, "started inside the port"
    return arrival


def _berth(helm: Helm, rng: random.Random, seconds: int, silent_s: int) -> int:
    """Lie moored for ``seconds``, the transponder off for ``silent_s`` of them in the middle;
    the longest silence between reports."""
    end, quiet_from = helm.time + seconds, helm.time + (seconds - silent_s) // 2
    longest, last = 0, helm.time
    while helm.time < end:
        if silent_s and quiet_from <= helm.time < quiet_from + silent_s:
            helm.time = quiet_from + silent_s
            continue
        helm.report(rng.uniform(0.0, 0.1), rng.uniform(0, 360), 90, MOORED)
        longest, last = max(longest, helm.time - last), helm.time
        helm.time += BERTH_REPORT_S
    return longest



def _sail_out(
    helm: Helm, rng: random.Random, lat: float, lon: float, exit_m: float,
    to_lat: float, to_lon: float,
) -> int:  # fmt: skip
    """Leave the berth toward (to_lat, to_lon); the time of the first report beyond
    ``exit_m`` of the berth."""
    while (away := distance_m(helm.lat, helm.lon, lat, lon)) <= exit_m:
        _step(helm, rng, HARBOUR_KN if away < HARBOUR_M else SEA_KN, helm.toward(to_lat, to_lon))
    departure = helm.time
    _step(helm, rng, SEA_KN, helm.toward(to_lat, to_lon))
    return departure
