"""The unit framing hands to decoding: one complete AIS message and where it came from."""

from __future__ import annotations

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
