"""Identity rules: invalid MMSIs, changes of name, call sign and flag, and shared MMSIs."""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import pytest

from bench.segments import REFERENCE, read_reference
from mda.geo import destination
from mda.model import Alert, Position, VesselStatic
from mda.pipeline import Pipeline, build_pipeline
from mda.resources import default_folder
from mda.rules.identity import valid_imo
from mda.rules.mmsi import classify_mmsi
from mda.vessel_state import identity_text
from tests.data import AIS, NMEA_RECORDINGS, read_lines, shared
from tests.rule_kit import T0, leg, opened, pipeline

SHIP = 636_000_021  # Liberia
OTHER = 636_000_022  # keeps event time moving while others are silent
IMO = 9_074_729  # check digit 9: valid


def replay(p: Pipeline, records: Iterable[Position | VesselStatic], batch_s: float = 60.0
           ) -> list[Alert]:  # fmt: skip
    """Positions and static reports in event-time batches; the alerts, in order."""
    ordered = sorted(records, key=lambda r: (r.time or 0.0, r.mmsi))
    alerts: list[Alert] = []
    batch: list[Position | VesselStatic] = []
    edge = (ordered[0].time or 0.0) + batch_s
    for r in ordered:
        if (r.time or 0.0) >= edge:
            alerts += p.process_records(batch).alerts
            batch = []
            while (r.time or 0.0) >= edge:
                edge += batch_s
        batch.append(r)
    return alerts + p.process_records(batch).alerts + p.finish().alerts


def report(mmsi: int, t: float, name: str | None = "AEGEAN HARMONY",
           callsign: str | None = "3FAB4", imo: int | None = IMO) -> VesselStatic:  # fmt: skip
    """A type 5 static report."""
    return VesselStatic(time=t, mmsi=mmsi, msg_type=5, shipname=name, callsign=callsign,
                        imo=imo, ship_type=80, to_bow=150, to_stern=30)  # fmt: skip


def sailing(mmsi: int, minutes: float, start: float = T0,
            at: tuple[float, float] = (1.0, 10.5)) -> list[Position]:  # fmt: skip
    return leg(mmsi, start, at[0], at[1], 90, 12, minutes, every_s=30)


def background(hours: float) -> list[Position]:
    return leg(OTHER, T0, 0.3, 11.8, 0, 0.5, hours * 60, every_s=60)


def of(alerts: Sequence[Alert], rule: str, mmsi: int) -> list[Alert]:
    return [a for a in alerts if a.rule == rule and a.mmsi == mmsi]


# -- MMSI formats (ITU-R M.585) ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("mmsi", "kind"),
    [
        (636_012_345, "ship"),
        (2_470_001, "coast_station"),  # 002470001: sent as a number, the zeros are lost
        (24_700_012, "group"),  # 024700012
        (111_247_100, "sar_aircraft"),
        (824_712_345, "handheld"),
        (982_471_234, "craft_of_parent_ship"),
        (992_471_234, "aid_to_navigation"),
        (970_123_456, "sart"),
        (972_123_456, "man_overboard"),
        (974_123_456, "epirb"),
    ],
)
def test_valid_numbers_have_their_m585_kind(mmsi: int, kind: str) -> None:
    assert classify_mmsi(mmsi).kind == kind
    assert not classify_mmsi(mmsi).invalid


@pytest.mark.parametrize(
    ("mmsi", "problem"),
    [
        (0, "MMSI 0"),
        (200_000_001, "MID 200"),  # no country has MID 200
        (123_456_789, "no ITU-R M.585 format starts with 123"),
        (111_111_111, "MID 111"),  # SAR aircraft format, unallocated MID
        (999_999_999, "MID 999"),
        (1_193_046, "7 digits"),  # 0x123456, a transponder's factory default
        (12_345_678, "8 digits"),
        (1_073_741_823, "not a nine-digit number"),  # the largest 30-bit number
    ],
)
def test_invalid_numbers_say_why(mmsi: int, problem: str) -> None:
    found = classify_mmsi(mmsi)
    assert found.invalid
    assert problem in found.problem


# -- invalid_mmsi ------------------------------------------------------------------------------

INVALID = {"invalid_mmsi": {"severity": "caution", "clear_after_hours": 6.0}}


def test_an_invalid_mmsi_alerts_once_with_the_reason() -> None:
    found = replay(pipeline(INVALID), sailing(123_456_789, 120))
    (alert,) = opened(found, "invalid_mmsi")
    assert alert.mmsi == 123_456_789
    assert alert.updated == T0  # at the first fix
    assert "no ITU-R M.585 format" in alert.body["evidence"]["mmsi_problem"]  # type: ignore[index]


def test_it_clears_when_unheard_and_never_alerts_again() -> None:
    first = sailing(123_456_789, 30)
    again = sailing(123_456_789, 30, start=T0 + 8 * 3600)
    found = of(replay(pipeline(INVALID), [*first, *again, *background(9)]), "invalid_mmsi",
               123_456_789)  # fmt: skip
    assert [a.state for a in found] == ["open", "cleared"]
    assert T0 + 30 * 60 + 6 * 3600 <= found[1].updated <= T0 + 30 * 60 + 6 * 3600 + 120


@pytest.mark.parametrize("mmsi", [SHIP, 2_470_001, 111_247_100, 970_123_456, 992_471_234])
def test_valid_numbers_raise_nothing(mmsi: int) -> None:
    assert replay(pipeline(INVALID), sailing(mmsi, 30)) == []


def test_a_static_report_alone_reports_an_invalid_number() -> None:
    found = replay(pipeline(INVALID), [report(1_193_046, T0), *background(1)])
    (alert,) = opened(found, "invalid_mmsi")
    assert alert.mmsi == 1_193_046 and alert.body["position"] is None


def test_no_more_than_max_open_alerts_at_once() -> None:
    rules = {"invalid_mmsi": {"max_open": 2}}
    fleet = [p for m in (200_000_001, 200_000_002, 200_000_003) for p in sailing(m, 10)]
    assert len(opened(replay(pipeline(rules), fleet), "invalid_mmsi")) == 2


# -- identity_change ---------------------------------------------------------------------------

IDENTITY = {"identity_change": {"severity": "caution"}}


def reports(mmsi: int, names: Sequence[str], every_s: float = 360.0, start: float = T0,
            **fields: Any) -> list[VesselStatic]:  # fmt: skip
    """A static report every 6 min (ITU-R M.1371), with these names in turn."""
    return [report(mmsi, start + i * every_s, name=n, **fields) for i, n in enumerate(names)]


def test_a_new_name_is_an_identity_change_at_its_first_report() -> None:
    statics = reports(SHIP, ["AEGEAN HARMONY", "AEGEAN HARMONY", "ASTRA 5", "ASTRA 5"])
    found = replay(pipeline(IDENTITY), [*statics, *sailing(SHIP, 30)])
    (alert,) = opened(found, "identity_change")
    assert alert.updated == T0 + 2 * 360
    evidence: Any = alert.body["evidence"]
    assert (evidence["old_shipname"], evidence["new_shipname"]) == ("AEGEAN HARMONY", "ASTRA 5")
    assert evidence["new_first_reported_at"] == "2026-01-01T00:12:00.000Z"
    assert [a.state for a in found] == ["open"]


def test_a_new_call_sign_is_an_identity_change_too() -> None:
    statics = [
        report(SHIP, T0 + i * 360, callsign=c)
        for i, c in enumerate(["3FAB4", "3FAB4", "TJ1234", "TJ1234"])
    ]
    (alert,) = opened(replay(pipeline(IDENTITY), statics), "identity_change")
    assert alert.body["evidence"]["new_callsign"] == "TJ1234"  # type: ignore[index]


def test_a_name_that_the_next_report_takes_back_is_retracted() -> None:
    statics = reports(SHIP, ["AEGEAN HARMONY", "AEGEAN HARMONY", "ASTRA 5", "AEGEAN HARMONY"])
    found = replay(pipeline(IDENTITY), [*statics, *sailing(SHIP, 30)])
    assert [a.state for a in found] == ["open", "retracted"]


def test_an_odd_looking_call_sign_waits_for_a_second_report() -> None:
    signs = ["3FAB4", "3FAB4", "3F;AB", "3F;AB", "3F;AB"]
    statics = [report(SHIP, T0 + i * 360, callsign=c) for i, c in enumerate(signs)]
    (alert,) = opened(replay(pipeline(IDENTITY), statics), "identity_change")
    assert alert.updated == T0 + 3 * 360  # its second report
    assert alert.start == T0 + 2 * 360


def test_a_single_corrupted_report_between_good_ones_is_not_a_change() -> None:
    # As in GFW's real data: call sign BI2528, once "L;OI3CL", then BI2528 again.
    statics = [
        report(SHIP, T0 + i * 360, callsign=c)
        for i, c in enumerate(["BI2528", "BI2528", "L;OI3CL", "BI2528", "BI2528"])
    ]
    assert replay(pipeline(IDENTITY), statics) == []


@pytest.mark.parametrize("variant", ["aegean harmony", "AEGEAN HARMONY@@@@", "AEGEAN  HARMONY ",
                                     "AEGEAN-HARMONY", "AEGEANHARMONY"])  # fmt: skip
def test_padding_case_spacing_and_punctuation_are_not_changes(variant: str) -> None:
    assert identity_text(variant) == identity_text("AEGEAN HARMONY")
    statics = reports(SHIP, ["AEGEAN HARMONY", variant, variant, variant])
    assert replay(pipeline(IDENTITY), statics) == []


def test_renames_of_an_invalid_mmsi_are_left_to_invalid_mmsi() -> None:
    statics = reports(0, ["DFDS CANAL TOURS", "NAUTICAST", "NAUTICAST", "NAUTICAST"])
    assert replay(pipeline(IDENTITY), statics) == []


HOP_AT = T0 + 90 * 60  # the new MMSI comes on


def hop(new_mmsi: int, imo: int = IMO, old_minutes: float = 60) -> list[Position | VesselStatic]:
    """A tanker on SHIP from T0 for ``old_minutes``, then (from ``HOP_AT``, 12 kn on) on
    ``new_mmsi`` with the same IMO number; static reports every 6 min."""
    old = sailing(SHIP, old_minutes)
    lat, lon = destination(1.0, 10.5, 90, 12 * 1852 / 3600 * (HOP_AT - T0))
    new = sailing(new_mmsi, 60, start=HOP_AT, at=(lat, lon))
    return [*old, *reports(SHIP, ["ASTRA 5"] * int(old_minutes // 6), imo=imo),
            *new, *reports(new_mmsi, ["ASTRA 5"] * 10, start=HOP_AT, imo=imo)]  # fmt: skip


def test_an_imo_number_under_an_mmsi_of_another_flag_is_flag_hopping() -> None:
    found = replay(pipeline(IDENTITY), hop(613_000_021))  # Cameroon
    (alert,) = opened(found, "identity_change")
    assert alert.mmsi == 613_000_021
    assert alert.updated == HOP_AT  # its first static report
    evidence: Any = alert.body["evidence"]
    assert (evidence["old_mmsi"], evidence["old_flag"], evidence["new_flag"]) == (SHIP, "LR", "CM")


def test_a_new_mmsi_of_the_same_flag_is_not_flag_hopping() -> None:
    assert opened(replay(pipeline(IDENTITY), hop(636_000_099)), "identity_change") == []


def test_two_mmsis_on_the_air_with_one_imo_are_not_a_change_of_flag() -> None:
    # The old MMSI keeps transmitting after the new one comes on: two ships claim one IMO.
    found = replay(pipeline(IDENTITY), hop(613_000_021, old_minutes=150))
    assert opened(found, "identity_change") == []


def test_an_imo_number_failing_its_check_digit_is_not_followed() -> None:
    assert not valid_imo(9_074_728)
    assert opened(replay(pipeline(IDENTITY), hop(613_000_021, imo=9_074_728)),
                  "identity_change") == []  # fmt: skip


# -- shared_mmsi -------------------------------------------------------------------------------

SHARED = {"shared_mmsi": {"window_minutes": 30.0, "min_fixes": 3, "min_switches": 3}}


def test_two_transmitters_on_one_mmsi_alert_within_minutes() -> None:
    a = leg(SHIP, T0, 1.0, 10.5, 90, 12, 60, every_s=30)
    b = leg(SHIP, T0 + 600 + 15, 1.8, 11.5, 270, 12, 50, every_s=30)  # 75 nm away
    found = replay(pipeline(SHARED), [*a, *b])
    (alert,) = opened(found, "shared_mmsi")
    assert T0 + 600 <= alert.updated <= T0 + 600 + 180
    assert 70 <= alert.body["evidence"]["distance_nm"] <= 80  # type: ignore[index]


def test_one_jump_to_a_new_place_is_not_a_shared_mmsi() -> None:
    a = leg(SHIP, T0, 1.0, 10.5, 90, 12, 30, every_s=30)
    b = leg(SHIP, T0 + 1800, 1.8, 11.5, 90, 12, 60, every_s=30)  # relocated, never back
    assert opened(replay(pipeline(SHARED), [*a, *b]), "shared_mmsi") == []


def test_a_one_off_wild_fix_is_not_a_shared_mmsi() -> None:
    track = leg(SHIP, T0, 1.0, 10.5, 90, 12, 60, every_s=30)
    track[40] = track[40]._replace(lat=1.9, lon=11.9)
    assert opened(replay(pipeline(SHARED), track), "shared_mmsi") == []


def alternating(runs: Sequence[int]) -> list[Position]:
    """Runs of fixes from two places 75 nm apart, 30 s apart, starting with the first."""
    out: list[Position] = []
    t = T0
    for i, n in enumerate(runs):
        lat, lon = (1.0, 10.5) if i % 2 == 0 else (1.8, 11.5)
        out += leg(SHIP, t, lat, lon, 0, 0.0, n * 0.5, every_s=30)
        t += n * 30
    return out


def test_two_switches_are_under_the_threshold_of_three() -> None:
    assert opened(replay(pipeline(SHARED), alternating([10, 5, 10])), "shared_mmsi") == []


def test_three_switches_reach_it() -> None:
    assert len(opened(replay(pipeline(SHARED), alternating([10, 5, 5, 5])), "shared_mmsi")) == 1


def test_the_alert_clears_when_one_transmitter_falls_silent() -> None:
    found = of(replay(pipeline(SHARED), [*alternating([10, 5, 5, 5]), *background(2)]),
               "shared_mmsi", SHIP)  # fmt: skip
    assert [a.state for a in found] == ["open", "cleared"]


def gfw_records() -> list[Position | VesselStatic]:
    """GFW's real reference AIS: positions (as bench.segments reads them) and static reports."""
    text = gzip.decompress(shared(REFERENCE).read_bytes()).decode("utf-8")
    statics: list[Position | VesselStatic] = []
    for row in csv.DictReader(io.StringIO(text)):
        if row["lat"]:
            continue
        statics.append(VesselStatic(
            time=datetime.fromisoformat(row["timestamp"]).timestamp(), mmsi=int(row["ssvid"]),
            msg_type=int(row["type"].removeprefix("AIS.")), shipname=row["shipname"] or None,
            callsign=row["callsign"] or None, imo=int(row["imo"]) if row["imo"] else None,
        ))  # fmt: skip
    return [*(x.position for x in read_reference()), *statics]


def test_satellite_reception_needs_a_longer_window_and_then_finds_the_real_shared_mmsis() -> None:
    """Real AIS (ORBCOMM, 19 MMSIs, 9 days): 412440453 is two transmitters at once, Indian
    Ocean and far south (GFW's notes); 412588888 is heard in the Gulf of Guinea and the Taiwan
    Strait within hours. Satellites hear a ship a few times an hour, so the window is 12 h."""
    records = gfw_records()
    default = replay(pipeline({"shared_mmsi": {}}), records, batch_s=600.0)
    assert opened(default, "shared_mmsi") == []  # 30 min: too few fixes from the far one
    satellite = {"shared_mmsi": {"window_minutes": 720.0, "min_fixes": 2, "min_switches": 2}}
    found = opened(replay(pipeline(satellite), records, batch_s=600.0), "shared_mmsi")
    assert {a.mmsi for a in found} == {412_440_453, 412_588_888}
    far = next(a for a in found if a.mmsi == 412_440_453)
    assert far.body["evidence"]["distance_nm"] > 2000  # type: ignore[index]


def test_identity_rules_on_real_reference_data_report_only_the_invalid_number() -> None:
    """The same real data with the identity rules' defaults: names that differ only in
    spacing and punctuation (PEI YUH NO.6 / PEI YUH NO6), and a single corrupted call sign,
    are no changes; MMSI 600000019 (MID 600 is no country's) is invalid."""
    rules = {"identity_change": {}, "invalid_mmsi": {}}
    found = replay(pipeline(rules), gfw_records(), batch_s=600.0)
    assert opened(found, "identity_change") == []
    assert [a.mmsi for a in opened(found, "invalid_mmsi")] == [600_000_019]


def test_on_the_real_recordings_only_really_invalid_numbers_alert() -> None:
    """Every NMEA recording of the shared data with the default identity and position rules
    (alerts/identity.toml). These are real anomalies, not false alarms: each alert names a
    number no station may use under ITU-R M.585 (MMSI 0, 123456789, 1193046, 999999999, fishing
    net buoys numbered 109xxxxxx, unallocated MIDs such as 365, 407, 528 ...). Nothing else
    fires: no shared MMSI, identity change, jump or sign of spoofing."""
    rules = [default_folder("alerts") / "identity.toml"]
    found: list[Alert] = []
    for rel in NMEA_RECORDINGS:
        p = build_pipeline([default_folder("zones")], rules)
        lines = [line.strip() for line in read_lines(AIS / rel)]
        outputs = [p.process(lines[i : i + 5000], rel) for i in range(0, len(lines), 5000)]
        found += [a for out in [*outputs, p.finish()] for a in out.alerts if a.state == "open"]
    assert {a.rule for a in found} == {"invalid_mmsi"}
    assert all(a.mmsi is not None and classify_mmsi(a.mmsi).invalid for a in found)
    numbers = {a.mmsi for a in found}
    assert {0, 123_456_789, 1_193_046, 999_999_999, 109_050_604, 365_939_904} <= numbers
    print(f"{len(found)} invalid-MMSI alerts on {len(numbers)} numbers")
