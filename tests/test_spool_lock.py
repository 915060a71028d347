"""Two processes spooling for one database on one host never share a folder: each numbers its
batch files from its own folder, so neither overwrites nor deletes the other's batches."""

from __future__ import annotations

import multiprocessing
import multiprocessing.synchronize
from pathlib import Path

import pytest

from mda.model import Position
from mda.store.batch import StoreBatch
from mda.store.identity import read_identity
from mda.store.spool import Spool, SpoolInUseError
from mda.store.writer import StoreWriter


def _batch(mmsi: int) -> StoreBatch:
    return StoreBatch(positions=[Position(1.0, mmsi, 1, 1.0, 2.0, 0.0, 0.0, 0, 0, 0.0, True,
                                          "rx")])  # fmt: skip


def _hold(folder: str, ready: multiprocessing.synchronize.Event,
          done: multiprocessing.synchronize.Event) -> None:  # fmt: skip
    spool = Spool(Path(folder))
    spool.append(_batch(1))
    ready.set()
    done.wait(30)


def test_a_spool_taken_by_another_process_is_refused_and_left_intact(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    ready, done = context.Event(), context.Event()
    other = context.Process(target=_hold, args=(str(tmp_path), ready, done))
    other.start()
    try:
        assert ready.wait(60)
        (tmp_path / "000000000099.tmp").write_bytes(b"the other's half-written batch")
        with pytest.raises(SpoolInUseError, match="in use by another mda process"):
            Spool(tmp_path)
        assert (tmp_path / "000000000099.tmp").exists()  # not deleted under the other's feet
        assert len(Spool(tmp_path, exclusive=False)) == 1  # looking is allowed
    finally:
        done.set()
        other.join(30)
    mine = Spool(tmp_path)  # free once the other is gone: its batch waits, the stray is gone
    assert len(mine) == 1
    assert not (tmp_path / "000000000099.tmp").exists()
    mine.close()


def test_one_process_cannot_open_one_spool_twice(tmp_path: Path) -> None:
    first = Spool(tmp_path)
    with pytest.raises(SpoolInUseError):
        Spool(tmp_path)
    first.close()
    Spool(tmp_path).close()


async def test_two_writers_of_one_database_spool_in_folders_of_their_own(
    plain_database: str, tmp_path: Path
) -> None:
    first = StoreWriter(plain_database, spool_dir=tmp_path)
    second = StoreWriter(plain_database, spool_dir=tmp_path)
    await first.start()
    await second.start()
    try:
        assert first.spool is not None and second.spool is not None
        assert second.spool.folder.name == f"{first.spool.folder.name}~2"
        # Each folder says which database it is for: `mda db spool` drains either.
        assert read_identity(second.spool.folder) == read_identity(first.spool.folder)
    finally:
        await first.close()
        await second.close()
    again = StoreWriter(plain_database, spool_dir=tmp_path)  # the first folder is free again
    await again.start()
    try:
        assert again.spool is not None and again.spool.folder == first.spool.folder
    finally:
        await again.close()
