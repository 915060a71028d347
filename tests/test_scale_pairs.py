"""Encounters across partitions: grid points published by cell, pairs judged per cell group,
the same alerts as one process gives, each raised once."""

from __future__ import annotations

import asyncio
import socket
import subprocess
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import nats
import pytest

from mda.config import Config
from mda.ingest.core import Ingestor
from mda.model import Alert, Position, VesselStatic
from mda.pipeline import build_pipeline
from mda.resources import default_folder
from mda.rules.settings import load_rule_files
from mda.scale.grid import (
    DEFAULT_MARGIN_DEG,
    GridPoint,
    GridPublisherCore,
    cell_of,
    cells_covering,
    decode_points,
    encode_points,
    grid_subject,
    load_index,
)
from mda.scale.pairs import PairDetector, split_specs
from mda.scale.pairs_service import ensure_grid_stream, run_pairs
from mda.scale.partition import partition_of
from mda.simulate.scenarios import Simulation, simulate
from tests.bounded import run_bounded

BATCH = 5_000
SCENARIO = "longliner-meets-reefer"
# Small cells, so that the meeting (near 2.88 N 1.19 E) lies within the margin of the border
# at 1.2 E: the two sides of the border belong to different pair detectors.
CELL_DEG = 0.2

Key = tuple[str, str, int | None, object, str]


@cache
def sim() -> Simulation:
    return simulate(SCENARIO, seed=1, vessels=60)


def key(a: Alert) -> Key:
    return (a.alert_id, a.rule, a.mmsi, a.body.get("other_mmsi"), a.state)


@cache
def single_process() -> tuple[Alert, ...]:
    s = sim()
    p = build_pipeline([default_folder("zones")], [default_folder("alerts")])
    alerts: list[Alert] = []
    for i in range(0, len(s.lines), BATCH):
        alerts += p.process(s.lines[i : i + BATCH], s.scenario).alerts
    return tuple(a for a in alerts if a.rule == "encounter")


@dataclass(frozen=True)
class Parity:
    """Home cells of one of ``n`` detectors: a checkerboard of rows and columns."""

    k: int
    rows: int
    cols: int

    def __contains__(self, cell: object) -> bool:
        assert isinstance(cell, tuple)
        row, col = cell
        return (row % self.rows) * self.cols + col % self.cols == self.k


def scale_out(partitions: int, detectors: int) -> list[Alert]:
    s = sim()
    actors = {m: r for m, r in s.roles.items() if r in ("longliner", "reefer")}
    assert len(actors) == 2
    # The two vessels that meet live in different partitions.
    placed = {m: i for i, m in enumerate(sorted(actors))}

    def part(m: int) -> int:
        return placed.get(m, partition_of(m, partitions))

    zones, rules = [default_folder("zones")], [default_folder("alerts")]
    index = load_index(zones)
    specs = load_rule_files(rules)
    publishers = [GridPublisherCore(specs, index) for _ in range(partitions)]
    rows, cols = (1, 2) if detectors == 2 else (2, 2)
    pairs = [PairDetector(Parity(k, rows, cols), CELL_DEG, specs, index)
             for k in range(detectors)]  # fmt: skip
    ingestor = Ingestor(None, duplicate_window_s=10.0)
    alerts: list[Alert] = []
    for i in range(0, len(s.lines), BATCH):
        records = ingestor.ingest(s.lines[i : i + BATCH], s.scenario)
        inbox: list[list[GridPoint]] = [[] for _ in pairs]
        for k, pub in enumerate(publishers):
            positions = [r for r in records if isinstance(r, Position) and part(r.mmsi) == k]
            statics = [r for r in records if isinstance(r, VesselStatic) and part(r.mmsi) == k]
            points = pub.add(positions, statics)
            if not points:
                continue
            # Through the wire format, one message per cell as the worker publishes them.
            by_cell: dict[tuple[int, int], list[GridPoint]] = {}
            for g in points:
                for cell in cells_covering(g.lat, g.lon, CELL_DEG, DEFAULT_MARGIN_DEG):
                    by_cell.setdefault(cell, []).append(g)
            for cell, group in sorted(by_cell.items()):
                wire = encode_points(group)
                for d, detector in enumerate(pairs):
                    if detector.cells is not None and cell in detector.cells:
                        inbox[d] += decode_points(wire)
        for d, detector in enumerate(pairs):
            alerts += detector.add(inbox[d])
    return [a for a in alerts if a.rule == "encounter"]


def test_the_meeting_lies_near_a_cell_border() -> None:
    opened = [a for a in single_process() if a.state == "open"]
    assert opened
    position = opened[0].body["position"]
    assert isinstance(position, dict)
    lat, lon = position["lat"], position["lon"]
    covering = cells_covering(lat, lon, CELL_DEG, DEFAULT_MARGIN_DEG)
    assert len(covering) > 1
    assert Parity(0, 1, 2).__contains__(covering[0]) != Parity(0, 1, 2).__contains__(covering[1])


@pytest.mark.parametrize(("partitions", "detectors"), [(2, 2), (3, 4)])
def test_scale_out_raises_the_single_process_encounters_once(
    partitions: int, detectors: int
) -> None:
    expected = [key(a) for a in single_process()]
    assert any(k[4] == "open" for k in expected)
    got = [key(a) for a in scale_out(partitions, detectors)]
    assert Counter(got) == Counter(expected)
    assert len(set(got)) == len(got)


def test_two_vessel_rules_are_split_from_the_workers_rules() -> None:
    worker, pair = split_specs(load_rule_files([default_folder("alerts")]))
    assert [s.scope.name for s in pair] == ["encounter"]
    assert "encounter" not in {s.scope.detector for s in worker}
    assert "dark_rendezvous" in {s.scope.detector for s in worker}


def test_points_survive_the_wire() -> None:
    points = [
        GridPoint(416198418, 1_767_229_200.0, 2.883876123456789, -1.1872, 0.37, True, False,
                  30, 9123456, "LONGLINER 7"),
        GridPoint(351829633, 1_767_229_213.5, -2.5, 179.99, None, False, True),
    ]  # fmt: skip
    assert decode_points(encode_points(points)) == points
    assert decode_points(encode_points([])) == []


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"\xff\x00", "not JSON"),
        (b"[1, 2]", "v = 1"),
        (b'{"v": 1}', "'p' must be a list"),
        (b'{"v": 1, "p": [[1, 2]]}', "point 0 must be a list of 9"),
        (b'{"v": 1, "p": [["x", 0, 0, 0, null, 1, null, null, null]]}', "integers"),
        (b'{"v": 1, "p": [[1, 0, 95, 0, null, 1, null, null, null]]}', "lat"),
        (b'{"v": 1, "p": [[1, 0, 0, 0, "fast", 1, null, null, null]]}', "speed_kn"),
        (b'{"v": 1, "p": [[1, 0, 0, 0, null, 1, 1.5, null, null]]}', "ship_type"),
        (b'{"v": 1, "p": [[1, 0, 0, 0, null, 1, null, null, 7]]}', "shipname"),
    ],
)
def test_malformed_points_are_refused_clearly(data: bytes, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        decode_points(data)


def test_a_point_near_a_border_goes_to_both_cells() -> None:
    near = cells_covering(2.5, 1.199, CELL_DEG, DEFAULT_MARGIN_DEG)
    assert near[0] == cell_of(2.5, 1.199, CELL_DEG) == (12, 5)
    assert set(near) == {(12, 5), (12, 6)}
    corner = cells_covering(-0.01, -0.01, 1.0, DEFAULT_MARGIN_DEG)
    assert corner[0] == (-1, -1) and set(corner) == {(-1, -1), (-1, 0), (0, -1), (0, 0)}
    assert cells_covering(2.5, 1.1, CELL_DEG, DEFAULT_MARGIN_DEG) == [(12, 5)]


def test_cells_wrap_at_the_antimeridian_and_name_valid_subjects() -> None:
    assert set(cells_covering(10.5, 179.99, 1.0, DEFAULT_MARGIN_DEG)) == {(10, 179), (10, -180)}
    assert grid_subject((3, -12)) == "mda.grid.p3.n12"
    assert grid_subject(cell_of(-33.9, 18.4, 1.0)) == "mda.grid.n34.p18"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _meeting(t0: float) -> list[GridPoint]:
    """Two vessels drifting 200 m apart for 3 h at sea, on the border at 1.2 E, then apart."""
    points = []
    for i in range(19):
        t = t0 + i * 600.0
        points += [GridPoint(111111111, t, 2.5 + i * 1e-4, 1.199, 0.5),
                   GridPoint(222222222, t, 2.5 + i * 1e-4, 1.2008, 0.5)]  # fmt: skip
    for i in range(19, 27):  # apart, and time moves on past the rule's lateness and clearing
        t = t0 + i * 600.0
        points += [GridPoint(111111111, t, 2.5, 1.199, 0.5),
                   GridPoint(222222222, t, 2.6, 1.2, 0.5)]  # fmt: skip
    return points


def test_pair_worker_on_jetstream(tmp_path: Path) -> None:
    port = _free_port()
    server = subprocess.Popen(
        ["/usr/sbin/nats-server", "-js", "-p", str(port), "-sd", str(tmp_path), "-a",
         "127.0.0.1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        got = run_bounded(_publish_and_judge(f"nats://127.0.0.1:{port}"), 300.0)
    finally:
        server.terminate()
        server.wait()
    assert [(a.mmsi, a.body["other_mmsi"], a.state) for a in got] == [
        (111111111, 222222222, "open"), (111111111, 222222222, "cleared")]


async def _publish_and_judge(url: str) -> list[Alert]:
    for _ in range(100):  # the server is starting
        try:
            nc = await nats.connect(servers=[url], connect_timeout=1, max_reconnect_attempts=0)
            break
        except Exception:
            await asyncio.sleep(0.1)
    js = nc.jetstream()
    await ensure_grid_stream(js)
    await ensure_grid_stream(js)  # twice: idempotent
    for g in _meeting(1_767_225_600.0):
        for cell in cells_covering(g.lat, g.lon, CELL_DEG, DEFAULT_MARGIN_DEG):
            await js.publish(grid_subject(cell), encode_points([g]))
    await nc.drain()
    got: list[Alert] = []
    stop = asyncio.Event()

    class Sink:
        def publish(self, alerts: list[Alert]) -> None:
            got.extend(alerts)
            if any(a.state == "cleared" for a in got):
                stop.set()

    # Two workers over the two cells either side of the border: one raises the encounter.
    cells = ({(12, 5)}, {(12, 6)})
    stops = [stop, asyncio.Event()]
    workers = [
        run_pairs([url], c, Config(), s, cell_deg=CELL_DEG, group=f"g{i}", lag_s=0.0,
                  live=False, sinks=[Sink()])
        for i, (c, s) in enumerate(zip(cells, stops, strict=True))
    ]  # fmt: skip

    async def both() -> None:
        tasks = [asyncio.create_task(w) for w in workers]
        await asyncio.wait_for(stop.wait(), 60)
        await asyncio.sleep(0.5)  # the other worker has had its points too
        stops[1].set()
        await asyncio.gather(*tasks)

    await both()
    return got
