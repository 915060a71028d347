"""The unit framing hands to decoding: one complete AIS message and where it came from."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from mda.model import Record


class AisMessage(NamedTuple):
    """One complete AIS message: payload, event time, and who heard it.

    A named tuple so that framing can build one per sentence with ``tuple.__new__`` in C.
    """

    time: float | None
    source: str  # receiving station when the feed names one, else the feed
    payload: bytes
    fill: int
    raws: tuple[bytes, ...]  # the sentences exactly as received, tag blocks included
    receivers: list[str]  # who heard it: the source, then receivers of suppressed copies
    # Set when the feed delivered an already decoded message (gpsd JSON) instead of NMEA.
    decoded: Record | None = None
    # Which clock gave ``time`` (``mda.ingest.clocks``), and the next clock the sentence
    # carried, if any: the clock judge checks both against the message's own UTC second.
    clock: str | None = None
    alt_time: float | None = None
    alt_clock: str | None = None


class RawMessage(NamedTuple):
    """A decoded message's sentences exactly as received, with the MMSI and type its decoding
    found: what raw NMEA partner feeds pass on, without decoding the payload again."""

    mmsi: int
    msg_type: int
    time: float | None  # the message's own time (its sentences' tag block), not the judged one
    raws: tuple[bytes, ...]


def raw_messages(
    messages: Sequence[AisMessage], records: Sequence[Record], origins: Sequence[int]
) -> list[RawMessage]:
    """The messages that decoded into records (``origins[i]``: the message of ``records[i]``),
    each once, named by its first record; messages that did not decode are left out."""
    out: list[RawMessage] = []
    last = -1
    for record, at in zip(records, origins, strict=True):
        if at != last:
            m = messages[at]
            out.append(RawMessage(record.mmsi, record.msg_type, m.time, m.raws))
            last = at
    return out
