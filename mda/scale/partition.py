"""Which partition a vessel's messages go to, and the NATS subjects that carry them.

Gateways publish to ``mda.ais.in.<mmsi>``; a subject mapping on the NATS server,
``{{partition(N,1)}}``, moves each message to ``mda.ais.p.<k>.<mmsi>``. Where the server has no
such mapping (a shared server whose configuration we do not own), the gateway publishes to the
partition subject itself, so ``partition_of`` must agree with nats-server bit for bit: it is
FNV-1a (32 bit) over the token's bytes, modulo N. tests/test_scale_partition.py checks that
against a real server.
"""

from __future__ import annotations

INPUT_SUBJECT_PREFIX = "mda.ais.in"
PARTITION_SUBJECT_PREFIX = "mda.ais.p"
# The JetStream stream that stores every partition.
STREAM_NAME = "MDA_AIS"
STREAM_SUBJECT = f"{PARTITION_SUBJECT_PREFIX}.>"

# FNV-1a, 32 bit (the parameters Go's hash/fnv.New32a uses, which nats-server calls).
_FNV32_OFFSET = 0x811C9DC5
_FNV32_PRIME = 0x01000193
_MASK32 = 0xFFFFFFFF


def _fnv1a_32(data: bytes) -> int:
    h = _FNV32_OFFSET
    for byte in data:
        h = ((h ^ byte) * _FNV32_PRIME) & _MASK32
    return h


def mmsi_token(mmsi: int) -> str:
    """The subject token for an MMSI: its decimal digits (``0`` when unknown)."""
    if mmsi < 0:
        raise ValueError(f"MMSI must not be negative: {mmsi}")
    return str(mmsi)


def partition_of(mmsi: int, partitions: int) -> int:
    """The partition nats-server's ``{{partition(partitions,1)}}`` gives ``mda.ais.in.<mmsi>``."""
    if partitions < 1:
        raise ValueError(f"partitions must be at least 1: {partitions}")
    return _fnv1a_32(mmsi_token(mmsi).encode("ascii")) % partitions


def input_subject(mmsi: int) -> str:
    """Where a gateway publishes when the server maps subjects to partitions."""
    return f"{INPUT_SUBJECT_PREFIX}.{mmsi_token(mmsi)}"


def partition_subject(k: int, mmsi: int) -> str:
    """Where a message of partition ``k`` is stored (and where a gateway publishes without a
    server-side mapping)."""
    return f"{PARTITION_SUBJECT_PREFIX}.{k}.{mmsi_token(mmsi)}"


def partition_filter(k: int) -> str:
    """The subject filter of a consumer that reads partition ``k``."""
    return f"{PARTITION_SUBJECT_PREFIX}.{k}.*"
