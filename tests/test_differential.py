"""The fast position decoders against pyais, the oracle, on every message of every recording.

Three decoders must agree record for record: pyais for everything (``fast=False``), the scalar
fast layouts (``vectorise=False``) and the batch decoder used in production.
"""

from __future__ import annotations

import pytest

from mda.ingest.decode import Decoder
from mda.ingest.framing import Framer
from mda.ingest.stats import IngestStats
from tests.data import AIS, NMEA_RECORDINGS, read_lines


@pytest.mark.parametrize("rel", NMEA_RECORDINGS)
def test_fast_paths_agree_with_pyais(rel: str) -> None:
    messages = Framer(duplicate_window_s=None).frame(read_lines(AIS / rel), rel)
    oracle, scalar, batch = IngestStats(), IngestStats(), IngestStats()
    expected = Decoder(oracle, fast=False).decode(messages)
    assert Decoder(scalar, vectorise=False).decode(messages) == expected
    assert Decoder(batch).decode(messages) == expected
    assert scalar.as_dict() == oracle.as_dict() == batch.as_dict()


def test_the_comparison_covers_every_fast_type() -> None:
    types: set[int] = set()
    total = 0
    for rel in NMEA_RECORDINGS:
        messages = Framer(duplicate_window_s=None).frame(read_lines(AIS / rel), rel)
        records = Decoder().decode(messages)
        types |= {r.msg_type for r in records}
        total += len(records)
    assert {1, 2, 3, 4, 18, 27} <= types
    assert total > 60_000
