"""Parsed tag blocks are remembered by their text: the same result as parsing, per line counts
kept, the memory bounded."""

from __future__ import annotations

from mda.ingest.framing import Framer
from mda.ingest.nmea import TagBlockCache, parse_tag_block
from tests.nmea import position, tag_block

REPORT = position()


def test_a_remembered_tag_block_is_the_parsed_one() -> None:
    cache = TagBlockCache()
    texts = [b"s:rx1,c:1700000000*00", b"g:1-2-42,c:1700000000", b"c:12415440354", b"s:rx1"]
    for text in texts + texts:
        assert cache.parse(text) == parse_tag_block(text)


def test_every_line_with_a_remembered_bad_tag_block_is_counted() -> None:
    framer = Framer(duplicate_window_s=None)
    line = tag_block(b"s:rx1,c:12415440354", good=False) + REPORT
    assert len(framer.frame([line, line, line], "feed", 1_700_000_000.0)) == 3
    assert framer.stats.tag_block_bad_checksum == 3
    assert framer.stats.bad_time == 3


def test_the_memory_is_bounded() -> None:
    cache = TagBlockCache()
    for t in range(3 * TagBlockCache.MAX_REMEMBERED):
        cache.parse(b"c:%d" % (1_700_000_000 + t))
        assert len(cache._parsed) <= TagBlockCache.MAX_REMEMBERED
