"""Simulated satellite scenes as files: the AIS as an NMEA recording, the detections in GFW's
SAR fields, and the truth of each detection, so the whole path (decode, store, match, alert)
can be scored from the command line."""

from __future__ import annotations

import csv
import io
from typing import Any

from mda.detections.simulate import SimulatedScenes
from mda.simulate.encoder import SentenceWriter, position_report
from mda.timefmt import iso

GFW_COLUMNS = ("scene_id", "detect_id", "detect_timestamp", "detect_lat", "detect_lon",
               "length_m", "presence_score")  # fmt: skip


def _static(mmsi: int, length_m: float | None) -> dict[str, Any]:
    bow = round(length_m * 0.6) if length_m else 0
    stern = round(length_m) - bow if length_m else 0
    # Dimensions of 0 are AIS's "not available": a vessel whose AIS gives no length.
    return {"type": 5, "mmsi": mmsi, "ais_version": 2, "imo": 0, "callsign": f"S{mmsi % 100000}",
            "shipname": f"SAT SIM {mmsi % 1000}", "ship_type": 70, "to_bow": bow,
            "to_stern": stern, "to_port": 5 if length_m else 0,
            "to_starboard": 5 if length_m else 0, "epfd": 1, "draught": 5.0,
            "destination": "AT SEA", "dte": 0}  # fmt: skip


def ais_lines(sim: SimulatedScenes, t0: float) -> list[bytes]:
    """The simulated AIS as tag-blocked NMEA lines in time order (the simulation's time 0 at
    ``t0``): each vessel's static report (type 5) just before its first position."""
    writer = SentenceWriter("sat-sim")
    first: dict[int, float] = {}
    for fix in sim.fixes:
        first[fix.mmsi] = min(first.get(fix.mmsi, fix.time), fix.time)
    messages: list[tuple[float, int, int, dict[str, Any]]] = [
        (t - 1.0, mmsi, 0, _static(mmsi, sim.lengths.get(mmsi))) for mmsi, t in first.items()
    ]
    for fix in sim.fixes:
        fields = position_report(fix.mmsi, False, fix.lat, fix.lon, fix.sog or 0.0,
                                 fix.cog or 0.0, round(fix.cog or 0.0) % 360,
                                 int(t0 + fix.time) % 60)  # fmt: skip
        messages.append((fix.time, fix.mmsi, 1, {**fields, "status": 0, "turn": 0}))
    messages.sort(key=lambda m: m[:3])
    lines: list[bytes] = []
    for t, _, _, fields in messages:
        lines.extend(writer.encode(fields, t0 + t))
    return lines


def detections_csv(sim: SimulatedScenes, t0: float) -> str:
    """The detections as a GFW SAR CSV (times as ISO 8601 UTC)."""
    out = io.StringIO()
    rows = csv.writer(out, lineterminator="\n")
    rows.writerow(GFW_COLUMNS)
    for d in sim.detections:
        rows.writerow([d.scene_id, d.detect_id, iso(t0 + d.time), d.lat, d.lon, d.length_m,
                       d.score])  # fmt: skip
    return out.getvalue()


def truth_csv(sim: SimulatedScenes) -> str:
    """What each detection is: vessel (with its MMSI), dark (with its MMSI), false or
    infrastructure."""
    out = io.StringIO()
    rows = csv.writer(out, lineterminator="\n")
    rows.writerow(("scene_id", "detect_id", "truth", "mmsi"))
    for (scene, detect), truth in sorted(sim.truth.items()):
        rows.writerow((scene, detect, truth.kind.value, "" if truth.mmsi is None else truth.mmsi))
    return out.getvalue()
