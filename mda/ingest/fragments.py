"""Reassembly of multi-sentence AIS messages.

Fragments are keyed by (feed, station, channel, sequence id). A message is only assembled from
fragments that agree on their count and, where the tag block names one, their group; anything
else is counted and dropped, because gluing two messages' fragments makes a plausible but false
record. Held fragments expire by event time or after a number of the feed's sentences, and the
number held is bounded.

Whether a held fragment has expired is decided when its continuation arrives: too many of the
feed's sentences came between them, or the continuation's own time is too far from the first
fragment's. The sweeps between batches only free memory early, by the sentence count alone,
which reaches the same verdict (it only grows). So a message is assembled or not whatever the
batches the lines came in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from mda.ingest.stats import IngestStats

FragmentKey = tuple[str, str | None, bytes, bytes]
# The first fragment's time, its clock, and the runner-up time and clock (see framing).
Stamp = tuple[float | None, str | None, float | None, str | None]


@dataclass(slots=True)
class _Pending:
    total: int
    parts: dict[int, bytes]
    raws: list[bytes]
    stamp: Stamp
    group: str | None
    station: str | None
    first_seen: int  # feed sentence counter when the first fragment arrived
    last_num: int = 0
    fill: int = 0  # fill bits, carried by the last fragment
    out_of_order: bool = False


@dataclass(slots=True)
class Assembled:
    """A complete multi-sentence message."""

    payload: bytes
    fill: int
    stamp: Stamp
    station: str | None
    raws: list[bytes] = field(default_factory=list)


class FragmentAssembler:
    """Collects fragments until a message is complete; pure and deterministic."""

    DEFAULT_TIMEOUT_S: Final = 10.0
    DEFAULT_MAX_SENTENCES: Final = 500
    DEFAULT_MAX_HELD: Final = 10_000

    def __init__(
        self,
        stats: IngestStats,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        max_sentences: int = DEFAULT_MAX_SENTENCES,
        max_held: int = DEFAULT_MAX_HELD,
    ) -> None:
        self._stats = stats
        self._timeout_s = timeout_s
        self._max_sentences = max_sentences
        self._max_held = max_held
        self._pending: dict[FragmentKey, _Pending] = {}

    @property
    def held(self) -> int:
        """Number of incomplete messages waiting for fragments."""
        return len(self._pending)

    def add(
        self,
        key: FragmentKey,
        total: int,
        num: int,
        payload: bytes,
        fill: int,
        raw: bytes,
        stamp: Stamp,
        group: str | None,
        station: str | None,
        counter: int,
    ) -> Assembled | None:
        """Add one fragment; returns the message when this fragment completes it. ``counter``
        is the feed's sentence count."""
        stats = self._stats
        pending = self._pending.get(key)
        if pending is not None and self._stale(pending, stamp[0], counter):
            stats.expired_fragments += len(pending.parts)
            del self._pending[key]
            pending = None
        if pending is not None and (
            pending.total != total
            or (group is not None and pending.group is not None and group != pending.group)
        ):
            # Same key, different message: the held one can no longer complete.
            stats.orphan_fragments += len(pending.parts)
            del self._pending[key]
            pending = None
        if pending is None:
            if num != 1:
                # Without its first fragment a message is never reassembled: in a real feed
                # a lone later fragment means the first was lost, and waiting for it would
                # risk gluing it to another message that reuses this sequence id.
                stats.orphan_fragments += 1
                return None
            if len(self._pending) >= self._max_held:
                self.expire(key[0], counter)
                if len(self._pending) >= self._max_held:
                    self._evict_oldest()
            self._pending[key] = _Pending(
                total, {1: payload}, [raw], stamp, group, station, counter, last_num=1
            )
            return None
        held = pending.parts.get(num)
        if held is not None:
            if held == payload:
                stats.duplicate_fragments += 1
                return None
            # A new message started with the same key before the old one completed.
            stats.orphan_fragments += len(pending.parts)
            del self._pending[key]
            if num == 1:
                return self.add(key, total, num, payload, fill, raw, stamp, group, station, counter)
            stats.orphan_fragments += 1
            return None
        if num != pending.last_num + 1 and not pending.out_of_order:
            stats.out_of_order_fragments += 1  # once per message that arrives out of order
            pending.out_of_order = True
        pending.parts[num] = payload
        pending.raws.append(raw)
        if num == pending.total:
            pending.fill = fill
        pending.last_num = max(pending.last_num, num)
        if pending.group is None:
            pending.group = group
        if len(pending.parts) < pending.total:
            return None
        del self._pending[key]
        body = b"".join(pending.parts[i] for i in range(1, pending.total + 1))
        return Assembled(body, pending.fill, pending.stamp, pending.station, pending.raws)

    def expire(self, feed: str, counter: int) -> None:
        """Drop a feed's incomplete messages that waited too many sentences."""
        if not self._pending:
            return
        stale = [
            key
            for key, p in self._pending.items()
            if key[0] == feed and counter - p.first_seen > self._max_sentences
        ]
        for key in stale:
            self._stats.expired_fragments += len(self._pending.pop(key).parts)

    def _stale(self, p: _Pending, now: float | None, counter: int) -> bool:
        """Whether a held message can no longer be continued by a fragment timed ``now``."""
        first = p.stamp[0]
        return counter - p.first_seen > self._max_sentences or (
            now is not None and first is not None and abs(now - first) > self._timeout_s
        )

    def expire_all(self) -> None:
        """Drop every incomplete message (end of input): counted as expired."""
        for pending in self._pending.values():
            self._stats.expired_fragments += len(pending.parts)
        self._pending.clear()

    def _evict_oldest(self) -> None:
        key = next(iter(self._pending))
        self._stats.evicted_fragments += len(self._pending.pop(key).parts)
