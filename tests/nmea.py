"""Helpers to write NMEA test input: checksums, tag blocks, and pyais-encoded payloads."""

from __future__ import annotations

from functools import reduce
from operator import xor
from typing import Any

from pyais.encode import encode_dict


def checksummed(body: bytes, delimiter: bytes = b"!") -> bytes:
    """``!body*hh`` with the right checksum."""
    return delimiter + body + b"*%02X" % reduce(xor, body, 0)


def tag_block(content: bytes, *, good: bool = True) -> bytes:
    """``\\content*hh\\`` with a right (or deliberately wrong) checksum."""
    cs = reduce(xor, content, 0) ^ (0 if good else 0xFF)
    return b"\\" + content + b"*%02X\\" % cs


def encode(fields: dict[str, Any], seq_id: int = 0, channel: str = "A") -> list[bytes]:
    """Sentences for one AIS message encoded by pyais (as a receiver would emit them)."""
    return [
        s.encode()
        for s in encode_dict(
            fields, talker_id="AI", sentence_type="VDM", seq_id=seq_id, radio_channel=channel
        )
    ]


def position(mmsi: int = 366053209, **fields: Any) -> bytes:
    """One type 1 sentence; defaults describe a vessel under way in the Red Sea."""
    base = {"type": 1, "mmsi": mmsi, "lat": 21.5, "lon": 39.1, "speed": 12.3, "course": 150.0,
            "heading": 148, "second": 30}  # fmt: skip
    return encode({**base, **fields})[0]


def static(mmsi: int = 366053209, seq_id: int = 3, **fields: Any) -> list[bytes]:
    """The two sentences of a type 5 static report."""
    base = {"type": 5, "mmsi": mmsi, "shipname": "DHOW STAR", "callsign": "HZAB1",
            "imo": 9134270, "ship_type": 70, "destination": "JEDDAH"}  # fmt: skip
    return encode({**base, **fields}, seq_id=seq_id)


def with_payload(sentence: bytes, payload: bytes, fill: bytes = b"0") -> bytes:
    """The same sentence with another payload and fill, checksum recomputed."""
    fields = sentence[1 : sentence.rindex(b"*")].split(b",")
    fields[5] = payload
    fields[6] = fill
    return checksummed(b",".join(fields))


def three_part(mmsi: int = 366053209) -> list[bytes]:
    """A real three-sentence type 8 message split by hand (types 6/8 are counted, not decoded)."""
    payload = b"8" + b"5M67FP" + b"0" * 60  # type 8, 66 characters
    parts = [payload[0:22], payload[22:44], payload[44:66]]
    return [checksummed(b"AIVDM,3,%d,7,A,%s,0" % (i + 1, p)) for i, p in enumerate(parts)]


_ARMOUR = bytes(range(0x30, 0x58)) + bytes(range(0x60, 0x78))


def patched(sentences: list[bytes], offset: int, width: int, value: int) -> list[bytes]:
    """The same message with ``width`` bits at ``offset`` set to ``value`` (to write codes an
    encoder would refuse, as a real transponder may send them)."""
    fields = [s[1 : s.rindex(b"*")].split(b",") for s in sentences]
    payload = b"".join(f[5] for f in fields)
    nbits = 6 * len(payload)
    v = 0
    for c in payload:
        v = (v << 6) | _ARMOUR.index(c)
    shift = nbits - offset - width
    v = (v & ~(((1 << width) - 1) << shift)) | (value << shift)
    chars = bytes(_ARMOUR[(v >> (nbits - 6 * (i + 1))) & 0x3F] for i in range(len(payload)))
    out, pos = [], 0
    for f in fields:
        f[5], pos = chars[pos : pos + len(f[5])], pos + len(f[5])
        out.append(checksummed(b",".join(f)))
    return out
