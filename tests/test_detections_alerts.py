"""dark_vessel alerts: unmatched detections inside watched zones, severity by zone and size,
the silent vessels near there as leads; and end to end, imported and received over MQTT."""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import replace
from pathlib import Path

import aiomqtt
import psycopg
from shapely.geometry import box
from typer.testing import CliRunner

from mda.cli import app
from mda.detections.alerts import DarkVesselSettings, SilentVessel, dark_vessel_alerts
from mda.detections.model import Detection, Match, MatchStatus
from mda.detections.recording import ais_lines
from mda.detections.simulate import SceneNoise, TrafficShape, simulate_scenes
from mda.simulate.scenarios import write_recording
from mda.zones import Zone, ZoneIndex
from tests.services import MQTT_HOST, MQTT_PORT, require_mosquitto
from tests.test_detections_store import T0, gfw_csv

ZONES = ZoneIndex([
    Zone("park", "Coral Park", "mpa", box(40.0, 10.0, 40.5, 10.5)),
    Zone("sea", "Open Sea", "sea", box(40.0, 10.0, 42.0, 12.0)),
    Zone("harbour", "Harbour", "port", box(41.5, 11.5, 41.6, 11.6)),
])  # fmt: skip
WATCH = DarkVesselSettings(zones=("kind:mpa", "sea"))


def unmatched(detect_id: str, lat: float, lon: float, length: float | None = 50.0,
              score: float | None = 0.9) -> Match:  # fmt: skip
    d = Detection("S", detect_id, T0, lat, lon, length, score)
    return Match(d, MatchStatus.UNMATCHED, nearest_mmsi=7, nearest_m=4200.0)


def test_alerts_go_by_zone_and_size_and_only_where_watched() -> None:
    matches = [
        unmatched("park", 10.2, 40.2),
        unmatched("park-dinghy", 10.3, 40.3, length=8.0),
        unmatched("sea", 11.0, 41.0),
        unmatched("sea-unknown-size", 11.2, 41.2, length=None),
        unmatched("harbour", 11.55, 41.55),  # excluded: ports
        unmatched("outside", 20.0, 20.0),
        unmatched("clutter", 11.0, 41.1, score=0.2),
        Match(Detection("S", "matched", T0, 11.0, 41.3), MatchStatus.MATCHED, mmsi=9),
        Match(Detection("S", "platform", T0, 11.0, 41.4), MatchStatus.INFRASTRUCTURE),
    ]
    alerts = dark_vessel_alerts(matches, ZONES, WATCH)
    assert [(a.body["evidence"]["detect_id"], a.severity, a.zone_id) for a in alerts] == [  # type: ignore[index]
        ("park", "alarm", "park"),
        ("park-dinghy", "warning", "park"),
        ("sea", "warning", "sea"),
        ("sea-unknown-size", "warning", "sea"),
    ]
    first = alerts[0]
    assert first.rule == "dark_vessel" and first.state == "open" and first.mmsi is None
    assert first.message.startswith("Possible dark vessel: a 50 m object seen by satellite in "
                                    "Coral Park")  # fmt: skip
    assert "no AIS vessel within 4.2 km" in first.message
    # The id comes from the scene and the detection: imported again, the same alert.
    assert dark_vessel_alerts(matches, ZONES, WATCH)[0].alert_id == first.alert_id


def test_vessels_gone_silent_near_there_are_named_going_dark_first() -> None:
    at = unmatched("x", 11.0, 41.0)
    silent = [
        SilentVessel(1, T0 - 3 * 3600, 11.0, 41.1, "NEAR"),  # 11 km in 3 h: 2 kn
        SilentVessel(2, T0 - 6 * 3600, 11.5, 41.0, "FLAGGED", going_dark_alert=True),
        SilentVessel(3, T0 - 3600, 13.0, 41.0, "TOO FAR"),  # 120 nm in an hour
        SilentVessel(4, T0 - 72 * 3600, 11.0, 41.0, "TOO LONG AGO"),
    ]
    (alert,) = dark_vessel_alerts([at], ZONES, WATCH, silent)
    leads = alert.body["evidence"]["silent_vessels"]  # type: ignore[index]
    assert [lead["mmsi"] for lead in leads] == [2, 1]
    assert leads[1]["silent_hours"] == 3.0 and leads[1]["distance_km"] == 10.92
    assert "MMSI 2 fell silent" in alert.message


async def test_an_imported_dark_vessel_reaches_the_watch_over_mqtt(
    plain_database: str, tmp_path: Path
) -> None:
    """A recording of Red Sea traffic replayed into the store (NMEA, decoded as any feed), a
    SAR file imported: each dark_vessel alert is stored and published on
    mda/alerts/dark_vessel/none. Without clutter (bench.detections measures that), every one
    is a dark vessel and most detected dark vessels raise one."""
    await require_mosquitto()
    shape = TrafficShape(vessels=80, dark_share=0.1, scenes=1, hours=6, platforms=0,
                         south=19.0, west=38.5, size_deg=1.0)  # fmt: skip
    sim = simulate_scenes(44, SceneNoise(position_sigma_m=150.0, false_per_vessel=0.0), shape)
    recording = tmp_path / "ais.nmea"
    write_recording(recording, ais_lines(sim, T0))
    replayed = await asyncio.to_thread(CliRunner().invoke, app, [
        "replay", str(recording), "-d", plain_database, "-q"])  # fmt: skip
    assert replayed.exit_code == 0, replayed.output
    sim.detections = [replace(d, time=T0 + d.time) for d in sim.detections]
    prefix = f"test-{uuid.uuid4().hex[:8]}"
    received: dict[str, dict[str, object]] = {}
    async with aiomqtt.Client(MQTT_HOST, MQTT_PORT) as client:
        await client.subscribe(f"{prefix}/alerts/dark_vessel/#", qos=1)
        result = await asyncio.to_thread(CliRunner().invoke, app, [
            "detections", "import", str(gfw_csv(sim, tmp_path / "sar.csv")), "-d",
            plain_database, "--position-error", "150", "--mqtt", f"mqtt://{MQTT_HOST}:{MQTT_PORT}",
            "--topic-prefix", prefix,
        ])  # fmt: skip
        assert result.exit_code == 0, result.output
        with psycopg.connect(plain_database) as conn:
            rows = conn.execute("SELECT alert_id::text FROM alerts WHERE rule = 'dark_vessel'")
            stored = {r[0] for r in rows.fetchall()}
        assert stored and f"{len(stored)} dark_vessel alerts published" in result.output
        async with asyncio.timeout(60):  # a bound on a hang, not a timed assertion
            async for message in client.messages:
                assert message.topic.value == f"{prefix}/alerts/dark_vessel/none"
                body = json.loads(bytes(message.payload))  # type: ignore[arg-type]
                received[body["alert_id"]] = body
                if len(received) == len(stored):
                    break
    assert set(received) == stored
    truth = [sim.truth[(b["evidence"]["scene_id"], b["evidence"]["detect_id"])]  # type: ignore[index]
             for b in received.values()]  # fmt: skip
    assert all(t.kind == "dark" for t in truth), truth
    seen = sum(1 for t in sim.truth.values() if t.kind == "dark")
    assert len(truth) >= 0.8 * seen
    # The Red Sea, or a cable corridor through it (EASSy): there a dark vessel is an alarm.
    zones = {(b["zone"]["kind"], b["severity"]) for b in received.values()}  # type: ignore[index]
    assert zones <= {("sea", "warning"), ("sea", "caution"), ("cable", "alarm"),
                     ("cable", "warning")}, zones  # fmt: skip
