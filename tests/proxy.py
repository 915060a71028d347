"""A TCP proxy the tests control, to cut the path to a real server mid-stream."""

from __future__ import annotations

import asyncio
import contextlib


class Proxy:
    """Forwards 127.0.0.1:<port> to a target; can cut live connections, refuse new ones, and
    freeze: hold every byte both ways (and new connections) until thawed, as a server that was
    SIGSTOPped or a link that drops every packet."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self.refusing = False
        self.cuts = 0
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.StreamWriter] = set()
        self._thawed = asyncio.Event()
        self._thawed.set()

    def freeze(self) -> None:
        """Hold all traffic, as a frozen server: nothing is refused, nothing answered."""
        self._thawed.clear()

    def thaw(self) -> None:
        """Let the held traffic through, and what follows."""
        self._thawed.set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.refusing:
            writer.close()
            return
        await self._thawed.wait()
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self._pipes |= {writer, up_writer}

        async def pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError, asyncio.CancelledError):
                while data := await src.read(65536):
                    await self._thawed.wait()
                    dst.write(data)
                    await dst.drain()
            dst.close()

        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(pump(reader, up_writer), pump(up_reader, writer))
        self._pipes -= {writer, up_writer}

    def cut(self) -> None:
        """Close every live connection, both ways, at once."""
        self.cuts += 1
        for pipe in list(self._pipes):
            if pipe.can_write_eof():
                with contextlib.suppress(OSError):
                    pipe.transport.abort()
        self._pipes.clear()

    async def close(self) -> None:
        self.cut()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
