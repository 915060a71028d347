"""HTTP API latency: one vessel's day track from the store, and the live picture of 10,000
vessels, measured by a load tool in another process over loopback.

    python -m bench.api [--database URL] [--vessels N] [--duration S] [--keep]

1. A fresh database is filled through mda's StoreWriter: ``--store-vessels`` vessels (36)
   reporting every 10 s for a day (8,640 fixes each, 311,040 rows).
2. A server process builds a pipeline over mda's default zones and rules, feeds it ``--vessels``
   synthetic vessels (10,000 in the Red Sea and Gulf of Aden, with static reports), and serves
   the API with uvicorn inside its event loop, as ``mda run`` does.
3. ``wrk`` (Debian's package; a separate httpx process when it is missing) loads each endpoint
   for ``--duration`` seconds with 1 and with 4 connections and reports p50 and p99.

Each track request is also written to the audit log, as in service. The database is dropped
at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg

from bench.common import tune_gc
from mda.model import Position, VesselStatic
from mda.store.batch import StoreBatch
from mda.store.writer import StoreWriter
from tests.services import PG_URL, database_url

T0 = 1_767_225_600.0  # 2026-01-01T00:00:00Z
DAY_S = 86_400
FIX_EVERY_S = 10.0
DAY = "since=2026-01-01T00:00:00Z&until=2026-01-02T00:00:00Z"


# -- data ------------------------------------------------------------------------------------


def day_tracks(vessels: int, first_mmsi: int = 636_100_000) -> list[Position]:
    """Vessels zig-zagging across the Red Sea for a day, a fix every 10 s."""
    out = []
    for v in range(vessels):
        mmsi = first_mmsi + v
        lat0, lon0 = 14.0 + v * 0.3, 40.0 + (v % 5) * 0.2
        for i in range(int(DAY_S / FIX_EVERY_S)):
            t = T0 + i * FIX_EVERY_S + v
            leg = (i // 360) % 2  # a turn every hour
            cog = 340.0 if leg == 0 else 20.0
            lat = lat0 + i * 2.5e-5
            lon = lon0 + (0.01 if leg else -0.01) * math.sin(i / 360.0)
            out.append(Position(t, mmsi, 1, lat, lon, 12.3, cog, int(cog), 0, 0.0, True, "bench"))
    return out


async def fill_store(url: str, vessels: int) -> int:
    """Write the day tracks through the store writer, in service-sized batches."""
    positions = day_tracks(vessels)
    writer = StoreWriter(url)
    await writer.start()
    for i in range(0, len(positions), 20_000):
        await writer.write(StoreBatch(positions=positions[i : i + 20_000]))
    await writer.close()
    return len(positions)


def live_records(vessels: int) -> list[Position | VesselStatic]:
    """Two fixes and a static report for each of ``vessels`` vessels, Red Sea to Aden."""
    records: list[Position | VesselStatic] = []
    for v in range(vessels):
        mmsi = 200_000_000 + v * 37
        lat, lon = 12.0 + (v % 100) * 0.15, 38.0 + (v // 100) * 0.05
        records.append(VesselStatic(T0, mmsi, 5, f"BENCH {v}", f"B{v}", None, 70 + v % 20,
                                    100, 20, 10, 10, 7.5, "JEDDAH"))  # fmt: skip
        for k in range(2):
            records.append(Position(T0 + 60 * k, mmsi, 1, lat + k * 1e-3, lon, 11.0, 0.0, 0, 0,
                                    0.0, True, "bench"))  # fmt: skip
    return records


# -- the server process -----------------------------------------------------------------------


async def serve(database: str | None, tokens_file: Path, vessels: int) -> None:
    """Run the API (and its map) over a live picture of ``vessels`` vessels and the store
    (None: no store), until SIGTERM."""
    from mda.api import ApiServer, LivePicture, TokenStore, build_api
    from mda.config import Config
    from mda.runtime.core import make_pipeline
    from mda.settings.api import ApiSettings

    tune_gc()  # as mda's entry point does
    pipeline = make_pipeline(Config(http_listen=None))
    pipeline.process_records(live_records(vessels))
    live = LivePicture(pipeline)
    settings = ApiSettings(tokens_file=tokens_file)
    app = build_api(settings, TokenStore(tokens_file), live=live, store_url=database)
    server = ApiServer(app, "127.0.0.1:0")
    await server.start()
    print(f"ready {server.url} {len(await live.picture())}", flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    await server.stop()


# -- load ------------------------------------------------------------------------------------

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def wrk(url: str, token: str, connections: int, duration: float) -> dict[str, float]:
    """p50, p99 (ms) and requests per second from wrk."""
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{duration:g}s", "--latency", "--timeout", "30s",
         "-H", f"Authorization: Bearer {token}", url],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    figures = {}
    for pct in ("50", "99"):
        match = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", out, re.MULTILINE)
        assert match, out
        figures[f"p{pct}"] = float(match.group(1)) * _UNITS[match.group(2)]
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    figures["rps"] = float(rate.group(1)) if rate else float("nan")
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"{errors.group(1)} failed requests to {url}:\n{out}")
    return figures


async def _httpx_load(url: str, token: str, connections: int, duration: float) -> list[float]:
    import httpx

    latencies: list[float] = []
    deadline = time.perf_counter() + duration
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(timeout=30.0, limits=httpx.Limits(
            max_connections=connections)) as client:  # fmt: skip

        async def worker() -> None:
            while time.perf_counter() < deadline:
                start = time.perf_counter()
                response = await client.get(url, headers=headers)
                response.raise_for_status()
                latencies.append((time.perf_counter() - start) * 1e3)

        await asyncio.gather(*(worker() for _ in range(connections)))
    return latencies


def load(url: str, token: str, connections: int, duration: float) -> dict[str, float]:
    """The same figures from a separate Python process (httpx) when wrk is not installed."""
    script = ("import asyncio, json, sys; from bench.api import _httpx_load; "
              "print(json.dumps(asyncio.run(_httpx_load(*sys.argv[1:3], int(sys.argv[3]), "
              "float(sys.argv[4])))))")  # fmt: skip
    command = [sys.executable, "-c", script, url, token, str(connections), str(duration)]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    latencies = sorted(json.loads(out))
    return {"p50": statistics.median(latencies),
            "p99": latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))],
            "rps": len(latencies) / duration}  # fmt: skip


# -- main ------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", default=PG_URL, help="server to create the database on")
    parser.add_argument("--vessels", type=int, default=10_000, help="vessels in the picture")
    parser.add_argument("--store-vessels", type=int, default=36, help="vessels in the store")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per run")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument("--serve", nargs=2, metavar=("DATABASE", "TOKENS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve(args.serve[0], Path(args.serve[1]), args.vessels))
        return
    name = f"mda_bench_api_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(args.database, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
    url = database_url(args.database, name)
    try:
        run(url, args)
    finally:
        if not args.keep:
            with psycopg.connect(args.database, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]


def run(url: str, args: Any) -> None:
    from mda.api import TokenStore

    start = time.perf_counter()
    rows = asyncio.run(fill_store(url, args.store_vessels))
    print(f"store: {rows:,} positions of {args.store_vessels} vessels written through "
          f"StoreWriter in {time.perf_counter() - start:.1f} s")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="mda-bench-api-") as folder:
        tokens_file = Path(folder) / "tokens.json"
        token = TokenStore(tokens_file).add("bench", "analyst")
        server = subprocess.Popen(
            [sys.executable, "-m", "bench.api", "--vessels", str(args.vessels), "--serve", url,
             str(tokens_file)], stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            assert server.stdout is not None
            ready = server.stdout.readline().split()
            if not ready or ready[0] != "ready":
                raise SystemExit("the API server did not start")
            base, shown = ready[1], int(ready[2])
            print(f"live picture: {shown:,} vessels; API at {base} (uvicorn in the service's loop)")
            measure(base, token, args.duration)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(30)


def measure(base: str, token: str, duration: float) -> None:
    tool = "wrk" if shutil.which("wrk") else "httpx (separate process)"
    runner = wrk if shutil.which("wrk") else load
    endpoints = [
        ("day track of one vessel (8,640 fixes, JSON)",
         f"{base}/api/v1/vessels/636100007/track?{DAY}"),
        ("day track of one vessel, as CSV", f"{base}/api/v1/vessels/636100007/track?{DAY}"
         "&format=csv"),
        ("live picture, all 10,000 vessels (JSON)", f"{base}/api/v1/vessels?limit=10000"),
        ("live picture, a page of 100 in a zone", f"{base}/api/v1/vessels?limit=100"
         "&zone=red-sea"),
    ]  # fmt: skip
    print(f"load tool: {tool}, over loopback, {duration:g} s per run\n")
    print(f"{'endpoint':<46} {'conns':>5} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>8}")
    for label, url in endpoints:
        for connections in (1, 4):
            f = runner(url, token, connections, duration)
            print(f"{label:<46} {connections:>5} {f['p50']:>8.1f} {f['p99']:>8.1f} "
                  f"{f['rps']:>8.1f}", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
