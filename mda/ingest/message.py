"""The unit framing hands to decoding: one complete AIS message and where it came from."""

from __future__ import annotations

from dataclasses import dataclass, field

from mda.model import Record


@dataclass(slots=True)
class AisMessage:
    """One complete AIS message: payload, event time, and who heard it."""

    time: float | None
    source: str  # receiving station when the feed names one, else the feed
    payload: bytes
    fill: int
    raws: list[bytes]  # the sentences exactly as received, tag blocks included
    receivers: list[str] = field(default_factory=list)
    # Set when the feed delivered an already decoded message (gpsd JSON) instead of NMEA.
    decoded: Record | None = None
