"""Which workers count for sharing partitions: reads of the heartbeat keys, steadied.

A read of the lease bucket can miss a live worker (its heartbeat key briefly gone between a
TTL expiry and its next write on a loaded machine) or show one that has just died. Sharing
partitions on every read makes them flap: each miscount moves partitions away and back. So a
worker joins the counted set only once it has been seen in reads spanning ``settle_s``, and
leaves it only once it has been missing from reads spanning ``settle_s``. The first read
(this worker starting) is taken as it is: there is no history to steady it with.

Pure: times are given by the caller (a monotonic clock), nothing is read here.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Membership:
    """This worker's steadied view of the live workers."""

    me: str
    settle_s: float
    counted: set[str] = field(default_factory=set)
    # When each worker's current run of being seen (joining) or missed (leaving) started.
    _seen_since: dict[str, float] = field(default_factory=dict)
    _missed_since: dict[str, float] = field(default_factory=dict)
    _started: bool = False

    def observe(self, seen: set[str], now: float) -> set[str]:
        """One read's workers at ``now``; the workers to count."""
        seen = seen | {self.me}
        if not self._started:
            self._started = True
            self.counted = set(seen)
            return set(self.counted)
        for worker in seen:
            self._missed_since.pop(worker, None)
            if worker not in self.counted:
                since = self._seen_since.setdefault(worker, now)
                if now - since >= self.settle_s:
                    self.counted.add(worker)
                    del self._seen_since[worker]
        for worker in list(self._seen_since):
            if worker not in seen:
                del self._seen_since[worker]  # a run of sightings broken: starts again
        for worker in self.counted - seen:
            since = self._missed_since.setdefault(worker, now)
            if now - since >= self.settle_s:
                self.counted.discard(worker)
                del self._missed_since[worker]
        return set(self.counted)
