"""False alarms on the real recordings: every default rule, measured per 1,000 vessel-hours."""

from __future__ import annotations

from pathlib import Path

from mda.model import VESSEL, Alert
from mda.pipeline import build_pipeline
from mda.resources import default_folder
from mda.rules.mmsi import classify_mmsi
from tests.data import AIS, NMEA_RECORDINGS, read_lines


def replay(rel: str, rules: list[Path]) -> tuple[list[Alert], set[tuple[int, int]]]:
    """Alerts of one recording, and its vessel-hours (vessel and clock hour with a fix)."""
    p = build_pipeline([default_folder("zones")], rules)
    lines = [line.strip() for line in read_lines(AIS / rel)]
    alerts: list[Alert] = []
    hours: set[tuple[int, int]] = set()
    outputs = [p.process(lines[i : i + 5000], rel) for i in range(0, len(lines), 5000)]
    for out in [*outputs, p.finish()]:
        alerts += out.alerts
        hours.update((q.mmsi, int(q.time // 3600)) for q in out.positions
                     if q.time is not None and q.lat is not None and q.kind == VESSEL)  # fmt: skip
    return alerts, hours


def real_anomaly(alert: Alert) -> bool:
    """An alert on something really wrong in the data, not a false alarm: the recordings hold
    61 numbers (68 alerts) no station may use under ITU-R M.585 (0, 123456789, 1193046, fishing
    net buoys numbered 109xxxxxx, unallocated MIDs such as 365, 407, 528 ...)."""
    return alert.rule == "invalid_mmsi" and alert.mmsi is not None and (
        classify_mmsi(alert.mmsi).invalid
    )


def rate(rules: list[Path]) -> tuple[int, int]:
    alerts: list[Alert] = []
    vessel_hours = 0
    for rel in NMEA_RECORDINGS:
        found, hours = replay(rel, rules)
        alerts += [a for a in found if a.state == "open" and not real_anomaly(a)]
        vessel_hours += len(hours)
    return len(alerts), vessel_hours


def test_default_rules_raise_no_alarm_on_the_real_recordings() -> None:
    opened, vessel_hours = rate([default_folder("alerts")])
    print(f"{opened} alerts in {vessel_hours} vessel-hours "
          f"({1000 * opened / vessel_hours:.2f} per 1,000 vessel-hours)")  # fmt: skip
    assert vessel_hours > 5000  # the recordings' timed fixes, not an empty run
    assert opened == 0


def test_silence_and_stop_rules_watching_every_sea_stay_quiet_too(tmp_path: Path) -> None:
    (tmp_path / "everywhere.toml").write_text(
        '[going_dark]\nzones = ["*"]\n[unexpected_stop]\nzones = ["*"]\n'
    )
    opened, vessel_hours = rate([default_folder("alerts"), tmp_path])
    print(f"{opened} alerts in {vessel_hours} vessel-hours with going_dark and "
          "unexpected_stop watching every zone")  # fmt: skip
    assert opened == 0
