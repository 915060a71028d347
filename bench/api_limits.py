"""What hostile requests cost the API: huge bodies without a token, a world-wide area query
over a full store, zone simplification, each against a fresh ``mda api serve`` process.

    python -m bench.api_limits [--database URL] [--store-vessels N] [--server-code DIR]

Figures per case: the answer and how long it took, how much the server's peak resident memory
(VmHWM) grew, how much of a flood the client managed to send, and the slowest answer of a cheap
request (``GET /api/v1/me``) asked over and over meanwhile: how long the event loop, which in a
service also ingests, was held. ``--server-code`` runs the server from another copy of mda (an
older commit, say: ``git archive <commit> | tar -x -C DIR``) to compare.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg

from bench.api import DAY, fill_store
from tests.api_process import MIB, ApiProcess, api_process, post_flood
from tests.services import PG_URL, database_url


class Probe:
    """Asks a cheap endpoint again and again in a thread; keeps the slowest answer."""

    def __init__(self, api: ApiProcess) -> None:
        self.api = api
        self.slowest_s = 0.0
        self.answers = 0
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        headers = {"Authorization": f"Bearer {self.api.tokens['analyst']}"}
        with httpx.Client(base_url=self.api.url, headers=headers, timeout=120) as client:
            client.get("/api/v1/me").raise_for_status()  # connected and warm: not counted
            self._ready.set()
            while not self._stop.is_set():
                start = time.perf_counter()
                client.get("/api/v1/me").raise_for_status()
                self.slowest_s = max(self.slowest_s, time.perf_counter() - start)
                self.answers += 1
                time.sleep(0.005)

    def __enter__(self) -> Probe:
        self._thread.start()
        self._ready.wait(60)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


@contextlib.contextmanager
def fresh_server(url: str, env: dict[str, str] | None) -> Iterator[ApiProcess]:
    with (
        tempfile.TemporaryDirectory(prefix="mda-bench-limits-") as folder,
        api_process(Path(folder), url, env) as api,
    ):
        yield api


def case(name: str, url: str, env: dict[str, str] | None,
         work: Callable[[ApiProcess], str]) -> None:  # fmt: skip
    with fresh_server(url, env) as api:
        before = api.peak_rss()
        start = time.perf_counter()
        with Probe(api) as probe:
            what = work(api)
        took = time.perf_counter() - start
        grown = (api.peak_rss() - before) / MIB
    print(f"{name}: {what}; {took:.1f} s; server peak RSS +{grown:.0f} MiB; cheap request "
          f"slowest {probe.slowest_s * 1000:.0f} ms of {probe.answers}")  # fmt: skip


def flood(chunked: bool, posts: int = 1, size: int = 200 * MIB) -> Callable[[ApiProcess], str]:
    def work(api: ApiProcess) -> str:
        results: list[Any] = [None] * posts

        def one(i: int) -> None:
            results[i] = post_flood(api.address, "/api/v1/tokens", size, chunked=chunked)

        threads = [threading.Thread(target=one, args=(i,)) for i in range(posts)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        statuses = sorted({r.status for r in results})
        sent = sum(r.sent_bytes for r in results) / MIB
        return f"status {statuses}, {sent:.0f} of {posts * size / MIB:.0f} MiB sent"

    return work


def get(path: str) -> Callable[[ApiProcess], str]:
    def work(api: ApiProcess) -> str:
        headers = {"Authorization": f"Bearer {api.tokens['analyst']}"}
        answer = httpx.get(api.url + path, headers=headers, timeout=300)
        detail = answer.json().get("detail", "") if answer.status_code != 200 else ""
        return f"{answer.status_code} {detail[:70]}".strip()

    return work


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", default=PG_URL, help="server to create the database on")
    parser.add_argument(
        "--store-vessels",
        type=int,
        default=120,
        help="vessels of a day's track each in the store (8,640 fixes each)",
    )
    parser.add_argument("--server-code", help="run the server from this copy of mda")
    args = parser.parse_args()
    env = None
    if args.server_code:
        env = {**os.environ, "PYTHONPATH": str(Path(args.server_code).resolve())}
    name = f"mda_bench_limits_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(args.database, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
    url = database_url(args.database, name)
    try:
        rows = asyncio.run(fill_store(url, args.store_vessels))
        print(f"store: {rows:,} positions; server code: {args.server_code or 'this tree'}")
        case("200 MiB POST, no token, Content-Length", url, env, flood(False))
        case("200 MiB POST, no token, chunked", url, env, flood(True))
        case("3 x 100 MiB POSTs at once, no token", url, env, flood(False, 3, 100 * MIB))
        case("world bbox, one day (limit 500,000 rows)", url, env,
             get(f"/api/v1/positions?{DAY}&bbox=-180,-90,180,90"))  # fmt: skip
        case("zones simplified to 1 km (first time)", url, env,
             get("/api/v1/zones?simplify_m=1000"))  # fmt: skip
    finally:
        with psycopg.connect(args.database, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
