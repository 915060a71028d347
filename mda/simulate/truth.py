"""Ground truth of a scenario: the alerts a correct pipeline raises and the rules that must stay
silent, and the helpers that derive them from what a receiver actually heard.

Truth is stated against what was heard, not against the script: "the first position inside the
corridor" is the first report a receiver got from inside it, as the zone index of the default
catalogue places it (at the resolution a decoder reads).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

from mda.simulate.actors import Actor
from mda.simulate.lane_traffic import STATIC_INTERVAL_S
from mda.simulate.lanes import default_zones
from mda.simulate.recording import Fix, Recorder, decoded

ACTOR_RECEPTION: Final = 0.6
SLOW_KN: Final = 2.0


@dataclass(frozen=True)
class ExpectedAlert:
    """An alert a correct pipeline raises: ``rule`` on vessel ``mmsi`` (in zone ``zone_id``,
    None when any zone will do; with ``other_mmsi`` when it is about two vessels), not before
    ``not_before`` and by ``by`` (epoch seconds of event time)."""

    rule: str
    mmsi: int
    zone_id: str | None
    not_before: float
    by: float
    note: str
    other_mmsi: int | None = None


@dataclass(frozen=True)
class SilentRule:
    """A rule that must stay silent for a vessel, and why."""

    rule: str
    mmsi: int
    why: str


def no_list() -> dict[str, list[Any]]:
    """An empty watch list."""
    return {"mmsi": [], "imo": [], "names": []}


@dataclass
class Truth:
    """What a scenario's play returns: its vessels (in the order they were heard) and truth.
    ``carriers`` are the MMSIs a carrier list must name for the truth to hold."""

    actors: list[Actor]
    expected: list[ExpectedAlert]
    silent: list[SilentRule]
    watch_list: dict[str, list[Any]] = field(default_factory=no_list)
    carriers: list[int] = field(default_factory=list)


Play = Callable[[Recorder, int], Truth]


def hear(recorder: Recorder, actor: Actor) -> list[Fix]:
    """Transmit an actor's reports; return those heard. Its static reports go out when the
    transponder comes on and every 6 min, and are always heard (the identity is part of every
    scenario's truth) unless the actor is out of every receiver's reach at that moment."""
    p = actor.particulars
    heard: list[Fix] = []
    last_static = previous = -(10**10)
    for i, fix in enumerate(actor.fixes):
        if i in actor.lost:
            # Transmitted but nobody heard it: the transponder is still on, so no static
            # report is due when reception comes back.
            previous = fix.time
            continue
        if fix.time - last_static >= STATIC_INTERVAL_S or fix.time - previous > 60:
            recorder.statics(p, fix.time, fix.lat, fix.lon)
            last_static = fix.time
        previous = fix.time
        if i == 0 or i in actor.keep or recorder.rng.random() < ACTOR_RECEPTION:
            recorder.position(p, fix)
            heard.append(fix)
    return heard


def inside(fixes: list[Fix], zone_id: str) -> list[bool]:
    """Whether each fix, as decoded, lies in a zone of the default catalogue."""
    index = default_zones()
    target = index.zone_ids.index(zone_id)
    m = index.locate([decoded(f.lon) for f in fixes], [decoded(f.lat) for f in fixes])
    hits = set(m.point[m.zone == target].tolist())
    return [i in hits for i in range(len(fixes))]


def zones_at(fix: Fix) -> list[str]:
    """The zones of the default catalogue a fix, as decoded, lies in."""
    index = default_zones()
    m = index.locate([decoded(fix.lon)], [decoded(fix.lat)])
    return sorted(index.zone_ids[z] for z in m.zone.tolist())


def is_slow(fix: Fix) -> bool:
    """Whether the speed a decoder reads is under 2 kn."""
    return round(fix.sog, 1) < SLOW_KN
