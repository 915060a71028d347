"""Who owns which partition: leases in a JetStream key-value bucket.

Each worker keeps a heartbeat key ``w.<name>`` and one key ``p.<k>`` per partition it owns,
renewed with compare-and-set on the revision it wrote. The bucket's TTL is the lease: a worker
that dies stops renewing, its keys expire, and the others take its partitions. A worker aims
at its share (partitions / live workers, rounded up), gives back what is above it (so a new
worker gets some) and claims free partitions with create, which only one claimant wins.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import zlib

from nats.js.errors import KeyNotFoundError, KeyWrongLastSequenceError
from nats.js.kv import KeyValue

log = logging.getLogger("mda.scale.leases")


class Leases:
    """One worker's view of the lease bucket."""

    def __init__(self, kv: KeyValue, name: str, partitions: int) -> None:
        self.kv = kv
        self.name = name
        self.partitions = partitions
        self.held: dict[int, int] = {}  # partition -> revision of our lease
        # One lease operation at a time: a release that ran while a renewal was in flight
        # deleted with a revision the renewal had just replaced (the delete failed, the
        # renewal put the partition back in ``held``: renewed for ever, processed by nobody),
        # and a renewal that found its lease released meanwhile stopped the renewing task.
        self._lock = asyncio.Lock()

    async def heartbeat(self) -> tuple[list[str], dict[int, str]]:
        """Renew our presence; the live workers and the current owners of partitions."""
        await self.kv.put(f"w.{self.name}", b"1")
        return await read_bucket(self.kv)

    def share(self, workers: int) -> int:
        """How many partitions each of ``workers`` workers should own."""
        return math.ceil(self.partitions / max(workers, 1))

    async def renew(self) -> list[int]:
        """Renew every lease we hold; the partitions whose lease we lost."""
        lost = []
        async with self._lock:
            for k, revision in list(self.held.items()):
                try:
                    self.held[k] = await self.kv.update(f"p.{k}", self.name.encode(),
                                                        last=revision)  # fmt: skip
                except (KeyWrongLastSequenceError, KeyNotFoundError):
                    log.warning("lease of partition %d lost (expired while this worker was "
                                "busy?)", k)  # fmt: skip
                    self.held.pop(k, None)
                    lost.append(k)
        return lost

    async def claim(self, k: int) -> bool:
        """Take a free partition; False if another worker has it."""
        async with self._lock:
            try:
                self.held[k] = await self.kv.create(f"p.{k}", self.name.encode())
            except KeyWrongLastSequenceError:
                return False
            return True

    async def release(self, k: int) -> None:
        """Give a partition back (its state is saved first, by the caller)."""
        async with self._lock:
            revision = self.held.pop(k, None)
            if revision is None:
                return
            with contextlib.suppress(KeyWrongLastSequenceError, KeyNotFoundError):
                await self.kv.delete(f"p.{k}", last=revision)  # unless expired or taken

    def preference(self) -> list[int]:
        """Partitions in the order this worker tries them (spread between workers, so that
        claimants do not all race for partition 0)."""
        start = zlib.crc32(self.name.encode()) % self.partitions
        return [(start + i) % self.partitions for i in range(self.partitions)]


async def read_bucket(kv: KeyValue) -> tuple[list[str], dict[int, str]]:
    """The workers with a heartbeat key and the owner of each taken partition.

    The keys come from the bucket stream's own list of subjects (one answer of its leader,
    consistent), not from ``KeyValue.keys()``: that runs a consumer over the bucket and, while
    keys are written, returns some twice, misses others or raises NoKeysError. A key in the
    list may be a deletion marker (a released lease) or expire before it is read: it is then
    not there.
    """
    prefix = _prefix(kv)
    info = await kv._js.stream_info(_stream(kv), subjects_filter=f"{prefix}>")
    keys = sorted(subject[len(prefix):] for subject in info.state.subjects or {})
    workers: list[str] = []
    owners: dict[int, str] = {}
    for key in keys:
        if not key.startswith(("w.", "p.")):
            continue
        try:
            entry = await kv.get(key)
        except KeyNotFoundError:  # deleted or expired since listed
            continue
        if not entry.value:
            continue
        if key.startswith("w."):
            workers.append(key[2:])
        else:
            owners[int(key[2:])] = entry.value.decode()
    return workers, owners


# The bucket's stream and subject prefix: nats-py keeps them in private fields and offers no
# accessor; "KV_<bucket>" and "$KV.<bucket>." are JetStream's own naming, used as fallback.
def _stream(kv: KeyValue) -> str:
    return str(getattr(kv, "_stream", f"KV_{kv._name}"))


def _prefix(kv: KeyValue) -> str:
    return str(getattr(kv, "_pre", f"$KV.{kv._name}."))
