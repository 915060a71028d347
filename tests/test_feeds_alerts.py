"""What a partner receives of alerts: only its rules, only about vessels it may see, redacted
like positions, without mda's internal workflow, and delayed on event time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mda.feeds.core import FeedSet, SharedAlert
from mda.model import Alert, AlertState, Position, VesselStatic
from mda.settings.feeds import parse_feeds
from mda.timefmt import iso
from tests.feed_kit import feed_set as new_feed_set
from tests.feed_kit import feed_step

IN_WATERS = (10.5, 41.0)
OUTSIDE = (20.0, 38.0)


def feed_set(**spec: Any) -> FeedSet:
    settings = {"formats": ["mqtt"], "bbox": [40.0, 10.0, 42.0, 11.0], "rules": ["cable_threat"]}
    config = parse_feeds({"p": {**settings, **spec}}, "feeds.toml", Path())
    return new_feed_set(config)


def alert(
    mmsi: int = 1, *, state: AlertState = "open", rule: str = "cable_threat",
    at: tuple[float, float] | None = IN_WATERS, updated: float = 2000.0, actor: str | None = None,
    alert_id: str = "a1b2c3", **extra: Any,
) -> Alert:  # fmt: skip
    """An alert state shaped like the lifecycle's."""
    body: dict[str, object] = {
        "alert_id": alert_id, "dedup_key": f"{rule}:{mmsi}:cable-1", "rule": rule,
        "severity": "alarm", "state": state, "start": iso(1000.0), "updated": iso(updated),
        "mmsi": mmsi, "vessel": {"name": "EVER SLOW", "imo": None, "ship_type": 70},
        "position": None if at is None else {"lat": at[0], "lon": at[1], "time": iso(updated)},
        "zone": {"id": "cable-1", "name": "Cable one", "kind": "cable"},
        "evidence": {"speed_knots": 0.4, "distance_to_cable_m": 120},
        "track": [[iso(1900.0), 10.512345, 41.012345], [iso(1950.0), 20.0, 38.0]],
        "message": "EVER SLOW (MMSI 1) apparently stopped inside the cable corridor Cable one",
        "earlier_alerts": 2,
        **extra,
    }  # fmt: skip
    if actor is not None:
        body |= {"acknowledged_by": actor, "acknowledged_at": iso(updated), "note": "on it"}
    note = "on it" if actor else None
    other = extra.get("other_mmsi")
    return Alert(alert_id, str(body["dedup_key"]), rule, "alarm", state, 1000.0, updated, mmsi,
                 "cable-1", str(body["message"]), body, actor, note,
                 lat=None if at is None else at[0], lon=None if at is None else at[1],
                 shipname="EVER SLOW", ship_type=70,
                 other_mmsi=other if isinstance(other, int) else None)  # fmt: skip


def given(feeds: FeedSet, alerts: list[Alert], watermark: float = 2000.0,
          statics: list[VesselStatic] | None = None) -> list[SharedAlert]:  # fmt: skip
    (release,) = feed_step(feeds, [], statics or [], alerts, watermark)
    return release.alerts


def test_only_the_partners_rules_are_shared() -> None:
    feeds = feed_set()
    assert [a.rule for a in given(feeds, [alert(), alert(2, rule="loitering")])] == ["cable_threat"]


def test_an_alert_is_shared_only_where_the_partner_may_see_its_vessel() -> None:
    feeds = feed_set()
    assert given(feeds, [alert(1, at=OUTSIDE)]) == []
    assert len(given(feeds, [alert(2, at=IN_WATERS, alert_id="x2")])) == 1


def test_an_alert_about_a_never_share_vessel_is_never_shared() -> None:
    by_mmsi = feed_set(never_share={"mmsi": [1]}, always_share={"mmsi": [1]})
    assert given(by_mmsi, [alert(1)]) == []
    by_imo = feed_set(never_share={"imo": [9000001]})
    statics = [VesselStatic(0.0, 1, 5, imo=9000001)]
    assert given(by_imo, [alert(1)], statics=statics) == []


def test_an_alert_without_a_position_follows_the_vessels_last_fix() -> None:
    feeds = feed_set()
    fix = Position(1990.0, 1, 1, *IN_WATERS, 0.2, 0.0, None, 1, None, True, "s")
    feed_step(feeds, [fix], [], [], 1990.0)
    assert len(given(feeds, [alert(1, at=None)])) == 1
    assert given(feeds, [alert(2, at=None, alert_id="other")]) == []  # never seen


def test_internal_fields_are_stripped_and_the_id_is_the_partners_own() -> None:
    feeds = feed_set()
    (shared,) = given(feeds, [alert(1)])
    body = shared.body
    for field in ("dedup_key", "earlier_alerts", "acknowledged_by", "note"):
        assert field not in body
    assert body["alert_id"] == shared.alert_id != "a1b2c3"
    other = new_feed_set(parse_feeds({"q": {"formats": ["mqtt"], "rules": ["*"]}}, "f", Path()))
    (theirs,) = given(other, [alert(1)])
    assert theirs.alert_id != shared.alert_id  # partners cannot match up their alerts
    (again,) = given(feed_set(), [alert(1)])
    assert again.alert_id == shared.alert_id  # stable across restarts and replays


def test_position_track_and_evidence_coordinates_are_redacted_like_positions() -> None:
    feeds = feed_set(round_decimals=2)
    extra = {"evidence": {"last_seen_lat": 10.51234, "last_seen_lon": 41.01234,
                          "reappeared_lat": 20.0, "reappeared_lon": 38.0}}  # fmt: skip
    (shared,) = given(feeds, [alert(1, at=(10.512345, 41.016789), **extra)])
    assert shared.body["position"]["lat"] == 10.51 and shared.body["position"]["lon"] == 41.02
    assert (shared.lat, shared.lon) == (10.51, 41.02)
    # The track point outside the partner's waters is left out, the one inside rounded.
    assert shared.body["track"] == [[iso(1900.0), 10.51, 41.01]]
    assert shared.body["evidence"] == {"last_seen_lat": 10.51, "last_seen_lon": 41.01}


def test_watch_list_sources_and_configured_fields_are_not_shared() -> None:
    feeds = feed_set(rules=["watch_list"], alert_strip=["evidence.zones", "message"])
    extra = {"evidence": {"listed_by": "agency X", "reason": "sanctions", "zones": ["Red Sea"]}}
    (shared,) = given(feeds, [alert(1, rule="watch_list", **extra)])
    assert shared.body["evidence"] == {} and "message" not in shared.body


def test_acknowledgements_stay_inside_and_an_acknowledged_alert_is_open_to_the_partner() -> None:
    feeds = feed_set()
    assert len(given(feeds, [alert(1)])) == 1
    assert given(feeds, [alert(1, state="acknowledged", actor="watch-officer-2")]) == []
    # A later change of an acknowledged alert (more severe) reaches the partner as open.
    (escalated,) = given(feeds, [alert(1, state="acknowledged", updated=2100.0)])
    assert escalated.state == "open" and escalated.body["state"] == "open"
    assert "watch-officer-2" not in repr(escalated.body)


def test_a_given_alert_is_closed_for_the_partner_even_after_its_vessel_left() -> None:
    feeds = feed_set()
    assert len(given(feeds, [alert(1)])) == 1
    (cleared,) = given(feeds, [alert(1, state="cleared", at=OUTSIDE, updated=2600.0)])
    assert cleared.state == "cleared"
    assert cleared.body["position"] is None and cleared.body["track"] == []
    # Once closed, the alert is forgotten: a new state from outside is not the partner's.
    assert given(feeds, [alert(1, state="retracted", at=OUTSIDE, updated=2700.0)]) == []


def test_a_two_vessel_alert_hides_a_second_vessel_the_partner_may_not_see() -> None:
    feeds = feed_set(never_share={"mmsi": [3]})
    pair = {"other_mmsi": 2, "other_vessel": {"name": "DARK ONE"}}
    (shared,) = given(feeds, [alert(1, **pair)])
    assert "other_mmsi" not in shared.body and "DARK ONE" not in repr(shared.body)
    assert given(feeds, [alert(1, alert_id="z", other_mmsi=3, other_vessel={})]) == []


def test_a_second_vessel_in_the_partners_waters_is_shown() -> None:
    feeds = feed_set()
    feed_step(feeds, [Position(1990.0, 2, 1, *IN_WATERS, 0.2, 0.0, None, 1, None, True, "s")], [],
               [], 1990.0)  # fmt: skip
    (shared,) = given(feeds, [alert(1, other_mmsi=2, other_vessel={"name": "TWO"})])
    assert shared.body["other_mmsi"] == 2


def test_alerts_are_delayed_on_event_time_like_positions() -> None:
    feeds = feed_set(delay_minutes=5)
    assert given(feeds, [alert(1, updated=2000.0)], watermark=2000.0) == []
    assert given(feeds, [], watermark=2299.0) == []
    assert [a.alert_id for a in given(feeds, [], watermark=2300.0)] != []


def test_the_shared_body_does_not_change_the_alert_other_sinks_publish() -> None:
    original = alert(1, alert_strip_me={"a": 1})
    before = repr(original.body)
    feeds = feed_set(alert_strip=["alert_strip_me.a"], round_decimals=1)
    given(feeds, [original])
    assert repr(original.body) == before


def test_an_always_share_vessels_alert_keeps_its_whole_track() -> None:
    feeds = feed_set(always_share={"mmsi": [1]})
    (shared,) = given(feeds, [alert(1, at=OUTSIDE)])
    assert [point[1:] for point in shared.body["track"]] == [[10.512345, 41.012345], [20.0, 38.0]]
