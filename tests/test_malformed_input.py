"""Malformed input is counted and reported, never decoded into a wrong record.

Each case is a list of lines and the counters it must move (every other counter stays zero),
with the number of records that may come out of it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from mda.ingest.core import Ingestor
from mda.ingest.stats import IngestStats
from tests.nmea import checksummed, position, static, tag_block, three_part, with_payload

GOOD = position()
GOOD_PAYLOAD = GOOD.split(b",")[5]
STATIC_1, STATIC_2 = static()
OTHER_STATIC_1, OTHER_STATIC_2 = static(mmsi=636012345, shipname="OTHER")


@dataclass
class Case:
    name: str
    lines: list[bytes]
    counts: dict[str, int]
    records: int = 0


def flip_checksum(sentence: bytes) -> bytes:
    star = sentence.rindex(b"*")
    wrong = int(sentence[star + 1 : star + 3], 16) ^ 0x01
    return sentence[: star + 1] + b"%02X" % wrong


CASES = [
    Case("bad checksum", [flip_checksum(GOOD)], {"bad_checksum": 1}),
    Case("missing checksum", [GOOD[: GOOD.rindex(b"*")]], {"missing_checksum": 1}),
    Case(
        "checksum field not hex", [GOOD[: GOOD.rindex(b"*") + 1] + b"ZZ"], {"missing_checksum": 1}
    ),
    Case("truncated mid-payload", [GOOD[:25]], {"missing_checksum": 1}),
    Case(
        "truncated payload, checksum recomputed",
        [with_payload(GOOD, GOOD_PAYLOAD[:12])],
        {"sentences": 1, "messages": 1, "short_payload": 1},
    ),
    Case(
        "fill bits out of range",
        [with_payload(GOOD, GOOD_PAYLOAD, b"7")],
        {"malformed_sentence": 1},
    ),
    Case(
        "fill bits not a digit",
        [with_payload(GOOD, GOOD_PAYLOAD, b"x")],
        {"malformed_sentence": 1},
    ),
    Case(
        "fill bits that leave too few bits",
        # 24 characters = 144 bits, minus 5 fill bits: 139 < 143 needed for a class A report
        [with_payload(GOOD, GOOD_PAYLOAD[:24], b"5")],
        {"sentences": 1, "messages": 1, "short_payload": 1},
    ),
    Case(
        "unknown message type 28",
        [with_payload(GOOD, b"L" + GOOD_PAYLOAD[1:])],
        {"sentences": 1, "messages": 1, "unknown_type": 1},
    ),
    Case(
        "message type 0",
        [with_payload(GOOD, b"0" + GOOD_PAYLOAD[1:])],
        {"sentences": 1, "messages": 1, "unknown_type": 1},
    ),
    Case(
        "empty payload",
        [checksummed(b"AIVDM,1,1,,B,,0")],
        {"sentences": 1, "messages": 1, "invalid_payload": 1},
    ),
    Case(
        "NUL byte in payload",
        [with_payload(GOOD, GOOD_PAYLOAD[:10] + b"\x00" + GOOD_PAYLOAD[11:])],
        {"sentences": 1, "messages": 1, "invalid_payload": 1},
    ),
    Case(
        "character outside the armour in payload",
        [with_payload(GOOD, GOOD_PAYLOAD[:10] + b"X" + GOOD_PAYLOAD[11:])],
        {"sentences": 1, "messages": 1, "invalid_payload": 1},
    ),
    Case(
        "non-ASCII byte with a matching checksum",
        [with_payload(GOOD, GOOD_PAYLOAD[:10] + "é".encode() + GOOD_PAYLOAD[12:])],
        {"non_ascii": 1},
    ),
    Case("absurdly long line", [GOOD + b"," + b"9" * 5000], {"too_long": 1}),
    Case(
        "sentence with too few fields",
        [checksummed(b"AIVDM,1,1,,A," + GOOD_PAYLOAD)],
        {"malformed_sentence": 1},
    ),
    Case(
        "fragment number above fragment count",
        [checksummed(b"AIVDM,1,2,,A," + GOOD_PAYLOAD + b",0")],
        {"malformed_sentence": 1},
    ),
    Case(
        "channel of two letters",
        [checksummed(b"AIVDM,1,1,,AB," + GOOD_PAYLOAD + b",0")],
        {"malformed_sentence": 1},
    ),
    Case(
        "missing last fragment",
        [STATIC_1],
        {"sentences": 1, "expired_fragments": 1},
    ),
    Case(
        "orphan second fragment",
        [STATIC_2],
        {"sentences": 1, "orphan_fragments": 1},
    ),
    Case(
        "duplicate fragment",
        [STATIC_1, STATIC_1, STATIC_2],
        {"sentences": 3, "messages": 1, "duplicate_fragments": 1},
        records=1,
    ),
    Case(
        "fragments out of order (second first)",
        [STATIC_2, STATIC_1],
        {"sentences": 2, "orphan_fragments": 1, "expired_fragments": 1},
    ),
    Case(
        "three fragments in the order 1, 3, 2",
        [three_part()[0], three_part()[2], three_part()[1]],
        {"sentences": 3, "messages": 1, "out_of_order_fragments": 1},
    ),
    Case(
        "two messages interleaved on the same sequence id are never glued",
        [STATIC_1, OTHER_STATIC_1, OTHER_STATIC_2],
        {"sentences": 3, "messages": 1, "orphan_fragments": 1},
        records=1,
    ),
    Case(
        "fragment counts that disagree",
        [STATIC_1, checksummed(STATIC_2[1:].split(b"*")[0].replace(b"AIVDM,2,2", b"AIVDM,3,2"))],
        {"sentences": 2, "orphan_fragments": 2},
    ),
    Case(
        "tag block without its closing backslash",
        [b"\\c:1700000000*55" + GOOD],
        {"bad_tag_block": 1},
    ),
    Case(
        "tag block with a bad checksum (time still used)",
        [tag_block(b"c:1700000000", good=False) + GOOD],
        {"sentences": 1, "messages": 1, "tag_block_bad_checksum": 1},
        records=1,
    ),
    Case(
        "tag block with an implausible time",
        [tag_block(b"c:12415440354") + GOOD],
        {"sentences": 1, "messages": 1, "bad_time": 1},
        records=1,
    ),
    Case("blank line and comment", [b"", b"   ", b"# a comment"], {"junk_lines": 3}),
    Case("text that is not NMEA", [b"IamNotAnAisMessage1111"], {"junk_lines": 1}),
    Case(
        "other NMEA with a valid checksum",
        [checksummed(b"GPGLL,4916.45,N", b"$")],
        {"other_nmea": 1},
    ),
    Case("broken JSON", [b'{"class":"AIS","type":1,'], {"bad_json": 1}),
    Case(
        "latitude beyond the pole",
        [position(lat=100.0)],
        {"sentences": 1, "messages": 1, "rejected:position": 1},
        records=1,
    ),
    Case(
        "heading out of range",
        [position(heading=400)],
        {"sentences": 1, "messages": 1, "rejected:heading": 1},
        records=1,
    ),
    Case(
        "the same sentence from two receivers",
        [tag_block(b"s:rx1,c:1700000000") + GOOD, tag_block(b"s:rx2,c:1700000001") + GOOD],
        {"sentences": 2, "messages": 2, "duplicates": 1},
        records=1,
    ),
]


def moved(stats: IngestStats) -> dict[str, int]:
    out = {k: v for k, v in stats.as_dict().items() if isinstance(v, int) and v}
    out.pop("lines")
    out.pop("records", None)
    out.pop("untimed", None)  # these lines carry no time: each record is counted as untimed
    for name, n in stats.rejected_values.items():
        out[f"rejected:{name}"] = n
    return out


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_malformed_input_is_counted_and_never_decoded_wrongly(case: Case) -> None:
    ingestor = Ingestor()
    records = ingestor.ingest(case.lines, "test")
    records += ingestor.finish()
    assert moved(ingestor.stats) == case.counts
    assert len(records) == case.records
    assert ingestor.stats.lines == len(case.lines)


def test_the_table_covers_at_least_twenty_kinds() -> None:
    assert len(CASES) >= 20


def test_rejected_values_leave_a_record_with_null_fields() -> None:
    (record,) = Ingestor().ingest_all([position(lat=100.0, heading=400)], "test")
    assert (record.lat, record.lon, record.heading) == (None, None, None)  # type: ignore[union-attr]
    assert record.sog == 12.3  # type: ignore[union-attr]


def test_two_receivers_are_both_kept_on_the_one_record() -> None:
    ingestor = Ingestor()
    (record,) = ingestor.ingest(
        [tag_block(b"s:rx1,c:1700000000") + GOOD, tag_block(b"s:rx2,c:1700000001") + GOOD], "test"
    ) + ingestor.finish()  # (a first record waits for its clock to be known: the end of input)
    assert record.receivers == ["rx1", "rx2"]
    assert record.source == "rx1"
