"""The store's command-line side when things are wrong: one clear line and a non-zero exit,
never a traceback; ``mda db spool`` shows, drains and discards what waits per database."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from mda.store.batch import StoreBatch
from mda.store.writer import StoreWriter
from tests.data import AIS
from tests.test_store_hostile import started_proxy, via_proxy
from tests.test_store_writer import count, expected_positions, recording

RECORDING = AIS / "OpenCPN/Go_to_Guernesey.txt"


def mda(*args: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MDA_")}
    return subprocess.run(
        [sys.executable, "-c", "import mda.cli; mda.cli.main()", *args],
        capture_output=True, text=True, env=environment, timeout=300, check=False,
    )  # fmt: skip


def one_clear_line(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("mda: error:")]
    assert len(errors) == 1, result.stderr
    for word in words:
        assert word in errors[0], errors[0]


def test_db_status_of_something_that_is_not_a_url_is_one_line() -> None:
    one_clear_line(mda("db", "status", "--database", "notaurl"), "notaurl", "PostgreSQL")


def test_replay_into_a_mysql_url_is_one_line(tmp_path: Path) -> None:
    one_clear_line(mda("replay", "-q", "-d", "mysql://x", str(RECORDING)), "mysql", "PostgreSQL")


def test_a_spool_folder_that_cannot_be_created_is_one_line(
    plain_database: str, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    config = tmp_path / "mda.toml"
    config.write_text(f'[database]\nurl = "{plain_database}"\nspool_dir = "{blocker}/spool"\n')
    one_clear_line(mda("replay", "-q", "-c", str(config), str(RECORDING)), "spool")


async def test_db_spool_shows_drains_and_discards_per_database(
    plain_database: str, tmp_path: Path
) -> None:
    proxy = await started_proxy(plain_database)
    positions, _ = recording()
    root = tmp_path / "spool"
    writer = StoreWriter(via_proxy(plain_database, proxy), spool_dir=root, retry_s=(10.0, 10.0))
    await writer.start()
    proxy.refusing = True
    proxy.cut()
    await writer.write(StoreBatch(positions=positions[:500]))
    await writer.write(StoreBatch(positions=positions[500:800]))
    await writer.close()
    await proxy.close()
    shown = await asyncio.to_thread(mda, "db", "spool", "--spool-dir", str(root))
    assert shown.returncode == 0, shown.stderr
    name = plain_database.rsplit("/", 1)[1]
    assert f"database {name}" in shown.stdout
    assert "2 batches, 800 positions" in shown.stdout
    refused = await asyncio.to_thread(mda, "db", "spool", "--spool-dir", str(root), "--discard")
    one_clear_line(refused, "--yes")
    drained = await asyncio.to_thread(
        mda, "db", "spool", "--spool-dir", str(root), "--drain", "-d", plain_database
    )
    assert drained.returncode == 0, drained.stderr
    assert "drained 2 batches" in drained.stdout
    assert await count(plain_database, "positions") == expected_positions(positions[:800])
    after = await asyncio.to_thread(mda, "db", "spool", "--spool-dir", str(root))
    assert "waiting: nothing" in after.stdout


async def test_replay_fails_while_positions_are_only_in_the_spool(
    plain_database: str, tmp_path: Path
) -> None:
    """The database goes away during a replay: the run says where the rows wait, and exits
    non-zero (the rows are not stored yet)."""
    proxy = await started_proxy(plain_database)
    config = tmp_path / "mda.toml"
    config.write_text(f'[database]\nspool_dir = "{tmp_path / "spool"}"\n')
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MDA_")}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "import mda.cli; mda.cli.main()", "replay", "-q", "-c", str(config),
        "--speed", "6000", "-d", via_proxy(plain_database, proxy), str(RECORDING),
        stderr=asyncio.subprocess.PIPE, env=environment,
    )  # fmt: skip
    assert process.stderr is not None
    lines = []
    while line := (await process.stderr.readline()).decode():
        lines.append(line)
        if line.startswith("mda: storing in"):
            proxy.refusing = True  # the database goes away once the replay has started
            proxy.cut()
    await asyncio.wait_for(process.wait(), 120)
    await proxy.close()
    stderr = "".join(lines)
    assert process.returncode != 0, stderr
    assert "Traceback" not in stderr
    assert "still in the spool" in stderr
