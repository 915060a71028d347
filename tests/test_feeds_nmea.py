"""Raw NMEA for partners: the unaltered sentences of the vessels they may see, behind mda's own
tag block, framed and decoded by mda's real ingest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mda.feeds.core import FeedSet
from mda.feeds.nmea import bare_sentence
from mda.ingest.core import Ingestor
from mda.ingest.message import RawMessage
from mda.model import Position, VesselStatic
from mda.settings.feeds import parse_feeds
from tests.feed_kit import decoded, feed_set, feed_step
from tests.nmea import encode, position, static, tag_block

T0 = 1_767_225_600  # 2026-01-01T00:00:00Z


def stamped(sentence: bytes, t: int, station: str = "rx-secret-7") -> bytes:
    return tag_block(b"s:%s,c:%d" % (station.encode(), t)) + sentence


def nmea_feed(**spec: Any) -> FeedSet:
    settings = {"formats": ["nmea"], "bbox": [38.0, 20.0, 40.0, 22.0]}
    return feed_set(parse_feeds({"p": {**settings, **spec}}, "feeds.toml", Path()))


def run(feeds: FeedSet, lines: list[bytes]) -> list[bytes]:
    """Frame and decode like the pipeline, then ask the feed for its sentences."""
    records, messages = decoded(lines)
    positions = [r for r in records if isinstance(r, Position)]
    statics = [r for r in records if isinstance(r, VesselStatic)]
    (release,) = feed_step(feeds, positions, statics, [], float(T0), messages)
    return release.nmea


def test_the_ingestor_hands_on_each_decoded_messages_sentences_with_its_mmsi_and_type() -> None:
    first, second = static(366_000_001, ship_type=70)
    (binary,) = encode({"type": 8, "mmsi": 366_000_003, "data": b"\x01\x02"})
    lines = [stamped(position(366_000_002, lat=21.0, lon=39.0), T0), stamped(binary, T0),
             stamped(first, T0 + 1), stamped(second, T0 + 1)]  # fmt: skip
    kept: list[RawMessage] = []
    Ingestor().ingest_chunks([(lines, "here", None)], kept)
    assert kept == [
        RawMessage(366_000_002, 1, float(T0), (lines[0],)),
        RawMessage(366_000_001, 5, float(T0 + 1), (lines[2], lines[3])),
    ]  # the binary message decodes into no record, so it is not handed on


def test_sentences_of_vessels_in_the_partners_waters_go_unaltered() -> None:
    inside = position(366_000_001, lat=21.0, lon=39.0)
    outside = position(366_000_002, lat=25.0, lon=39.0)
    out = run(nmea_feed(), [stamped(inside, T0), stamped(outside, T0)])
    assert out == [tag_block(b"c:%d" % T0) + inside]


def test_the_receivers_tag_block_and_trailing_fields_are_not_passed_on() -> None:
    sentence = position(366_000_001, lat=21.0, lon=39.0)
    (line,) = run(nmea_feed(), [stamped(sentence, T0) + b",s1234,d-97,T12.5,1767225600"])
    assert b"rx-secret-7" not in line and b"s1234" not in line
    assert bare_sentence(line) == sentence


def test_a_multi_sentence_static_keeps_its_sentences_and_is_grouped() -> None:
    first, second = static(366_000_001, ship_type=70)
    lines = [stamped(position(366_000_001, lat=21.0, lon=39.0), T0),
             stamped(first, T0 + 1), stamped(second, T0 + 1)]  # fmt: skip
    out = run(nmea_feed(), lines)
    assert [bare_sentence(line) for line in out[1:]] == [first, second]
    assert out[1].startswith(tag_block(b"c:%d,g:1-2-1" % (T0 + 1)))
    assert out[2].startswith(tag_block(b"c:%d,g:2-2-1" % (T0 + 1)))


def test_statics_follow_the_vessels_last_fix_and_the_never_share_list() -> None:
    listed = static(366_000_009, seq_id=4, imo=9_000_009)
    away = static(366_000_002, seq_id=5)
    lines = [stamped(position(366_000_009, lat=21.0, lon=39.0), T0),
             stamped(position(366_000_002, lat=25.0, lon=39.0), T0),
             *(stamped(s, T0) for s in listed + away)]  # fmt: skip
    assert run(nmea_feed(never_share={"imo": [9_000_009]}), lines) == []


def test_base_stations_and_binary_messages_are_not_shared() -> None:
    (station,) = encode({"type": 4, "mmsi": 2_655_000, "lat": 21.0, "lon": 39.0})
    (binary,) = encode({"type": 8, "mmsi": 366_000_001, "data": b"\x01\x02"})
    assert run(nmea_feed(bbox=None), [stamped(station, T0), stamped(binary, T0)]) == []


def test_what_a_partner_receives_decodes_to_the_same_records() -> None:
    lines = [stamped(position(366_000_001, lat=21.25, lon=39.5), T0),
             *(stamped(s, T0 + 2) for s in static(366_000_001)),
             stamped(position(366_000_001, lat=21.26, lon=39.51, second=40), T0 + 10)]  # fmt: skip
    out = run(nmea_feed(), lines)
    ours = Ingestor().ingest_all(lines, "here")
    theirs = Ingestor().ingest_all(out, "partner")
    assert [r._replace(source="", receivers=()) for r in theirs] == [
        r._replace(source="", receivers=()) for r in ours
    ]
