"""Multi-sentence reassembly: keys, expiry by event time, the bound on held fragments."""

from __future__ import annotations

from mda.ingest.core import Ingestor
from mda.ingest.framing import Framer
from mda.model import VesselStatic
from tests.nmea import patched, static, tag_block


def stamped(sentence: bytes, t: int, station: str = "rx1") -> bytes:
    return tag_block(f"s:{station},c:{t}".encode()) + sentence


def test_fragments_from_different_stations_are_not_glued() -> None:
    a1, a2 = static(mmsi=211000001)
    b1, b2 = static(mmsi=211000002)  # same sequence id and channel
    ingestor = Ingestor()
    records = ingestor.ingest_all(
        [stamped(a1, 1_700_000_000, "rx1"), stamped(b1, 1_700_000_000, "rx2"),
         stamped(b2, 1_700_000_000, "rx2"), stamped(a2, 1_700_000_001, "rx1")],
        "aggregator",
    )  # fmt: skip
    assert sorted(r.mmsi for r in records) == [211000001, 211000002]
    assert ingestor.stats.orphan_fragments == 0


def test_a_first_fragment_expires_by_event_time() -> None:
    first, second = static()
    ingestor = Ingestor()
    ingestor.ingest([stamped(first, 1_700_000_000)], "feed")
    # The rest of the feed moves on by more than the timeout before the second fragment.
    later = static(mmsi=211000009, seq_id=5)
    ingestor.ingest([stamped(s, 1_700_000_030) for s in later], "feed")
    records = ingestor.ingest([stamped(second, 1_700_000_031)], "feed")
    assert records == []
    assert ingestor.stats.expired_fragments == 1
    assert ingestor.stats.orphan_fragments == 1


def test_held_fragments_are_bounded_and_the_oldest_evicted() -> None:
    framer = Framer(max_held_fragments=10)
    lines = [static(mmsi=211000000 + i, seq_id=i % 10)[0] for i in range(10)]
    lines += [stamped(static(mmsi=212000000)[0], 1_700_000_000, "other")]
    framer.frame(lines, "feed")
    assert framer.held_fragments == 10
    assert framer.stats.evicted_fragments == 1


def test_group_from_the_tag_block_joins_fragments_whose_later_parts_name_no_station() -> None:
    """Satellite feeds send the station and time on the first sentence of a group only."""
    first, second = static()
    lines = [
        tag_block(b"g:1-2-3985,s:rEV02,c:1334337317") + first,
        tag_block(b"g:2-2-3985") + second,
    ]
    (record,) = Ingestor().ingest_all(lines, "exactearth")
    assert isinstance(record, VesselStatic)
    assert (record.source, record.time) == ("rEV02", 1334337317)


def test_ship_type_and_epfd_codes_are_kept_raw() -> None:
    """pyais maps unknown codes onto a default member; mda keeps what was transmitted."""
    lines = patched(patched(static(), 232, 8, 255), 270, 4, 14)  # ship type 255, EPFD 14
    (record,) = Ingestor().ingest_all(lines, "feed")
    assert isinstance(record, VesselStatic)
    assert (record.ship_type, record.epfd) == (255, 14)
