"""Scenario recordings with ground truth: ordinary traffic of a region plus vessels doing what
one rule must catch, and the alerts a correct pipeline raises, each due in a window of event
time.

Truth is derived from what was actually heard (see ``truth``). Windows follow the thresholds of
``alerts/*.toml`` (DETECTIONS.md): slow 10 min in a corridor, 15 min stopped, 6 h silent; the
fishing, encounter and identity scenarios are in ``fishing_scenarios`` and
``identity_scenarios``.

Everything is a function of the arguments: one ``random.Random(seed)`` drives the whole file,
the scenario vessels first, so that their tracks and the truth do not depend on ``vessels``.
"""

from __future__ import annotations

import gzip
import json
import random
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from mda.errors import MdaError
from mda.simulate.actors import (
    REPORT_S,
    anchor_dragger,
    cable_loiterer,
    dark_tanker,
    listed_vessel,
    stopping_merchant,
)
from mda.simulate.fishing_scenarios import no_take_fishing, transhipment
from mda.simulate.identity_scenarios import rename_reflag, shared_mmsi
from mda.simulate.lane_traffic import lane_traffic
from mda.simulate.lanes import (
    GULF_OF_ADEN,
    GULF_OF_GUINEA,
    MEDITERRANEAN,
    RED_SEA,
    RED_SEA_AND_ADEN,
    Region,
)
from mda.simulate.recording import Recorder
from mda.simulate.truth import (
    ExpectedAlert,
    Play,
    SilentRule,
    Truth,
    hear,
    inside,
    is_slow,
    zones_at,
)
from mda.timefmt import iso

DEFAULT_START: Final = 1_767_225_600.0  # 2026-01-01T00:00:00Z
ACTOR_DELAY_S: Final = 600  # ordinary traffic is on the air for 10 min before the actors
AFTER_LAST_ALERT_S: Final = 3600
BACKGROUND_HOURS: Final = 6


@dataclass
class Simulation:
    """A scenario recording (tag-blocked NMEA lines, in time order) and its ground truth;
    ``watch_list`` and ``carriers`` are what the rule set must be told for it to hold."""

    scenario: str
    seed: int
    start: float
    end: float
    lines: list[bytes]
    expected: list[ExpectedAlert]
    silent: list[SilentRule]
    roles: dict[int, str]
    watch_list: dict[str, list[Any]]
    carriers: list[int] = field(default_factory=list)


def _cable_loitering(recorder: Recorder, t0: int) -> Truth:
    actor = cable_loiterer(recorder, t0)
    heard = hear(recorder, actor)
    cable = str(actor.facts["cable"])
    slow = next(f for f, ok in zip(heard, inside(heard, cable), strict=True) if ok and is_slow(f))
    mmsi = actor.particulars.mmsi
    note = (f"fishing vessel under 2 kn inside the {cable} corridor from {iso(slow.time)} for "
            f"4 h (0.2-1.5 kn, status 7); the cable rule's slow dwell is 10 min")  # fmt: skip
    return Truth(
        [actor],
        [ExpectedAlert("cable_threat", mmsi, cable, slow.time + 600, slow.time + 1500, note)],
        [SilentRule("loitering", mmsi, "inhibited by the cable alarm")],
    )


def _anchor_drag(recorder: Recorder, t0: int) -> Truth:
    actor = anchor_dragger(recorder, t0)
    heard = hear(recorder, actor)
    cable = str(actor.facts["cable"])
    first = next(f for f, ok in zip(heard, inside(heard, cable), strict=True) if ok)
    mmsi = actor.particulars.mmsi
    drop = int(str(actor.facts["drop"]))
    note = (f"bulk carrier's anchor dropped under way at {iso(drop)} "
            f"({(first.time - drop) / 60:.0f} min before the corridor): 12 kn down to 5.5-6.5 kn "
            f"with a swinging heading, status 0; first fix in the {cable} corridor "
            f"{iso(first.time)}")  # fmt: skip
    return Truth(
        [actor],
        [ExpectedAlert("cable_threat", mmsi, cable, first.time, first.time + 600, note)],
        [SilentRule("loitering", mmsi, "never under 2 kn"),
         SilentRule("unexpected_stop", mmsi, "never under 2 kn, and outside the rule's zones")],
    )  # fmt: skip


def _dark_tanker(recorder: Recorder, t0: int) -> Truth:
    actor = dark_tanker(recorder, t0)
    hear(recorder, actor)
    last, back = int(str(actor.facts["last_fix"])), int(str(actor.facts["reappeared"]))
    off = next(f for f in actor.fixes if f.time == last)
    on = next(f for f in actor.fixes if f.time == back)
    gap_nm = float(str(actor.facts["gap_nm"]))
    note = (f"last fix {iso(last)} at {off.lat:.4f}, {off.lon:.4f}; silent "
            f"{(back - last) / 3600:.1f} h; reappeared {iso(back)} at {on.lat:.4f}, "
            f"{on.lon:.4f}, {gap_nm} nm away ({gap_nm / ((back - last) / 3600):.1f} kn over "
            f"the gap)")  # fmt: skip
    mmsi = actor.particulars.mmsi
    return Truth(
        [actor],
        [ExpectedAlert("going_dark", mmsi, "gulf-of-guinea", last + 6 * 3600,
                       last + 6 * 3600 + 900, note)],
        [SilentRule("unexpected_stop", mmsi,
                    "never reported under 2 kn: only its average across the gap is low")],
    )  # fmt: skip


def _gulf_of_aden_stop(recorder: Recorder, t0: int) -> Truth:
    actor = stopping_merchant(recorder, t0)
    heard = hear(recorder, actor)
    slow = next(f for f in heard if is_slow(f))
    mmsi = actor.particulars.mmsi
    note = (f"cargo ship (type 70) under 2 kn from {iso(slow.time)} at {slow.lat:.4f}, "
            f"{slow.lon:.4f} for about 1 h, in {', '.join(zones_at(slow))}: the alert's zone "
            f"is whichever of them the rule set watches")  # fmt: skip
    return Truth(
        [actor],
        [ExpectedAlert("unexpected_stop", mmsi, None, slow.time + 900, slow.time + 1500, note)],
        [SilentRule("loitering", mmsi, "stopped about 1 h, under the 2 h minimum"),
         SilentRule("cable_threat", mmsi, "stopped outside every cable and pipeline corridor"),
         SilentRule("fishing_type_mismatch", mmsi, "a cargo ship stopped and drifting, not "
                    "fishing: it never works at 2 kn or more with repeated turning")],
    )  # fmt: skip


def _watchlist(recorder: Recorder, t0: int) -> Truth:
    actor = listed_vessel(recorder, t0)
    heard = hear(recorder, actor)
    first = heard[0]
    entry = next(f for f, ok in zip(heard, inside(heard, "red-sea"), strict=True) if ok)
    p = actor.particulars
    return Truth(
        [actor],
        [ExpectedAlert("watch_list", p.mmsi, None, first.time, first.time + 60,
                       f"listed by MMSI, IMO and name; first heard {iso(first.time)}"),
         ExpectedAlert("zone_entry", p.mmsi, "red-sea", entry.time, entry.time + 60,
                       f"first position inside the Red Sea {iso(entry.time)}, northbound from "
                       "the Gulf of Aden (a zone_entry rule watching the listed vessel)")],
        [],
        {"mmsi": [p.mmsi], "imo": [p.imo], "names": [p.name]},
    )  # fmt: skip


def _background(recorder: Recorder, t0: int) -> Truth:
    return Truth([], [], [])


@dataclass(frozen=True)
class _Scenario:
    description: str
    region: Region
    play: Play
    scale: int = 1  # reporting intervals of ordinary traffic, times this


# fmt: off
_SCENARIOS: Final[dict[str, _Scenario]] = {
    "cable-loitering": _Scenario(
        "A fishing vessel works 4 h at 0.2-1.5 kn inside the SAS-1 cable corridor in the Red "
        "Sea: cable_threat on the cable, loitering inhibited.", RED_SEA, _cable_loitering),
    "anchor-drag": _Scenario(
        "A bulk carrier drags its anchor under way at 6 kn across the Medusa cable south of the "
        "Balearics: cable_threat on the cable.", MEDITERRANEAN, _anchor_drag),
    "dark-tanker": _Scenario(
        "A tanker far off the Gulf of Guinea coast is silent for 14 h and reappears 4 kn on "
        "average away: going_dark.", GULF_OF_GUINEA, _dark_tanker, scale=3),
    "gulf-of-aden-stop": _Scenario(
        "A cargo ship stops for 1 h in the IRTC far from ports: unexpected_stop.", GULF_OF_ADEN,
        _gulf_of_aden_stop),
    "watchlist": _Scenario(
        "A watch-listed tanker sails from the Gulf of Aden into the Red Sea: watch_list and "
        "zone_entry.", RED_SEA_AND_ADEN, _watchlist),
    "no-take-trawler": _Scenario(
        "A Spanish trawler steams into the Cabrera marine park south of Mallorca and trawls "
        "2-3 h at 2.5-4 kn inside it, no fishing allowed: restricted_fishing on the park.",
        MEDITERRANEAN, no_take_fishing),
    "longliner-meets-reefer": _Scenario(
        "A longliner lies alongside a reefer for 3-4 h, drifting under 1 kn far off the Gulf of "
        "Guinea coast: encounter (the reefer on the carrier list), unexpected_stop on the "
        "reefer.", GULF_OF_GUINEA, transhipment),
    "shared-mmsi": _Scenario(
        "Two ships, one in the Red Sea and one in the Gulf of Aden, transmit the same MMSI for "
        "3 h: shared_mmsi.", RED_SEA_AND_ADEN, shared_mmsi),
    "rename-reflag": _Scenario(
        "A tanker changes name and call sign during a short silence, later its MMSI and flag, "
        "keeping its IMO number: identity_change on each MMSI.", RED_SEA_AND_ADEN,
        rename_reflag),
    "background": _Scenario(
        "Ordinary traffic of the Red Sea and the Gulf of Aden for 6 h: no alert is due.",
        RED_SEA_AND_ADEN, _background),
}
# fmt: on
SCENARIOS: Final[dict[str, str]] = {name: s.description for name, s in _SCENARIOS.items()}


def simulate(
    scenario: str, seed: int = 1, start: float = DEFAULT_START, vessels: int = 200
) -> Simulation:
    """The recording of ``scenario`` from ``start`` (epoch seconds, to the second) with
    ``vessels`` ordinary vessels of its region, and its truth. Same arguments, same bytes."""
    spec = _SCENARIOS.get(scenario)
    if spec is None:
        raise MdaError(f"unknown scenario {scenario!r} (known: {', '.join(SCENARIOS)})")
    if vessels < 0:
        raise MdaError(f"the number of vessels cannot be negative ({vessels})")
    t0 = round(start)
    recorder = Recorder(random.Random(seed), spec.region.stations)
    truth = spec.play(recorder, t0 + ACTOR_DELAY_S)
    for actor in truth.actors:
        recorder.reserve_imo(actor.particulars.imo)
    ends = [t0 + BACKGROUND_HOURS * 3600 if not truth.actors else t0]
    ends += [a.fixes[-1].time + REPORT_S for a in truth.actors]
    ends += [round(e.by) + AFTER_LAST_ALERT_S for e in truth.expected]
    end = -(-max(ends) // 60) * 60  # whole minutes
    roles = {a.particulars.mmsi: a.role for a in truth.actors}
    roles |= lane_traffic(recorder, spec.region, vessels, t0, end, spec.scale)
    return Simulation(
        scenario=scenario, seed=seed, start=float(t0), end=float(end), lines=recorder.lines(),
        expected=truth.expected, silent=truth.silent, roles=roles, watch_list=truth.watch_list,
        carriers=truth.carriers,
    )  # fmt: skip


def truth_document(sim: Simulation) -> dict[str, Any]:
    """The ground truth as JSON: everything but the lines (their count instead), times as
    ISO 8601 UTC."""
    return {
        "scenario": sim.scenario,
        "description": SCENARIOS.get(sim.scenario, ""),
        "seed": sim.seed,
        "start": iso(sim.start),
        "end": iso(sim.end),
        "lines": len(sim.lines),
        "expected": [_alert_document(e) for e in sim.expected],
        "silent": [{"rule": s.rule, "mmsi": s.mmsi, "why": s.why} for s in sim.silent],
        "roles": {str(m): sim.roles[m] for m in sorted(sim.roles)},
        "watch_list": sim.watch_list,
        "carriers": sim.carriers,
    }


def _alert_document(e: ExpectedAlert) -> dict[str, Any]:
    other = {} if e.other_mmsi is None else {"other_mmsi": e.other_mmsi}
    return {"rule": e.rule, "mmsi": e.mmsi, **other, "zone_id": e.zone_id,
            "not_before": iso(e.not_before), "by": iso(e.by), "note": e.note}  # fmt: skip


def write(sim: Simulation, path: Path) -> Path:
    """Write the recording to ``path`` (one line each, ``\\n``) and its truth to
    ``path.with_suffix(".truth.json")``; return the truth's path."""
    truth_path = path.with_suffix(".truth.json")
    write_recording(path, sim.lines)
    try:
        truth_path.write_text(json.dumps(truth_document(sim), indent=1) + "\n", encoding="utf-8")
    except OSError as exc:
        raise MdaError(f"cannot write {path}: {exc.strerror or exc}") from exc
    return truth_path


def write_recording(path: Path, lines: list[bytes]) -> None:
    """Lines to ``path``, gzip-compressed when its name ends in ``.gz`` (with no time in the
    header: the same seed gives the same bytes)."""
    data = b"".join(line + b"\n" for line in lines)
    if path.suffix == ".gz":
        data = gzip.compress(data, mtime=0)
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise MdaError(f"cannot write {path}: {exc.strerror or exc}") from exc


def read_expected(truth_path: Path) -> list[ExpectedAlert]:
    """The expected alerts of a truth file written by ``write``."""
    try:
        document = json.loads(truth_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise MdaError(f"cannot read the truth file {truth_path}: {exc}") from exc
    return [
        ExpectedAlert(e["rule"], e["mmsi"], e["zone_id"], _epoch(e["not_before"]), _epoch(e["by"]),
                      e["note"], e.get("other_mmsi"))
        for e in document["expected"]
    ]  # fmt: skip


def _epoch(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


__all__ = [
    "DEFAULT_START", "SCENARIOS", "ExpectedAlert", "SilentRule", "Simulation", "read_expected",
    "simulate", "truth_document", "write", "write_recording",
]  # fmt: skip
