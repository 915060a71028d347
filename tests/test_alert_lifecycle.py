"""The alert lifecycle: persistence, hysteresis, acknowledgement, cooldown, inhibition."""

from __future__ import annotations

from typing import Any

import pytest

from mda.alerts.lifecycle import AlertBook, AlertNotFoundError, AlreadyAcknowledgedError
from mda.model import Severity
from mda.rules.base import Detection
from mda.rules.settings import Scope, rule_spec
from mda.timefmt import iso

M = 636_000_006


def scope(name: str, **table: Any) -> Scope:
    return rule_spec(name, table).scope


def book(*scopes: Scope) -> AlertBook:
    return AlertBook(
        {s.name: s for s in scopes},
        lambda m: {"name": "TEST"},
        lambda m: [(0.0, 1.0, 2.0)],
        {},
    )


def det(rule: str, t: float, active: bool = True, *, started: float | None = None,
        severity: Severity = "warning", disproved: bool = False, zone: str | None = None,
        mmsi: int = M) -> Detection:  # fmt: skip
    return Detection(rule, mmsi, zone, t, active, severity, started if started is not None else t,
                     f"{rule} at {t}", {"at": t}, 1.0, 2.0, disproved)  # fmt: skip


def test_an_alert_opens_only_after_its_persistence() -> None:
    b = book(scope("r", persist_minutes=5))
    assert b.apply([det("r", 0)]) == []
    assert b.tick(240) == []
    (alert,) = b.tick(300)
    assert (alert.state, alert.start, alert.updated) == ("open", 0, 300)


def test_a_condition_shorter_than_the_persistence_never_opens() -> None:
    b = book(scope("r", persist_minutes=5))
    b.apply([det("r", 0), det("r", 120, active=False)])
    assert b.tick(600) == []


def test_hysteresis_keeps_a_flapping_condition_as_one_alert() -> None:
    b = book(scope("r", clear_after_minutes=10))
    states = [a.state for a in b.apply([det("r", 0)])]
    for t in range(60, 1800, 120):  # gone for a minute, back for a minute, and so on
        states += [a.state for a in b.apply([det("r", t, active=False), det("r", t + 60)])]
        states += [a.state for a in b.tick(t + 60)]
    assert states == ["open"]
    b.apply([det("r", 2000, active=False)])
    assert [a.state for a in b.tick(2000 + 599)] == []
    assert [a.state for a in b.tick(2000 + 600)] == ["cleared"]


def test_acknowledgement_records_who_and_when() -> None:
    b = book(scope("r"))
    (opened,) = b.apply([det("r", 0)])
    ack = b.acknowledge(opened.alert_id, "watch officer Ivanova", 50, "calling the ship")
    assert (ack.state, ack.actor, ack.note) == ("acknowledged", "watch officer Ivanova",
                                                "calling the ship")  # fmt: skip
    assert ack.body["acknowledged_by"] == "watch officer Ivanova"
    with pytest.raises(AlreadyAcknowledgedError) as refused:
        b.acknowledge(opened.alert_id, "someone else", 60)
    assert (refused.value.by, refused.value.at) == ("watch officer Ivanova",
                                                    ack.body["acknowledged_at"])  # fmt: skip
    assert str(refused.value) == (f"alert {opened.alert_id} was already acknowledged by watch "
                                  f"officer Ivanova at {ack.body['acknowledged_at']}")  # fmt: skip
    with pytest.raises(AlertNotFoundError):
        b.acknowledge("no-such-id", "x", 60)


def test_cooldown_after_acknowledgement_holds_back_a_repeat() -> None:
    b = book(scope("r", cooldown_minutes=30))
    (opened,) = b.apply([det("r", 0)])
    b.acknowledge(opened.alert_id, "officer", 10)
    assert [a.state for a in b.apply([det("r", 100, active=False)])] == ["cleared"]
    assert b.apply([det("r", 100 + 29 * 60)]) == []  # within the cooldown
    b.apply([det("r", 100 + 29 * 60 + 30, active=False)])
    (again,) = b.apply([det("r", 100 + 31 * 60)])
    assert again.state == "open" and again.alert_id != opened.alert_id
    assert again.body["earlier_alerts"] == 1
    assert b.suppressed_by_cooldown == 1


def test_without_acknowledgement_there_is_no_cooldown() -> None:
    b = book(scope("r", cooldown_minutes=30))
    b.apply([det("r", 0), det("r", 100, active=False)])
    assert [a.state for a in b.apply([det("r", 200)])] == ["open"]


def test_disproved_conditions_are_retracted() -> None:
    b = book(scope("r"))
    (opened,) = b.apply([det("r", 0)])
    (retracted,) = b.apply([det("r", 50, active=False, disproved=True)])
    assert retracted.state == "retracted" and retracted.alert_id == opened.alert_id


def test_a_cable_alarm_inhibits_and_supersedes_loitering() -> None:
    b = book(scope("loitering", inhibited_by=["cable_threat"]), scope("cable_threat"))
    assert [a.state for a in b.apply([det("loitering", 0)])] == ["open"]
    out = b.apply([det("cable_threat", 10, severity="alarm", zone="cable-1")])
    assert [(a.rule, a.state) for a in out] == [("cable_threat", "open"), ("loitering", "cleared")]
    assert "superseded by cable_threat" in str(out[1].note)
    # The loitering goes on: it is part of the cable incident and stays silent, also after
    # the cable alarm clears, until that loitering ends ...
    assert b.apply([det("loitering", 20)]) == []
    assert [a.rule for a in b.apply([det("cable_threat", 30, active=False, zone="cable-1")])] == [
        "cable_threat"
    ]
    assert b.apply([det("loitering", 40)]) == [] and b.tick(50) == []
    assert b.inhibited == 1
    # ... a later, separate loitering is a new alert ...
    b.apply([det("loitering", 60, active=False)])
    assert [a.state for a in b.apply([det("loitering", 70)])] == ["open"]
    # ... and other vessels were never held back.
    assert [a.rule for a in b.apply([det("loitering", 30, mmsi=M + 1)])] == ["loitering"]


def test_escalation_is_published_as_an_update_of_the_same_alert() -> None:
    b = book(scope("r"))
    (opened,) = b.apply([det("r", 0)])
    (raised,) = b.apply([det("r", 100, severity="alarm")])
    assert (raised.alert_id, raised.state, raised.severity) == (opened.alert_id, "open", "alarm")


def test_alert_ids_depend_only_on_the_condition() -> None:
    first = book(scope("r")).apply([det("r", 0, zone="z")])[0]
    again = book(scope("r")).apply([det("r", 0, zone="z")])[0]
    other = book(scope("r")).apply([det("r", 1, zone="z")])[0]
    assert first.alert_id == again.alert_id != other.alert_id
    assert first.dedup_key == f"r:{M}:z"


def test_every_alert_carries_the_contract_fields() -> None:
    (alert,) = book(scope("r")).apply([det("r", 0, zone=None)])
    assert set(alert.body) >= {
        "alert_id", "dedup_key", "rule", "severity", "state", "start", "updated", "mmsi",
        "vessel", "position", "zone", "evidence", "track", "message", "earlier_alerts",
    }  # fmt: skip
    assert alert.body["track"] == [["1970-01-01T00:00:00.000Z", 1.0, 2.0]]


def test_an_acknowledgement_in_a_replay_is_dated_in_event_time_and_the_clear_keeps_its_own() -> (
    None
):
    b = book(scope("r", clear_after_minutes=10))
    (opened,) = b.apply([det("r", 1000)])
    b.tick(1500)
    wall = 1_767_225_600.0  # the officer's clock, years past the recording
    ack = b.acknowledge(opened.alert_id, "officer", wall)
    assert (ack.updated, ack.body["updated"]) == (1500, iso(1500))
    assert ack.body["acknowledged_at"] == iso(wall)
    assert b.apply([det("r", 2000, active=False)]) == []
    (cleared,) = b.tick(2000 + 600)
    assert cleared.state == "cleared" and cleared.updated == 2600
    assert cleared.body["updated"] == iso(2600) and cleared.body["acknowledged_at"] == iso(wall)


def test_updates_never_go_back_in_time() -> None:
    b = book(scope("r"))
    (opened,) = b.apply([det("r", 1000)])
    ack = b.acknowledge(opened.alert_id, "officer", 5000)  # before any tick: the open's time
    (cleared,) = b.apply([det("r", 900, active=False)])  # a late clear, dated before the open
    assert ack.updated == 1000 and cleared.updated == 1000
