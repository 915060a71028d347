"""The duplicate filter keeps the first copy of a payload heard within the window, in any batch,
and gives it the receivers of the later copies; it remembers payloads by fingerprint only."""

from __future__ import annotations

from mda.ingest.framing import Framer
from tests.nmea import position, tag_block

REPORT = position()
OTHER = position(mmsi=366000002)


def heard(station: bytes, t: int, sentence: bytes = REPORT) -> bytes:
    return tag_block(b"s:%s,c:%d" % (station, t)) + sentence


def test_a_copy_in_a_later_batch_adds_its_receiver_to_the_first_message() -> None:
    framer = Framer()
    (first,) = framer.frame([heard(b"rx1", 1_700_000_000)], "feed")
    assert framer.frame([heard(b"rx2", 1_700_000_009), heard(b"rx1", 1_700_000_010)], "feed") == []
    assert first.receivers == ["rx1", "rx2"]
    assert framer.stats.duplicates == 2


def test_the_same_payload_beyond_the_window_is_a_new_message() -> None:
    framer = Framer()
    lines = [heard(b"rx1", 1_700_000_000), heard(b"rx2", 1_700_000_011)]
    assert [m.source for m in framer.frame(lines, "feed")] == ["rx1", "rx2"]
    assert framer.stats.duplicates == 0


def test_a_copy_is_found_across_a_rotation_of_the_window() -> None:
    framer = Framer()
    lines = [heard(b"rx1", 1_700_000_000), heard(b"rx1", 1_700_000_008, OTHER),
             heard(b"rx1", 1_700_000_012), heard(b"rx2", 1_700_000_016, OTHER)]  # fmt: skip
    kept = framer.frame(lines, "feed")
    assert [(m.time, m.receivers) for m in kept] == [
        (1_700_000_000, ["rx1"]), (1_700_000_008, ["rx1", "rx2"]), (1_700_000_012, ["rx1"]),
    ]  # fmt: skip


def test_the_filter_holds_neither_the_payload_nor_the_message() -> None:
    framer = Framer()
    (message,) = framer.frame([heard(b"rx1", 1_700_000_000)], "feed")
    dedup = framer._dedup
    assert dedup is not None
    (held,) = dedup._current.items()
    key, (t, receivers) = held
    assert len(key) == 8 and key != message.payload
    assert t == message.time and receivers is message.receivers
