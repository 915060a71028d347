"""Connections that cannot hang: keepalives on, and every write bounded in time.

A server that is frozen (SIGSTOPped, swapped out) or behind a link that drops every packet
never refuses anything: without a bound, a COPY waits for ever, and so does everything queued
behind it. A write that has had no answer within the timeout counts as a lost connection, so
the writer spools; the connection's socket is shut down, because a frozen server answers a
cancel request no better than the query.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Coroutine
from typing import Any, TypeVar

import psycopg

from mda.store.splitting import WriteTimeoutError

Connection = psycopg.AsyncConnection[tuple[Any, ...]]
T = TypeVar("T")


async def connect(url: str, timeout_s: float) -> Connection:
    """A connection whose setup, and whose idle or unacknowledged link, are bounded in time."""
    # Keepalives and a TCP user timeout find a dead link while idle or mid-send; ``bounded``
    # covers a server that is reached but does not answer.
    conn: Connection = await psycopg.AsyncConnection.connect(
        url, connect_timeout=max(2, int(timeout_s)), keepalives=1, keepalives_idle=10,
        keepalives_interval=5, keepalives_count=3, tcp_user_timeout=int(timeout_s * 1000),
    )  # fmt: skip
    return conn


async def bounded(conn: Connection, work: Coroutine[Any, Any, T], timeout_s: float) -> T:
    """Run ``work`` on ``conn``, or sever the connection and raise ``WriteTimeoutError`` once
    the database has not answered for ``timeout_s``."""
    task = asyncio.ensure_future(work)
    done, _ = await asyncio.wait({task}, timeout=timeout_s)
    if done:
        return task.result()
    sever(conn)  # the task now fails at once on its dead socket
    with contextlib.suppress(Exception, asyncio.CancelledError):
        await asyncio.wait_for(task, 10.0)
    raise WriteTimeoutError(f"no answer from the database in {timeout_s:g} s")


def sever(conn: Connection) -> None:
    """Shut the connection's socket both ways: whatever waits on it fails at once."""
    with contextlib.suppress(OSError, ValueError, psycopg.Error):
        sock = socket.socket(fileno=conn.pgconn.socket)
        try:
            sock.shutdown(socket.SHUT_RDWR)
        finally:
            sock.detach()  # the descriptor stays libpq's
