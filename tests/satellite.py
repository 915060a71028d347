"""A satellite-style recording with two clocks, made from a real terrestrial one.

Satellite AIS reaches a centre in downlink passes: a provider's forwarder writes each pass's
sentences minutes to hours after they were sent, with its own arrival stamp after the checksum;
some sentences also come wrapped by a Gatehouse ``$PGHP`` line holding the time the satellite
heard them (exactEarth's feed, ../shared/data/ais/risky/exact-earth-augmented.txt, has both,
the wrapper running a constant 80 s behind the messages' own UTC seconds and the stamp 21 to
113 minutes behind the wrapper). This module rebuilds that form from a real recording whose
true transmission times are known (a sailing boat's log of English Channel traffic, ferries and
ships in the lanes, timed by the boat's GPS):

- messages are grouped into passes of ``PASS_S`` of transmission time; each pass is written
  ``lag`` later, drawn per pass between 21 and 113 minutes, plus a few seconds per sentence;
- a share of the sentences get a ``$PGHP`` wrapper with their transmission time less
  ``WRAPPER_BEHIND_S``; every sentence gets the arrival stamp in milliseconds;
- lines are written in arrival order, as the forwarder wrote them.

Deterministic by seed. The true time of every message is returned beside the lines.
"""

from __future__ import annotations

import calendar
import random
import time as _time
from dataclasses import dataclass
from functools import reduce
from operator import xor

from mda.ingest.clocks import residual, snapped
from mda.ingest.decode import Decoder
from mda.ingest.framing import Framer
from mda.model import Position
from tests.data import AIS, read_lines

SOURCE = "OpenCPN/Go_to_Guernesey.txt"  # English Channel traffic, timed by the boat's GPS
SKIP_S = 6 * 3600.0  # from six hours after its first timed report (the boat in the lanes) ...
WINDOW_S = 3 * 3600.0  # ... three hours
PASS_S = 600.0
LAG_MIN_S, LAG_MAX_S = 21 * 60.0, 113 * 60.0
WRAPPED_SHARE = 0.5
WRAPPER_BEHIND_S = 80.0


@dataclass(frozen=True, slots=True)
class SatelliteRecording:
    """The lines, and each report's true time."""

    lines: list[bytes]
    # (mmsi, lat, lon, UTC second) of a report -> the times it was sent (a moored vessel sends
    # the same report minutes apart)
    true_times: dict[tuple[int, float | None, float | None, int], set[float]]
    wrapped: set[tuple[int, float | None, float | None, int]]  # reports given a $PGHP
    reports: int


def _pghp(t: float) -> bytes:
    parts = _time.gmtime(t)
    millis = round((t % 1) * 1000) % 1000
    body = (
        f"PGHP,1,{parts.tm_year},{parts.tm_mon},{parts.tm_mday},{parts.tm_hour},"
        f"{parts.tm_min},{parts.tm_sec},{millis},316,2,316000002,1AIS_S,00"
    ).encode()
    return b"$" + body + b"*%02X" % reduce(xor, body, 0)


def build(
    seed: int = 7, source: str = SOURCE, skip_s: float = SKIP_S, window_s: float = WINDOW_S
) -> SatelliteRecording:
    """The satellite-style recording of ``window_s`` of a real recording (see above)."""
    rng = random.Random(seed)
    framer = Framer(duplicate_window_s=None)
    messages = framer.frame(read_lines(AIS / source), source)
    origins: list[int] = []
    records = Decoder().decode(messages, origins)
    # The true time of a single-sentence report: the receiver's GPS clock set to the report's
    # own UTC second (that clock runs a second or two behind; a stale one is left out).
    sent: list[tuple[float, bytes, tuple[int, float | None, float | None, int]]] = []
    seen: set[bytes] = set()
    for record, at in zip(records, origins, strict=True):
        m = messages[at]
        if not isinstance(record, Position) or record.second is None or m.time is None:
            continue
        if len(m.raws) != 1 or m.payload in seen or abs(residual(record.second, m.time)) > 5:
            continue
        seen.add(m.payload)
        key = (record.mmsi, record.lat, record.lon, record.second)
        sent.append((snapped(m.time, record.second), m.raws[0], key))
    sent.sort(key=lambda s: s[0])
    first = sent[0][0] + skip_s
    sent = [row for row in sent if first <= row[0] < first + window_s]
    start = sent[0][0]
    lags: dict[int, float] = {}
    out: list[tuple[float, int, bytes]] = []
    true_times: dict[tuple[int, float | None, float | None, int], set[float]] = {}
    wrapped = set()
    for i, (t, raw, key) in enumerate(sent):
        true_times.setdefault(key, set()).add(t)
        lag = lags.setdefault(int((t - start) // PASS_S), rng.uniform(LAG_MIN_S, LAG_MAX_S))
        arrival = t + lag + rng.uniform(0.0, 5.0)
        stamp = b",%d" % round(arrival * 1000)
        if rng.random() < WRAPPED_SHARE:
            out.append((arrival, 2 * i, _pghp(t - WRAPPER_BEHIND_S) + stamp))
            wrapped.add(key)
        out.append((arrival, 2 * i + 1, _bare(raw) + stamp))
    out.sort()
    return SatelliteRecording([line for _, _, line in out], true_times, wrapped, len(sent))


def _bare(raw: bytes) -> bytes:
    """A sentence without its tag block or trailing fields."""
    line = raw.strip()
    if line.startswith(b"\\"):
        line = line[line.index(b"\\", 1) + 1 :]
    star = line.rfind(b"*")
    return line[: star + 3]


def epoch(text: str) -> float:
    """Epoch seconds of a UTC ``YYYY-MM-DDTHH:MM:SS``."""
    return float(calendar.timegm(_time.strptime(text, "%Y-%m-%dT%H:%M:%S")))
