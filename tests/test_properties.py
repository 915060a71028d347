"""Properties: whatever arrives, ingest never raises and never yields an out-of-range record."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mda.ingest.core import Ingestor
from mda.ingest.sixbit import ARMOUR
from mda.model import Position, Record, VesselStatic
from tests.nmea import checksummed, tag_block

SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_valid(records: list[Record]) -> None:
    for r in records:
        assert 0 <= r.mmsi < 2**30
        assert 1 <= r.msg_type <= 27
        assert r.time is None or 788918400 <= r.time < 4102444800
        if isinstance(r, Position):
            assert (r.lat is None) == (r.lon is None)
            assert r.lat is None or -90 <= r.lat <= 90
            assert r.lon is None or -180 <= r.lon <= 180
            assert r.sog is None or 0 <= r.sog <= (1022 if r.kind == "sar_aircraft" else 102.2)
            assert r.cog is None or 0 <= r.cog < 360
            assert r.heading is None or 0 <= r.heading < 360
            assert r.nav_status is None or 0 <= r.nav_status <= 14
            assert r.second is None or 0 <= r.second < 60
            assert r.rot_raw is None or -127 <= r.rot_raw <= 127
        else:
            assert isinstance(r, VesselStatic)
            assert r.imo is None or 1_000_000 <= r.imo <= 9_999_999
            for text in (r.shipname, r.callsign, r.destination):
                assert text is None or (text and "@" not in text and text == text.rstrip())


@SETTINGS
@given(st.lists(st.binary(max_size=200), max_size=20))
def test_arbitrary_bytes_never_raise(lines: list[bytes]) -> None:
    ingestor = Ingestor()
    assert_valid(ingestor.ingest(lines, "fuzz", 1_700_000_000.0))
    assert_valid(ingestor.finish())


armour = st.binary(max_size=90).map(lambda b: bytes(ARMOUR[x % 64] for x in b))


@st.composite
def sentences(draw: st.DrawFn) -> bytes:
    """Sentences with valid checksums around random payloads: they reach the decoders."""
    total = draw(st.integers(1, 3))
    num = draw(st.integers(1, total))
    seq = draw(st.sampled_from([b"", b"1", b"7"]))
    channel = draw(st.sampled_from([b"A", b"B", b""]))
    payload = draw(armour)
    fill = draw(st.integers(0, 5))
    body = b"AIVDM,%d,%d,%s,%s,%s,%d" % (total, num, seq, channel, payload, fill)
    line = checksummed(body)
    if draw(st.booleans()):
        line = (
            tag_block(b"c:%d,s:rx%d" % (draw(st.integers(0, 2**40)), draw(st.integers(0, 3))))
            + line
        )
    return line


@SETTINGS
@given(st.lists(sentences(), max_size=30))
def test_checksummed_random_payloads_decode_into_valid_records(lines: list[bytes]) -> None:
    ingestor = Ingestor()
    assert_valid(ingestor.ingest(lines, "fuzz"))
    assert_valid(ingestor.finish())


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=10,
)


@SETTINGS
@given(
    st.fixed_dictionaries(
        {"class": st.just("AIS"), "type": st.integers(0, 30), "mmsi": st.integers(0, 2**30 - 1)},
        optional={
            "scaled": st.booleans(),
            "lat": json_values,
            "lon": json_values,
            "speed": json_values,
            "course": json_values,
            "heading": json_values,
            "turn": json_values,
            "status": json_values,
            "shipname": json_values,
            "eta": json_values,
            "imo": json_values,
            "nmea": json_values,
            "rxuxtime": json_values,
        },
    )
)
def test_json_objects_never_raise(obj: dict[str, object]) -> None:
    line = json.dumps(obj, allow_nan=True).encode()
    assert_valid(Ingestor().ingest([line], "fuzz"))
