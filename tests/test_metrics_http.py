"""The metrics and health port answers what it is asked, and a request it will not serve
(too long, too many headers) gets a short HTTP answer: never a traceback in the log."""

from __future__ import annotations

import asyncio
import logging

import pytest

from mda.metrics import ServiceFigures, StatusServer


async def _ask(server: StatusServer, request: bytes) -> bytes:
    reader, writer = await asyncio.open_connection(server.host, server.port)
    try:
        writer.write(request)
        await writer.drain()
        return await asyncio.wait_for(reader.read(), 30)
    finally:
        writer.close()


async def _answers(request: bytes) -> bytes:
    server = StatusServer("127.0.0.1:0", ServiceFigures(), lambda: 0.0)
    await server.start()
    try:
        answer = await _ask(server, request)
        await asyncio.sleep(0)  # let the server's handler finish (and log, if it would)
    finally:
        await server.stop()
    return answer


async def test_metrics_are_served() -> None:
    answer = await _answers(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 200 OK\r\n") and b"mda_positions_total" in answer


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [(b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n", b"414"),
     (b"GET /metrics HTTP/1.1\r\nX-Big: " + b"b" * 70_000 + b"\r\n\r\n", b"431"),
     (b"GET /metrics HTTP/1.1\r\n" + b"X-A: 1\r\n" * 500 + b"\r\n", b"431")],
    ids=["long request line", "long header", "many headers"],
)  # fmt: skip
async def test_an_oversized_request_gets_a_short_answer_and_no_traceback(
    caplog: pytest.LogCaptureFixture, request_bytes: bytes, status: bytes
) -> None:
    with caplog.at_level(logging.DEBUG):
        answer = await _answers(request_bytes)
    assert answer.startswith(b"HTTP/1.1 " + status + b" "), answer[:80]
    assert [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info] == []
