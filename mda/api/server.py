"""The API served by uvicorn inside the service's own event loop.

The service keeps its signal handling (uvicorn's is turned off here): on SIGTERM the service
stops the API with the rest. Sharing the loop is what lets handlers read the pipeline's state
between steps without locks; anything slow (store queries, large JSON) runs in threads.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Iterator

import uvicorn
from fastapi import FastAPI

from mda.api.app import api_context
from mda.errors import ConfigError, ServiceUnavailableError
from mda.net.address import parse_host_port

log = logging.getLogger("mda.api")
GRACE_S = 5  # open requests get this long to finish when the service stops


class _EmbeddedServer(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield  # the service handles SIGINT and SIGTERM


def listen_address(listen: str) -> tuple[str, int]:
    """``host:port`` (``[::1]:8080`` for IPv6) as a pair; ConfigError if it is not one."""
    try:
        return parse_host_port(listen, default_host="127.0.0.1")
    except ValueError as exc:
        raise ConfigError(f"api.listen: {listen!r} is not host:port") from exc


class ApiServer:
    """Starts and stops the API on ``host:port`` (port 0: any free port, see ``port``)."""

    def __init__(self, app: FastAPI, listen: str) -> None:
        self.app = app
        self.host, self.port = listen_address(listen)
        self._server: _EmbeddedServer | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        """Where the API answers."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def serving(self) -> bool:
        """Whether it listens now."""
        return self._server is not None and self._server.started

    async def start(self) -> None:
        """Open the store connections and the audit log, then listen. A port in use or an
        unreachable database is one clear error."""
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        # IPPROTO_TCP named explicitly: asyncio sets TCP_NODELAY only on sockets that say so,
        # and without it every small answer on a kept-alive connection waits ~40 ms for the
        # client's delayed ACK.
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.port))
        except OSError as exc:
            sock.close()
            raise ServiceUnavailableError(
                f"api.listen: cannot listen on {self.host}:{self.port}: {exc.strerror or exc}"
            ) from exc
        sock.listen(128)
        sock.setblocking(False)
        self.port = sock.getsockname()[1]
        try:
            await api_context(self.app).start()
        except BaseException:
            sock.close()
            raise
        # log_config=None: uvicorn logs through mda's logging as it is set up, untouched.
        config = uvicorn.Config(self.app, lifespan="off", log_config=None, log_level="warning",
                                access_log=False, timeout_graceful_shutdown=GRACE_S)  # fmt: skip
        server = self._server = _EmbeddedServer(config)
        self._task = asyncio.get_running_loop().create_task(server.serve(sockets=[sock]),
                                                            name="api")  # fmt: skip
        while not server.started:
            if self._task.done():
                await self._task  # re-raises why it could not start
                raise ServiceUnavailableError("the API server stopped while starting")
            await asyncio.sleep(0.01)
        log.info("HTTP API on %s/docs", self.url)

    async def stop(self) -> None:
        """End streams, let open requests finish (a few seconds at most), close."""
        await api_context(self.app).close()
        server, task = self._server, self._task
        self._server = self._task = None
        if server is None or task is None:
            return
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await task
