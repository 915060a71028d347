"""Every CoT event of a real recording as a TAK client reads it: MITRE's track element rules
and takproto, the TAK protocol library pytak and TAK servers use."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal, InvalidOperation
from pathlib import Path

from takproto.functions import xml2message

from mda.feeds.cot import CotEncoder
from mda.model import Position, VesselStatic
from mda.settings.feeds import parse_feeds
from tests.data import AIS, read_lines
from tests.feed_kit import decoded, feed_set, feed_step

# The recording with the most vessels moored or at anchor, whose course AIS reports as unknown.
RECORDING = "risky/ais.txt.gz"
STEP = 2000  # positions a step: the feed sends each vessel's latest fix of a step
# Attributes of MITRE's CoT track schema (CoT__detail_track): course and speed are required.
TRACK_ATTRIBUTES = {"course", "speed", "slope", "eCourse", "eSpeed", "eSlope", "version"}


def recording_events(step_size: int = STEP) -> tuple[list[bytes], int]:
    """The CoT events of the recording, released ``step_size`` positions at a time, and how
    many of its shared fixes had no course."""
    config = parse_feeds({"p": {"formats": ["cot"], "cot": {"url": "tcp://tak:8087"}}},
                         "feeds.toml", Path())  # fmt: skip
    (spec,) = config.feeds
    records, _ = decoded(read_lines(AIS / RECORDING))
    statics = [r for r in records if isinstance(r, VesselStatic)]
    positions = sorted((r for r in records if isinstance(r, Position) and r.time is not None),
                       key=lambda p: p.time or 0.0)  # fmt: skip
    feeds, encoder = feed_set(config), CotEncoder(spec)
    events: list[bytes] = []
    courseless = 0
    for start in range(0, len(positions), step_size):
        step = positions[start : start + step_size]
        for release in feed_step(feeds, step, statics if start == 0 else [], [],
                                 step[-1].time or 0.0):  # fmt: skip
            courseless += sum(1 for p in release.positions if p.cog is None)
            events += encoder.events(release)
    return events, courseless


def decimal(value: str | None) -> Decimal:
    assert value is not None, "a required track attribute is missing"
    try:
        return Decimal(value)
    except InvalidOperation:
        raise AssertionError(f"not an xs:decimal: {value!r}") from None


def test_every_track_of_a_real_recording_is_valid_and_reaches_takproto_unchanged() -> None:
    events, courseless = recording_events()
    assert len(events) > 1000 and courseless > 20  # the case this guards is in the recording
    tracks = 0
    for raw in events:
        event = ET.fromstring(raw)
        track = event.find("detail/track")
        detail = xml2message(raw).cotEvent.detail
        if track is None:
            # Nothing for takproto to invent: no track, not an empty one read as north at 0.
            assert not detail.HasField("track"), raw
            continue
        tracks += 1
        assert set(track.attrib) <= TRACK_ATTRIBUTES, raw
        course, speed = decimal(track.get("course")), decimal(track.get("speed"))
        assert 0 <= course < 360 and speed >= 0, raw
        assert "<track" not in detail.xmlDetail, raw
        assert (detail.track.course, detail.track.speed) == (float(course), float(speed)), raw
    assert tracks > len(events) // 2
