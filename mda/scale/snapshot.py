"""A partition's pipeline state as bytes, and back: what a worker saves periodically so that
the worker taking the partition over replays only the stream since then.

The zone index and zones are shared, large and rebuilt from configuration, so they are written
as references and resolved against the new owner's own index. A snapshot is only read by
workers of the same mda version and configuration (the header says which); it is a pickle,
so the snapshot store must be as private as the stream itself.
"""

from __future__ import annotations

import io
import pickle
from typing import Any

from mda import __version__
from mda.zones.index import ZoneIndex

FORMAT = f"mda-partition-snapshot/{__version__}"


class SnapshotError(ValueError):
    """A snapshot this worker cannot use (another version, other zones, damaged)."""


class _Writer(pickle.Pickler):
    def __init__(self, file: io.BytesIO, index: ZoneIndex) -> None:
        super().__init__(file, protocol=5)
        self.index = index
        self.zones = {id(z): z.id for z in index.zones}

    def persistent_id(self, obj: Any) -> Any:
        if obj is self.index:
            return ("index",)
        zone = self.zones.get(id(obj))
        return None if zone is None else ("zone", zone)


class _Reader(pickle.Unpickler):
    def __init__(self, file: io.BytesIO, index: ZoneIndex) -> None:
        super().__init__(file)
        self.index = index
        self.zones = {z.id: z for z in index.zones}

    def persistent_load(self, pid: Any) -> Any:
        if pid == ("index",):
            return self.index
        if isinstance(pid, tuple) and len(pid) == 2 and pid[0] == "zone" and pid[1] in self.zones:
            return self.zones[pid[1]]
        raise SnapshotError(f"the snapshot refers to zone {pid!r}, which this worker lacks")


def dump(state: object, index: ZoneIndex, sequence: int) -> bytes:
    """A partition's state (its pipeline and grid resampler) after stream sequence
    ``sequence``; ``index`` is written as a reference."""
    buffer = io.BytesIO()
    buffer.write(f"{FORMAT} {sequence}\n".encode())
    _Writer(buffer, index).dump(state)
    return buffer.getvalue()


def load(data: bytes, index: ZoneIndex) -> tuple[Any, int]:
    """The state and the stream sequence it had reached."""
    head, _, body = data.partition(b"\n")
    name, _, sequence = head.decode("ascii", "replace").rpartition(" ")
    if name != FORMAT or not sequence.isdigit():
        raise SnapshotError(f"not a snapshot of this mda version ({head[:60]!r})")
    try:
        state = _Reader(io.BytesIO(body), index).load()
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError) as exc:
        raise SnapshotError(f"damaged snapshot: {exc}") from exc
    return state, int(sequence)
