"""Cursor on Target events of partner releases: tracks from AIS, alerts as linked markers."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from mda.feeds.core import FeedRelease, SharedAlert, SharedPosition
from mda.feeds.cot import CotEncoder, position_event, stale_after_s
from mda.feeds.cot_types import surface_type
from mda.geo import KNOT_MS
from mda.settings.feed_spec import FeedSpec
from mda.settings.feeds import parse_feeds
from mda.timefmt import iso

T = 1_767_225_600.0


def spec(**settings: Any) -> FeedSpec:
    table = {"formats": ["cot"], "cot": {"url": "tcp://tak:8087"}, **settings}
    (feed,) = parse_feeds({"p": table}, "feeds.toml", Path()).feeds
    return feed


def shared_position(mmsi: int = 366_000_001, **fields: Any) -> SharedPosition:
    base = SharedPosition(
        time=T, mmsi=mmsi, lat=21.5, lon=39.25, sog=12.0, cog=151.5, heading=150, nav_status=0,
        shipname="EVER SLOW", callsign="HZAB1", imo=9_134_270, ship_type=70,
        destination="JEDDAH", ce_m=363.6, interval_s=10.0,
    )  # fmt: skip
    return base._replace(**fields)


def shared_alert(state: str = "open", **fields: Any) -> SharedAlert:
    base = SharedAlert(
        alert_id="5f0e", rule="cable_threat", severity="alarm", state=state, time=T + 60,
        mmsi=366_000_001, lat=21.5, lon=39.25, ship_type=70, shipname="EVER SLOW",
        message="EVER SLOW apparently stopped inside the cable corridor", body={},
    )  # fmt: skip
    return base._replace(**fields)


def parse(event: bytes) -> ET.Element:
    assert event.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(event)


def test_a_position_is_a_cot_2_track_of_the_vessel() -> None:
    event = parse(position_event(shared_position()))
    assert event.tag == "event" and event.get("version") == "2.0"
    assert event.get("uid") == "MDA-AIS-366000001" and event.get("how") == "m-g"
    assert event.get("type") == "a-u-S-X-M-C"
    assert event.get("time") == event.get("start") == iso(T)
    point = event.find("point")
    assert point is not None and point.attrib == {
        "lat": "21.5", "lon": "39.25", "hae": "9999999.0", "ce": "363.6", "le": "9999999.0",
    }  # fmt: skip
    track = event.find("detail/track")
    assert track is not None and track.get("course") == "151.5"
    assert float(track.get("speed", "")) == pytest.approx(12.0 * KNOT_MS, abs=0.005)
    contact = event.find("detail/contact")
    assert contact is not None and contact.get("callsign") == "EVER SLOW"
    remarks = event.findtext("detail/remarks") or ""
    assert "MMSI 366000001" in remarks and "IMO 9134270" in remarks and "cargo" in remarks


@pytest.mark.parametrize(
    ("cog", "sog", "expected"),
    [(None, 0.1, {"course": "0.0", "speed": "0.05"}),  # moored: no heading drawn under 3 mph
     (None, 2.6, {"course": "0.0", "speed": "1.34"}),
     (None, 2.7, None),  # moving at an unknown course: any course would draw a false arrow
     (151.5, None, None),  # unknown speed is not "stopped"
     (359.96, 0.0, {"course": "0.0", "speed": "0.00"}),
     (0.0, 0.0, {"course": "0.0", "speed": "0.00"})],
)  # fmt: skip
def test_a_track_carries_both_course_and_speed_or_is_left_out(
    cog: float | None, sog: float | None, expected: dict[str, str] | None
) -> None:
    track = parse(position_event(shared_position(cog=cog, sog=sog))).find("detail/track")
    assert (None if track is None else track.attrib) == expected


def test_unknown_course_and_speed_leave_the_track_out_and_a_nameless_ship_shows_its_mmsi() -> None:
    event = parse(position_event(shared_position(sog=None, cog=None, shipname=None)))
    assert event.find("detail/track") is None
    contact = event.find("detail/contact")
    assert contact is not None and contact.get("callsign") == "MMSI 366000001"


@pytest.mark.parametrize(
    ("ship_type", "expected"),
    [(70, "a-u-S-X-M-C"), (74, "a-u-S-X-M-C"), (80, "a-u-S-X-M-O"), (60, "a-u-S-X-M-P"),
     (30, "a-u-S-X-F"), (52, "a-u-S-X-M-T-U"), (31, "a-u-S-X-M-T-U"), (36, "a-u-S-X-R"),
     (37, "a-u-S-X-R"), (55, "a-u-S-X-L"), (35, "a-u-S-C"), (50, "a-u-S-X"), (90, "a-u-S"),
     (0, "a-u-S"), (None, "a-u-S")],
)  # fmt: skip
def test_ais_ship_types_map_onto_the_surface_branch_of_the_cot_tree(
    ship_type: int | None, expected: str
) -> None:
    assert surface_type(ship_type) == expected


def test_the_affiliation_is_the_feeds() -> None:
    encoder = CotEncoder(spec(affiliation="n"))
    (event,) = encoder.events(FeedRelease("p", positions=[shared_position()]))
    assert parse(event).get("type") == "a-n-S-X-M-C"


@pytest.mark.parametrize(
    ("interval", "stale"), [(10.0, 60.0), (30.0, 90.0), (None, 540.0), (7200.0, 3600.0)]
)
def test_stale_is_three_report_intervals_within_a_minute_and_an_hour(
    interval: float | None, stale: float
) -> None:
    assert stale_after_s(interval) == stale
    event = parse(position_event(shared_position(interval_s=interval)))
    assert event.get("stale") == iso(T + stale)


def test_a_delayed_feed_is_not_stale_on_arrival() -> None:
    event = parse(position_event(shared_position(interval_s=30.0), delay_s=900.0))
    assert event.get("stale") == iso(T + 900.0 + 90.0)


def test_only_the_latest_fix_of_each_vessel_in_a_release_is_sent() -> None:
    encoder = CotEncoder(spec())
    release = FeedRelease("p", positions=[
        shared_position(time=T + 10, lat=21.6), shared_position(time=T, lat=21.5),
        shared_position(mmsi=2, time=T),
    ])  # fmt: skip
    events = [parse(e) for e in encoder.events(release)]
    assert [(e.get("uid"), e.find("point").get("lat")) for e in events] == [  # type: ignore[union-attr]
        ("MDA-AIS-366000001", "21.6"),
        ("MDA-AIS-2", "21.5"),
    ]


def test_an_alert_is_a_marker_linked_to_its_vessel_never_an_emergency() -> None:
    encoder = CotEncoder(spec(round_m=500))
    (raw,) = encoder.events(FeedRelease("p", alerts=[shared_alert()]))
    event = parse(raw)
    kind = event.get("type") or ""
    assert kind == "b-m-p-s-m" and not kind.startswith("b-a")
    assert event.get("uid") == "MDA-ALERT-5f0e"
    link = event.find("detail/link")
    assert link is not None and link.attrib == {
        "uid": "MDA-AIS-366000001", "type": "a-u-S-X-M-C", "relation": "p-p"
    }  # fmt: skip
    point = event.find("point")
    assert point is not None and float(point.get("ce", "0")) > 350  # the rounding
    assert "cable corridor" in (event.findtext("detail/remarks") or "")
    assert event.get("stale") == iso(T + 60 + 24 * 3600)


def test_an_ended_alert_takes_its_marker_down_where_it_was() -> None:
    encoder = CotEncoder(spec())
    encoder.events(FeedRelease("p", alerts=[shared_alert()]))
    ended = shared_alert("cleared", time=T + 600, lat=None, lon=None)
    (raw,) = encoder.events(FeedRelease("p", alerts=[ended]))
    event = parse(raw)
    assert event.get("stale") == event.get("time") == iso(T + 600)
    point = event.find("point")
    assert point is not None and (point.get("lat"), point.get("lon")) == ("21.5", "39.25")


def test_an_alert_never_placed_on_the_map_sends_nothing() -> None:
    encoder = CotEncoder(spec())
    assert encoder.events(FeedRelease("p", alerts=[shared_alert(lat=None, lon=None)])) == []


def test_names_with_markup_stay_text() -> None:
    event = parse(position_event(shared_position(shipname='<B&"Q>')))
    contact = event.find("detail/contact")
    assert contact is not None and contact.get("callsign") == '<B&"Q>'
