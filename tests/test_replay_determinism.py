"""The whole service gives the same alerts and stores the same rows however a recording is read:
read size, lines per batch, the service's joining of batches, pacing, and the number of files it
was split into (files given together are one recording)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path
from typing import Any

import psycopg
import pytest

from mda.config import Config, SourceSettings
from mda.ingest.sources import FileSource, files
from mda.model import Alert
from mda.runtime.service import Service
from mda.simulate.scenarios import simulate
from mda.store.writer import StoreWriter
from tests.test_determinism import fresh

T0 = 1_767_225_600.0
SCENARIO = "gulf-of-aden-stop"  # the case the issue measured (15 vessels)


class Collect:
    """An alert sink that keeps what it is given."""

    def __init__(self) -> None:
        self.alerts: list[Alert] = []

    def publish(self, alerts: list[Alert]) -> None:
        self.alerts += alerts


def recording(folder: Path, parts: int) -> list[str]:
    """The scenario written as ``parts`` files (a rotated log)."""
    lines = simulate(SCENARIO, 1, T0, 15).lines
    size = len(lines) // parts + 1
    paths = []
    for k in range(parts):
        path = folder / f"part-{k}.nmea"
        path.write_bytes(b"\n".join(lines[k * size : (k + 1) * size]) + b"\n")
        paths.append(str(path))
    return paths


async def run(paths: list[str], *, batch_lines: int, join_lines: int, speed: float | None,
              url: str | None) -> list[tuple[Any, ...]]:  # fmt: skip
    sink = Collect()
    config = replace(Config(http_listen=None), sources=tuple(SourceSettings(p) for p in paths),
                     batch_lines=join_lines)  # fmt: skip
    writer = None
    if url is not None:
        writer = StoreWriter(url)
        await writer.start()
    service = Service(config, fresh(), [FileSource(paths, batch_lines)], writer=writer,
                      sinks=[sink], live=False, speed=speed)  # fmt: skip
    await service.run()
    return [(a.alert_id, a.state, a.rule, a.mmsi, a.start, a.updated) for a in sink.alerts]


WAYS: dict[str, dict[str, Any]] = {
    "one file, read whole": {"parts": 1, "batch_lines": 5_000, "join_lines": 5_000,
                             "read": 1 << 20},
    "three files, small reads": {"parts": 3, "batch_lines": 137, "join_lines": 137,
                                 "read": 4096},
    "one file, joined batches": {"parts": 1, "batch_lines": 500, "join_lines": 20_000,
                                 "read": 8192},
    "seven files, paced": {"parts": 7, "batch_lines": 1_000, "join_lines": 1_000,
                           "read": 1 << 16, "speed": 1e7},
}  # fmt: skip


def test_the_same_alerts_whatever_the_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                              ) -> None:  # fmt: skip
    seen = {}
    for name, way in WAYS.items():
        folder = tmp_path / name.replace(" ", "-").replace(",", "")
        folder.mkdir()
        monkeypatch.setattr(files, "CHUNK_BYTES", way["read"])
        paths = recording(folder, way["parts"])
        seen[name] = asyncio.run(run(paths, batch_lines=way["batch_lines"],
                                     join_lines=way["join_lines"], speed=way.get("speed"),
                                     url=None))  # fmt: skip
    first = seen["one file, read whole"]
    assert ("unexpected_stop", 477_367_459) in {(a[2], a[3]) for a in first}
    for name, alerts in seen.items():
        assert alerts == first, name


def stored(url: str) -> dict[str, list[tuple[Any, ...]]]:
    with psycopg.connect(url) as conn:
        return {
            "positions": sorted(conn.execute(
                "SELECT time, mmsi, lat, lon, sog, cog, heading, nav_status, msg_type, "
                "accuracy, segment, source, clock, time_quality FROM positions").fetchall(),
                key=repr),
            "zone_events": sorted(conn.execute("SELECT * FROM zone_events").fetchall()),
            "zone_hours": sorted(conn.execute("SELECT * FROM zone_hours").fetchall()),
            "alerts": sorted(conn.execute(
                "SELECT alert_id, state, rule, mmsi, start, updated FROM alerts").fetchall()),
        }  # fmt: skip


def test_the_same_rows_are_stored_whatever_the_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_pair: tuple[str, str]
) -> None:
    rows = []
    for url, name in zip(database_pair, ("one file, read whole", "three files, small reads"),
                         strict=True):  # fmt: skip
        way = WAYS[name]
        folder = tmp_path / str(len(rows))
        folder.mkdir()
        monkeypatch.setattr(files, "CHUNK_BYTES", way["read"])
        paths = recording(folder, way["parts"])
        asyncio.run(run(paths, batch_lines=way["batch_lines"], join_lines=way["join_lines"],
                        speed=None, url=url))  # fmt: skip
        rows.append(stored(url))
    assert len(rows[0]["positions"]) > 4000
    for table in rows[0]:
        assert rows[0][table] == rows[1][table], table
