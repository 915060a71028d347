"""Store queries for the API, kept off the event loop and within bounds.

Each query runs in a worker thread (ADBC and polars release the interpreter while the database
and Arrow work), at most ``query_workers`` at a time, each on a connection of its own with the
statement timeout and the window limits of the settings: a careless or hostile request costs the
database at most that, and never stalls the pipeline sharing the event loop. A request waits
for a free connection no longer than one query may run, then is told the store is busy (503):
under a flood of heavy requests, answers stay bounded in time instead of queueing for ever.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from mda.errors import ServiceUnavailableError
from mda.settings.api import ApiSettings
from mda.store.queries import Queries, QueryLimits
from mda.zones import ZoneCatalog

T = TypeVar("T")


class StoreReader:
    """A few ``Queries`` connections, lent to one request at a time."""

    def __init__(self, url: str, zones: ZoneCatalog, settings: ApiSettings) -> None:
        window = settings.max_window
        limits = QueryLimits(track=window, area=window, events=window, traffic=window,
                             statement_timeout_s=settings.statement_timeout_s)  # fmt: skip
        self.url = url
        self._idle = [Queries(url, zones=zones, limits=limits)
                      for _ in range(settings.query_workers)]  # fmt: skip
        self._workers = settings.query_workers
        self._free = asyncio.Semaphore(len(self._idle))
        self._wait_s = settings.statement_timeout_s

    async def run(self, work: Callable[[Queries], T]) -> T:
        """Run ``work`` with a connection of its own, in a worker thread;
        ServiceUnavailableError when none came free in time."""
        try:
            await asyncio.wait_for(self._free.acquire(), self._wait_s)
        except TimeoutError:
            workers = self._workers
            raise ServiceUnavailableError(
                f"the store is busy ({workers} {'query' if workers == 1 else 'queries'} "
                "running, the most at once); try again shortly"
            ) from None
        queries = self._idle.pop()
        done = asyncio.get_running_loop().run_in_executor(None, work, queries)

        def release(finished: asyncio.Future[T]) -> None:
            self._idle.append(queries)
            self._free.release()
            if not finished.cancelled():
                finished.exception()  # retrieved: a request that went away does not log it

        # The connection goes back only when the thread is done with it, even if the request
        # was cancelled (the client went away) while the query ran.
        done.add_done_callback(release)
        return await asyncio.shield(done)

    def close(self) -> None:
        """Close every connection (a later query reopens one)."""
        for queries in self._idle:
            queries.close()
