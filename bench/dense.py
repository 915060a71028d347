"""Dense traffic: thousands of vessels inside watched zones, every line tag-blocked, through the
pipeline alone and with the store, each beside raw ``pyais.decode`` on the same messages.

    python -m bench.dense [--repeats N] [--vessels 2000 10000] [--minutes M] [--database URL]
                          [--memory-vessels N] [--skip-store] [--skip-memory]

1. Throughput. The ordinary traffic of mda's simulator (``lane_traffic``: ships on passage
   along the region's lanes, some moored or at anchor, heard by the region's receivers, every
   line with an NMEA 4.0 tag block) in the Red Sea and in the Gulf of Guinea, both watched
   zones of the default catalogue, for ``--vessels`` vessels and ``--minutes`` of event time.
   Per case, alternating run by run so that load on this shared machine falls on all:
   raw ``pyais.decode`` on every message (fragments grouped); the pipeline alone (default zones
   and rules, batches of 5,000 lines, then ``finish``); the service with the store writer into
   a fresh PostgreSQL database (created and dropped here), the clock stopping when the last
   row is committed. Messages per second by wall time and by CPU time (``time.process_time``,
   this process only: PostgreSQL's own work is not in it), median of ``--repeats`` runs.
2. Zone hours. For the store runs: the zone-hour rows the writer was handed (and sent by
   COPY) against the rows the ``zone_hours`` table holds after the run, also per 245,000
   messages (the issue's yardstick).
3. Memory per vessel. ``--memory-vessels`` vessels (half in each region) for two minutes of
   event time through the pipeline, with and without the duplicate filter. Measured with
   ``tracemalloc`` (Python and numpy allocations, not the allocator's slack): the memory the
   pipeline holds after the input and ``finish``, outputs dropped, less what it held before,
   divided by the vessels it knows. Records waiting out the lateness are not in it (``finish``
   released them): they grow with the feed's rate, not with the vessels.

Generated traffic is cached under the temporary folder (same arguments, same bytes).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import tempfile
import tracemalloc
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from bench.common import Clocked, clocked, rates, ratio, tune_gc
from bench.decode import group_messages
from bench.pipeline import ARRIVAL0, MemorySource, empty_tables, fresh_database, pyais_run
from mda.config import Config
from mda.pipeline import Pipeline, build_pipeline
from mda.resources import default_folder
from mda.runtime.service import Service
from mda.simulate.lane_traffic import lane_traffic
from mda.simulate.lanes import GULF_OF_GUINEA, RED_SEA, Region
from mda.simulate.recording import Recorder
from mda.store.batch import StoreBatch
from mda.store.writer import StoreWriter
from tests.services import PG_URL

T0 = int(ARRIVAL0)  # event time starts where the bench's arrival clock does
BATCH = 5_000
YARDSTICK = 245_000  # messages: the zone-hour figure is per this many
MEMORY_SECONDS = 120  # every class A ship on passage is heard about 3-4 times in it


def traffic(region: Region, vessels: int, seconds: int, seed: int = 1) -> list[bytes]:
    """The region's ordinary traffic as recorded lines (cached on disk: it takes a while)."""
    cache = Path(tempfile.gettempdir()) / "mda-bench-dense"
    path = cache / f"{region.name}-{vessels}-{seconds}-{seed}.nmea"
    if path.exists():
        return path.read_bytes().splitlines()
    recorder = Recorder(random.Random(seed), region.stations)
    lane_traffic(recorder, region, vessels, T0, T0 + seconds)
    lines = recorder.lines()
    cache.mkdir(exist_ok=True)
    path.write_bytes(b"\n".join(lines) + b"\n")
    return lines


def default_pipeline(duplicate_window_s: float | None = 10.0) -> Pipeline:
    return build_pipeline(
        [default_folder("zones")], [default_folder("alerts")],
        duplicate_window_s=duplicate_window_s,
    )  # fmt: skip


def feed(pipeline: Pipeline, lines: list[bytes]) -> None:
    """Lines through the pipeline in batches, stamped as the service's memory source stamps
    them; outputs dropped."""
    for i in range(0, len(lines), BATCH):
        pipeline.process(lines[i : i + BATCH], "bench", ARRIVAL0 + i / 10_000)


def pipeline_run(lines: list[bytes]) -> Clocked:
    pipeline = default_pipeline()  # building the zone index is start-up, not throughput
    with clocked() as took:
        feed(pipeline, lines)
        pipeline.finish()
    return took


def pyais_clocked(groups: list[tuple[bytes, ...]]) -> Clocked:
    with clocked() as took:
        pyais_run(groups)
    return took


class CountingWriter(StoreWriter):
    """The store writer, counting the zone-hour rows it is handed (each goes by COPY)."""

    zone_hours_sent = 0

    async def write(self, batch: StoreBatch) -> None:
        self.zone_hours_sent += len(batch.zone_hours)
        await super().write(batch)


@dataclass(slots=True)
class StoreRun:
    took: Clocked
    zone_hours_sent: int
    zone_hours_kept: int


async def store_run(lines: list[bytes], url: str) -> StoreRun:
    pipeline = default_pipeline()
    await empty_tables(url)
    writer = CountingWriter(url)
    await writer.start()
    service = Service(Config(http_listen=None), pipeline, [MemorySource(lines)], writer=writer,
                      live=False)  # fmt: skip
    with clocked() as took:
        await service.run()
    async with await psycopg.AsyncConnection.connect(url) as conn:
        row = await (await conn.execute("SELECT count(*) FROM zone_hours")).fetchone()
    assert row is not None
    return StoreRun(took, writer.zone_hours_sent, int(row[0]))


@dataclass(slots=True)
class Case:
    region: Region
    vessels: int
    lines: list[bytes]
    groups: list[tuple[bytes, ...]]
    pyais: list[Clocked] = field(default_factory=list)
    alone: list[Clocked] = field(default_factory=list)
    stored: list[StoreRun] = field(default_factory=list)

    def report(self) -> None:
        n = len(self.groups)
        print(f"\n{self.region.name}, {self.vessels:,} vessels: {len(self.lines):,} lines, "
              f"{n:,} messages")  # fmt: skip
        print(f"  raw pyais.decode      {rates(n, self.pyais)}")
        print(f"  pipeline alone        {rates(n, self.alone)}")
        print(f"    ratio to pyais      {ratio(self.alone, self.pyais)}")
        if self.stored:
            took = [s.took for s in self.stored]
            print(f"  pipeline + store      {rates(n, took)}")
            print(f"    ratio to pyais      {ratio(took, self.pyais)}")
            last = self.stored[-1]
            print(f"  zone-hour rows sent {last.zone_hours_sent:,} "
                  f"({last.zone_hours_sent * YARDSTICK / n:,.0f} per {YARDSTICK:,} messages), "
                  f"rows in the table {last.zone_hours_kept:,}")  # fmt: skip


def throughput(args: argparse.Namespace) -> None:
    seconds = round(args.minutes * 60)
    cases = []
    for region in (RED_SEA, GULF_OF_GUINEA):
        for vessels in args.vessels:
            lines = traffic(region, vessels, seconds)
            cases.append(Case(region, vessels, lines, group_messages(lines)))

    async def runs(url: str | None) -> None:
        for case in cases:
            if url is not None:
                await store_run(case.lines[:BATCH], url)  # the schema and the partitions
            for _ in range(args.repeats):
                gc.collect()
                case.pyais.append(pyais_clocked(case.groups))
                gc.collect()
                case.alone.append(pipeline_run(case.lines))
                if url is not None:
                    gc.collect()
                    case.stored.append(await store_run(case.lines, url))

    async def with_store() -> None:
        async with fresh_database(args.database) as url:
            await runs(url)

    asyncio.run(runs(None) if args.skip_store else with_store())
    print(f"{args.minutes:g} min of event time per case, median of {args.repeats} runs; "
          "CPU = this process (PostgreSQL's own CPU not included)")  # fmt: skip
    for case in cases:
        case.report()


def held_bytes(pipeline: Pipeline, lines: list[bytes]) -> int:
    """Traced bytes the pipeline holds after the lines and ``finish``, outputs dropped."""
    gc.collect()
    before = tracemalloc.get_traced_memory()[0]
    feed(pipeline, lines)
    pipeline.finish()
    gc.collect()
    return tracemalloc.get_traced_memory()[0] - before


def memory(args: argparse.Namespace) -> None:
    half = args.memory_vessels // 2
    lines = traffic(RED_SEA, half, MEMORY_SECONDS) + traffic(GULF_OF_GUINEA, half, MEMORY_SECONDS)
    print(f"\nmemory: {args.memory_vessels:,} vessels for {MEMORY_SECONDS} s of event time, "
          f"{len(lines):,} lines (tracemalloc: Python and numpy allocations)")  # fmt: skip
    for label, window in (("duplicate filter on", 10.0), ("duplicate filter off", None)):
        pipeline = default_pipeline(window)
        tracemalloc.start()
        held = held_bytes(pipeline, lines)
        tracemalloc.stop()
        vessels = len(pipeline.tracks.vessels)
        print(f"  {label:<22} {vessels:,} vessels known: {held / vessels:,.0f} B a vessel")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--vessels", type=int, nargs="+", default=[2_000, 10_000])
    parser.add_argument("--minutes", type=float, default=15.0, help="event time per case")
    parser.add_argument("--database", default=PG_URL, help="server to create the database on")
    parser.add_argument("--memory-vessels", type=int, default=100_000)
    parser.add_argument("--skip-store", action="store_true")
    parser.add_argument("--skip-memory", action="store_true")
    args = parser.parse_args()
    tune_gc()
    throughput(args)
    if not args.skip_memory:
        memory(args)
    print(f"\n(medians of {args.repeats}; generated traffic cached in "
          f"{Path(tempfile.gettempdir()) / 'mda-bench-dense'})")  # fmt: skip


if __name__ == "__main__":
    main()
