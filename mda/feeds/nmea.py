"""Raw NMEA for partners: the sentences of the messages of vessels they may see, unaltered.

Framing keeps every message's sentences exactly as received (``AisMessage.raws``); the ingestor
hands those of the messages it decoded on with their MMSI and type (``RawMessage``). A partner
gets each sentence byte for byte from ``!`` through its checksum. What surrounds it is
rewritten: the receiver's tag block and trailing fields name mda's receiving stations, so they
are replaced by a tag block of mda's own with the event time (``c:``, Unix seconds) and, for
messages of several sentences, the NMEA 4.0 group (``g:<n>-<total>-<id>``).

Only vessels' own messages are shared: position reports (types 1, 2, 3, 18, 19, 27) and static
reports (5, 24). Base stations, aids to navigation, SAR aircraft and binary messages are not.
"""

from __future__ import annotations

from typing import Final

from mda.ingest.nmea import tag_block

POSITION_TYPES: Final = frozenset((1, 2, 3, 18, 19, 27))
STATIC_TYPES: Final = frozenset((5, 24))
SHARED_TYPES: Final = POSITION_TYPES | STATIC_TYPES
GROUP_IDS: Final = 10_000  # group ids cycle through 1..9999


def bare_sentence(raw: bytes) -> bytes | None:
    """The ``!...*hh`` sentence of a received line, without tag block or trailing fields;
    None for a line that is not an NMEA sentence (a JSON feed's object)."""
    start = raw.rfind(b"\\") + 1 if raw.startswith(b"\\") else 0
    star = raw.rfind(b"*")
    if star < start or raw[start : start + 1] != b"!" or len(raw) < star + 3:
        return None
    return raw[start : star + 3]


def tagged_sentences(sentences: list[bytes], time: float | None, group: int) -> list[bytes]:
    """The sentences of one message, each behind mda's tag block."""
    stamp = [] if time is None else [b"c:%d" % int(time)]
    if len(sentences) == 1:
        return [tag_block(stamp) + sentences[0] if stamp else sentences[0]]
    total = len(sentences)
    return [
        tag_block([*stamp, b"g:%d-%d-%d" % (n, total, group)]) + sentence
        for n, sentence in enumerate(sentences, start=1)
    ]
