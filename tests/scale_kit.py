"""Running the same recording through ``mda replay`` and through a gateway and workers, and
reading back what each stored (test support for the scale-out tests)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import psycopg
import pytest
from nats.js.api import ConsumerInfo

from mda.config import Config, SourceSettings
from mda.ingest.sources import open_source
from mda.runtime.service import start_service
from mda.scale.gateway import Gateway
from mda.scale.jetstream import JetStream, prepare
from mda.settings.scale import ScaleSettings
from mda.simulate.scenarios import simulate
from tests.conftest import _create_database

PARTITIONS = 6
Stored = tuple[set[tuple[object, ...]], set[tuple[object, ...]], int]


@pytest.fixture(scope="module")
def scale_recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tanker going dark among ordinary traffic (one scenario: recordings joined end to end
    would run event time backwards in the middle)."""
    path = tmp_path_factory.mktemp("scale") / "dark-tanker.nmea"
    path.write_bytes(b"\n".join(simulate("dark-tanker", vessels=40).lines) + b"\n")
    return path


@pytest.fixture(scope="module")
def scale_reference(scale_recording: Path) -> Iterator[Stored]:
    """What a single ``mda replay`` stores for the scale_recording."""
    for url in _create_database("postgresql"):
        asyncio.run(single_process(base_config(url, scale_recording)))
        yield stored(url)


@pytest.fixture
def scale_database() -> Iterator[str]:
    """An empty database on the plain PostgreSQL server for the workers to share."""
    yield from _create_database("postgresql")


def base_config(database_url: str, scale_recording: Path) -> Config:
    return Config(sources=(SourceSettings(str(scale_recording)),), database_url=database_url,
                  http_listen=None)  # fmt: skip


async def single_process(config: Config) -> None:
    service = await start_service(config, live=False)
    await service.run()


async def publish(
    settings: ScaleSettings, scale_recording: Path,
    on_connect: Callable[[JetStream], None] | None = None,
) -> int:  # fmt: skip
    """A gateway over the recording; the number of messages it published. ``on_connect``
    is told the gateway's connection before it starts (which server it is on, say)."""
    stream = await prepare(settings, "test-gateway")
    if on_connect is not None:
        on_connect(stream)
    try:
        report = await Gateway(settings, [open_source(str(scale_recording))], stream).run()
    finally:
        await stream.close()
    return report.published


async def drained(settings: ScaleSettings, expected: int, timeout_s: float = 120.0) -> None:
    """Wait until every partition's consumer has delivered and seen acknowledged all of its
    messages (``expected`` in all)."""
    stream = await prepare(settings, "test-probe")
    try:
        deadline = asyncio.get_running_loop().time() + timeout_s
        while True:
            done = 0
            idle = True
            seen: list[str] = []  # each partition's consumer, for the failure message
            for k in range(settings.partitions):
                try:
                    info = await stream.js.consumer_info(settings.stream, f"p{k}")
                except Exception as exc:  # not created yet
                    idle = False
                    seen.append(f"p{k}: {type(exc).__name__}")
                    continue
                seen.append(f"p{k}: acked to {info.ack_floor.stream_seq}, "
                            f"from {info.config.opt_start_seq}, "
                            f"{info.num_pending} pending, {info.num_ack_pending} unacked")
                done += _processed_to(info) > 0 and info.num_pending == 0
                if info.num_pending or info.num_ack_pending:
                    idle = False
            if idle and done:
                info_s = await stream.js.stream_info(settings.stream)
                floors = [
                    _processed_to(await stream.js.consumer_info(settings.stream, f"p{k}"))
                    for k in range(settings.partitions)
                ]
                if info_s.state.messages == expected and max(floors) == info_s.state.last_seq:
                    return
            if asyncio.get_running_loop().time() > deadline:
                state = (await stream.js.stream_info(settings.stream)).state
                raise AssertionError(
                    f"the workers did not process the stream in {timeout_s:.0f} s: stream "
                    f"{state.messages} messages of {expected}, last {state.last_seq}; "
                    + "; ".join(seen)
                )
            await asyncio.sleep(0.5)
    finally:
        await stream.close()


def _processed_to(info: ConsumerInfo) -> int:
    """The stream sequence a partition's consumer has seen processed: its acknowledgement
    floor, or, for a consumer its new owner created after the last message (everything was
    in the snapshot it restored), where that consumer starts, less one; the server reports
    such a consumer's floor as 0 until it acknowledges something."""
    return max(info.ack_floor.stream_seq, (info.config.opt_start_seq or 1) - 1)


def stored(url: str) -> Stored:
    """Positions (mmsi, time, lat, lon), alert history (id, rule, mmsi, state), and the
    number of position rows (duplicates would show as a higher count than the set)."""
    with psycopg.connect(url) as conn:
        positions = conn.execute("SELECT mmsi, time, lat, lon FROM positions").fetchall()
        alerts = conn.execute(
            "SELECT h.alert_id::text, a.rule, a.mmsi, h.state FROM alert_history h "
            "JOIN alerts a USING (alert_id)"
        ).fetchall()
    return set(positions), set(alerts), len(positions)


def same_store(got: Stored, want: Stored) -> None:
    """Fail, when what the workers stored differs from ``mda replay``'s, with what differs per
    vessel (a count and a time range) instead of pytest's dump of every stored row."""
    problems = []
    if got[2] != len(got[0]):
        problems.append(f"{got[2] - len(got[0])} position rows stored twice")
    for what, g, w in (("positions", got[0], want[0]), ("alert states", got[1], want[1])):
        for side, rows in (("missing", w - g), ("extra", g - w)):
            if rows:
                problems.append(f"{len(rows)} {what} {side}: {_by_vessel(rows)}")
    assert not problems, "; ".join(problems)


def _by_vessel(rows: set[tuple[object, ...]], most: int = 8) -> str:
    """Rows grouped by MMSI: how many and, for positions, the first and last time."""
    groups: dict[object, list[tuple[object, ...]]] = {}
    for row in rows:
        mmsi = row[0] if len(row) == 4 and isinstance(row[1], datetime) else row[2]
        groups.setdefault(mmsi, []).append(row)
    parts = []
    for mmsi, group in sorted(groups.items(), key=lambda kv: -len(kv[1]))[:most]:
        times = sorted(r[1] for r in group if isinstance(r[1], datetime))
        if times:
            span = f" {times[0]:%H:%M:%S}-{times[-1]:%H:%M:%S}"
        else:
            span = f" {sorted(map(repr, group))[:3]}"
        parts.append(f"{mmsi} x{len(group)}{span}")
    more = f" (+{len(groups) - most} vessels)" if len(groups) > most else ""
    return ", ".join(parts) + more


def scale_config(config: Config, nats: list[str]) -> Config:
    return replace(config, scale=ScaleSettings(nats=tuple(nats), partitions=PARTITIONS,
                                               lease_s=6.0, snapshot_every_s=2.0,
                                               batch_messages=500))  # fmt: skip


def worker_file(folder: Path, url: str, settings: ScaleSettings) -> Path:
    """A worker configuration file for ``settings`` storing in ``url``."""
    path = folder / "worker.toml"
    urls = ", ".join(f'"{u}"' for u in settings.nats)
    path.write_text(
        f'[database]\nurl = "{url}"\nspool_dir = "{folder / "spool"}"\n'
        f"[scale]\nnats = [{urls}]\npartitions = {settings.partitions}\n"
        f"lease_s = {settings.lease_s}\nsnapshot_every_s = {settings.snapshot_every_s}\n"
        f"batch_messages = 200\nreplicas = {settings.replicas}\n"
        # No status server: this machine's port 9108 is not the test's to take.
        f'[http]\nlisten = ""\n'
    )
    return path


def start_worker(config: Path, name: str, log: Path) -> subprocess.Popen[bytes]:
    """``mda worker --replay`` in a process of its own, logging (verbose) to ``log``."""
    return subprocess.Popen(
        [sys.executable, "-c", "from mda.cli import main; main()", "--verbose", "worker",
         "--config", str(config), "--name", name, "--replay"],
        stdout=log.open("wb"), stderr=subprocess.STDOUT,
    )  # fmt: skip
