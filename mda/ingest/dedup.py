"""Suppression of the same AIS message heard by several receivers (or echoed by a gateway).

Two messages are the same when their payloads are identical and they arrive within a short
window. A position payload carries the transponder's UTC second and radio state, so an identical
payload within seconds is the same transmission, never a new report; class B units that repeat
an unchanged report every few minutes are well outside the window.

The first copy is kept; the receivers that heard later copies are appended to its ``receivers``
list (shared with the record decoded from it). Messages without any time (only time-less
recordings, since live sources stamp arrival) are compared with the last few dozen messages
only: further back, an identical payload may just as well be a vessel repeating its static
report, which nothing in such a recording can tell apart.

Memory is two generations of payload fingerprints, each with the first copy's time and receivers
list: rotating when the current one spans a whole window keeps every message of the last window,
at two dictionary look-ups per message. A fingerprint is the payload's 64-bit BLAKE2b digest, not
the payload (nor the whole message, whose sentences and tag blocks would be held with it).
Stable across processes, unlike Python's salted ``hash``, so a replay decides the same. Two
different payloads share a fingerprint with probability 2^-64 per pair: a global feed at its peak
(50,000 messages a second, 10^6 fingerprints held) would take one message wrongly for a copy of
another about once in 12 years.
"""

from __future__ import annotations

from hashlib import blake2b
from typing import Final

from mda.ingest.message import AisMessage
from mda.ingest.stats import IngestStats

# The first copy of a payload: its time, and its receivers list (shared with the message and
# the record decoded from it, so later copies' receivers reach the record).
_FirstCopy = tuple[float | None, list[str]]


class DuplicateFilter:
    """Remembers recent payloads by fingerprint; pure and bounded."""

    DEFAULT_WINDOW_S: Final = 10.0
    DEFAULT_UNTIMED_WINDOW: Final = 50
    MAX_GENERATION: Final = 500_000  # bound for feeds whose clock stands still

    def __init__(
        self,
        stats: IngestStats,
        window_s: float = DEFAULT_WINDOW_S,
        untimed_window: int = DEFAULT_UNTIMED_WINDOW,
    ) -> None:
        self._stats = stats
        self._window_s = window_s
        self._untimed_window = untimed_window
        self._current: dict[bytes, _FirstCopy] = {}
        self._previous: dict[bytes, _FirstCopy] = {}
        self._generation_start: float | None = None
        self._untimed = 0

    def unique(self, messages: list[AisMessage]) -> list[AisMessage]:
        """The messages of a batch that are not copies of one seen within the window.

        A copy is counted, and the receiver that heard it is added to the first copy's
        ``receivers``.
        """
        out: list[AisMessage] = []
        keep = out.append
        window = self._window_s
        current, previous = self._current, self._previous
        duplicates = 0
        for message in messages:
            payload = message.payload
            if not payload:  # an empty payload is invalid, not a copy of another
                keep(message)
                continue
            key = blake2b(payload, digest_size=8).digest()
            first = current.get(key) or previous.get(key)
            t = message.time
            if first is not None:
                t0, receivers = first
                if t is None or t0 is None or -window <= t - t0 <= window:
                    duplicates += 1
                    if message.source not in receivers:
                        receivers.append(message.source)
                    continue
            current[key] = (t, message.receivers)
            keep(message)
            if t is None:
                self._untimed += 1
                if self._untimed >= self._untimed_window:
                    self._rotate(self._generation_start)
                    current, previous = self._current, self._previous
            elif self._generation_start is None:
                self._generation_start = t
            elif t - self._generation_start >= window or len(current) > self.MAX_GENERATION:
                self._rotate(t)
                current, previous = self._current, self._previous
        self._stats.duplicates += duplicates
        return out

    def _rotate(self, start: float | None) -> None:
        self._previous = self._current
        self._current = {}
        self._generation_start = start
        self._untimed = 0
