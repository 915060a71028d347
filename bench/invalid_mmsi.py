"""A feed full of invalid MMSIs: throughput and ``/metrics`` scrape time, before and after.

    python -m bench.invalid_mmsi [--count N] [--per-second R] [--scrape-every S] [--skip-before]

``--count`` distinct MMSIs no station may use (MID 100, never allocated), each heard once,
``--per-second`` lines a second of event time (tag-block times), as one recording. Two ways:

1. Offline: the lines through a pipeline with the default zones and rules in batches of 5,000,
   as ``mda replay`` hands them over; lines per second of the whole run.
2. Service: the recording replayed by the service (``Service`` with its status server on a free
   port) while a thread scrapes ``/metrics`` every ``--scrape-every`` seconds (1 s: a busy
   Prometheus); lines per second and the scrape times.

"Before" is the set of judged numbers as it was (a sorted array rebuilt every 1,024 new
numbers, searched with ``np.isin`` at every slice; no cap on vessels), swapped into the same
pipeline in the same run; "after" is mda as it is.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

import mda.rules.mmsi as mmsi_module
from bench.common import tune_gc
from mda.config import Config, SourceSettings
from mda.ingest.sources import FileSource
from mda.pipeline import Pipeline, build_pipeline
from mda.resources import default_folder
from mda.runtime.service import Service
from mda.simulate.encoder import SentenceWriter

T0 = 1_767_225_600.0
BATCH = 5_000


class LegacyNumberSet:
    """The set of judged numbers before issue 13 (kept here to measure against)."""

    MERGE_AT: Final = 1024

    def __init__(self) -> None:
        self.sorted = np.zeros(0, dtype=np.int64)
        self.recent: set[int] = set()
        self.capacity = 0  # the rule sets it; the legacy set had no bound

    def __len__(self) -> int:
        return len(self.sorted) + len(self.recent)

    def __contains__(self, mmsi: int) -> bool:
        if mmsi in self.recent:
            return True
        i = int(np.searchsorted(self.sorted, mmsi))
        return i < len(self.sorted) and int(self.sorted[i]) == mmsi

    def contains(self, mmsi: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        found: npt.NDArray[np.bool_] = np.isin(mmsi, self.sorted)
        if self.recent:
            found |= np.isin(mmsi, np.fromiter(self.recent, dtype=np.int64))
        return found

    def add(self, mmsi: int) -> None:
        self.recent.add(mmsi)
        if len(self.recent) >= self.MERGE_AT:
            fresh = np.fromiter(self.recent, dtype=np.int64, count=len(self.recent))
            self.sorted = np.union1d(self.sorted, fresh)
            self.recent.clear()


def _legacy_unusual(mmsi: npt.NDArray[np.int64], known: Any) -> list[int]:
    others = np.unique(mmsi[~mmsi_module.plain_ship_numbers(mmsi)])
    result: list[int] = others[~known.contains(others)].tolist()
    return result


@contextlib.contextmanager
def legacy_numbers() -> Iterator[None]:
    """The old lookup while the block runs (pipelines built inside get the old set)."""
    saved_set, saved_unusual = mmsi_module.NumberSet, mmsi_module.unusual_numbers
    mmsi_module.NumberSet = lambda _capacity: LegacyNumberSet()  # type: ignore[assignment,misc,return-value]
    mmsi_module.unusual_numbers = _legacy_unusual
    try:
        yield
    finally:
        mmsi_module.NumberSet, mmsi_module.unusual_numbers = saved_set, saved_unusual


def flood_lines(count: int, per_second: float) -> list[bytes]:
    """One position report from each of ``count`` invalid numbers, in time order."""
    writer = SentenceWriter("flood")
    lines: list[bytes] = []
    for k in range(count):
        fields = {"type": 1, "mmsi": 100_000_000 + k, "lat": 15.0 + (k % 1000) * 1e-3,
                  "lon": 40.0 + (k // 1000) * 1e-3, "speed": 8.0, "course": 90.0}  # fmt: skip
        lines += writer.encode(fields, T0 + k / per_second)
    return lines


def make_pipeline(before: bool) -> Pipeline:
    return build_pipeline([default_folder("zones")], [default_folder("alerts")],
                          max_vessels=10**9 if before else Config().max_vessels)  # fmt: skip


def offline(lines: list[bytes], before: bool) -> float:
    """Lines per second through the pipeline alone."""
    with legacy_numbers() if before else contextlib.nullcontext():
        pipeline = make_pipeline(before)
    start = time.perf_counter()
    for i in range(0, len(lines), BATCH):
        pipeline.process(lines[i : i + BATCH], "rx")
    pipeline.finish()
    return len(lines) / (time.perf_counter() - start)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _scraper(url: str, stop: threading.Event, times: list[float], every_s: float) -> None:
    while not stop.wait(every_s):
        start = time.perf_counter()
        try:
            with urllib.request.urlopen(url, timeout=600) as response:
                response.read()
        except OSError:
            continue  # not listening yet, or already stopped
        times.append(time.perf_counter() - start)


def service(path: Path, count: int, before: bool,
            every_s: float) -> tuple[float, list[float]]:  # fmt: skip
    """Lines per second of a replay by the service, and the scrape times meanwhile."""
    port = _free_port()
    config = replace(Config(http_listen=f"127.0.0.1:{port}"),
                     sources=(SourceSettings(str(path)),))  # fmt: skip
    with legacy_numbers() if before else contextlib.nullcontext():
        pipeline = make_pipeline(before)
    times: list[float] = []
    stop = threading.Event()
    thread = threading.Thread(target=_scraper, args=(f"http://127.0.0.1:{port}/metrics", stop,
                                                     times, every_s), daemon=True)  # fmt: skip
    thread.start()

    async def main() -> float:
        svc = Service(config, pipeline, [FileSource([str(path)])], live=False)
        start = time.perf_counter()
        await svc.run()
        return time.perf_counter() - start

    try:
        seconds = asyncio.run(main())
    finally:
        stop.set()
        thread.join(timeout=700)
    return count / seconds, times


def _report(label: str, fn: Callable[[], Any]) -> Any:
    result = fn()
    print(label, result if not isinstance(result, float) else f"{result:,.0f} lines/s",
          flush=True)  # fmt: skip
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=300_000)
    parser.add_argument("--per-second", type=float, default=10.0)
    parser.add_argument("--scrape-every", type=float, default=1.0)
    parser.add_argument("--skip-before", action="store_true", help="Measure mda as it is only.")
    args = parser.parse_args()
    tune_gc()
    lines = flood_lines(args.count, args.per_second)
    print(f"{args.count:,} invalid MMSIs, {len(lines):,} lines, {args.per_second:g} lines/s of "
          "event time", flush=True)  # fmt: skip
    ways = [False] if args.skip_before else [True, False]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "flood.nmea"
        path.write_bytes(b"\n".join(lines) + b"\n")
        for before in ways:
            name = "before" if before else "after "
            _report(f"offline {name}:", lambda b=before: offline(lines, b))
            rate, scrapes = service(path, len(lines), before, args.scrape_every)
            if scrapes:
                print(f"service {name}: {rate:,.0f} lines/s; /metrics scrapes {len(scrapes)}, "
                      f"median {statistics.median(scrapes):.3f} s, max {max(scrapes):.3f} s",
                      flush=True)  # fmt: skip
            else:
                print(f"service {name}: {rate:,.0f} lines/s; no scrape completed", flush=True)


if __name__ == "__main__":
    main()
