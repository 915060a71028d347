"""Where the shared real data lives (read in place, never copied into the repository)."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

SHARED_DATA = Path(
    os.environ.get("MDA_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)
AIS = SHARED_DATA / "ais"


def shared(relative: str) -> Path:
    """A file of the shared data set; fails loudly (not a skip) when it is missing."""
    path = SHARED_DATA / relative
    if not path.exists():
        raise FileNotFoundError(
            f"shared test data missing: {path} (set MDA_SHARED_DATA to the shared/data folder)"
        )
    return path


def read_lines(path: Path) -> list[bytes]:
    """Lines of a recording, plain or gzip."""
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return data.split(b"\n")


# Every NMEA recording of the shared set, relative to its ais/ folder.
NMEA_RECORDINGS = (
    "AisLib/decode_encode_messages.txt",
    "AisLib/small_cb_example.txt",
    "AisLib/stream_example.txt",
    "OpenCPN/Go_to_Guernesey.txt",
    "OpenCPN/stupan.se-10112-tcp.log",
    "docker-gpsd-timestamp/norwegian.raw",
    "gpsd/ais-18-27.log",
    "gpsd/ais_unpack_sixbit.log",
    "gpsd/sample.aivdm",
    "libais/tagblock.nmea",
    "libais/test.aivdm",
    "libais/typeexamples.nmea",
    "pyais/ais_test_messages",
    "pyais/messages.ais",
    "pyais/mixed.txt",
    "pyais/nmea_data_sample.txt",
    "pyais/timestamped.ais",
    "risky/ais.txt.gz",
    "risky/exact-earth-augmented.txt",
    "risky/exact-earth-with-tag-block.txt",
    "risky/nmea-timestamped.txt",
    "signalk-server/gofree-merrimac.log",
    "signalk-server/nais300-merrimac.log",
)
