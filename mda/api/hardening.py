"""What every request meets before the API proper: a bound on its body, and headers on its
answer.

Both are plain ASGI wrappers around the whole application, outside FastAPI: FastAPI reads a
JSON body whole *before* it checks the token, so a bound placed any later would let anyone
without a token make the service hold (and parse) as much as they care to send, on the event
loop that also ingests.
"""

from __future__ import annotations

import json
from typing import Final

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_CLOSE: Final = (b"connection", b"close")
_NOSNIFF: Final = (b"x-content-type-options", b"nosniff")
_NO_STORE: Final = (b"cache-control", b"no-store")
# The map's own files set their headers (content policy, revalidation) and may be cached.
_MAP_PREFIX: Final = "/map"


class BodyTooLargeError(HTTPException):
    """A body went past the limit while the application read it. An HTTPException, so that
    FastAPI, which turns whatever else its reading of a body raises into a 400, answers it
    as what it is."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, _too_large_detail(limit), headers={"Connection": "close"})


def _too_large_detail(limit: int) -> str:
    return f"the request body is larger than the {limit} bytes allowed"


def _too_large(limit: int) -> tuple[list[tuple[bytes, bytes]], bytes]:
    body = json.dumps({"detail": _too_large_detail(limit)}).encode()
    headers = [(b"content-type", b"application/json"),
               (b"content-length", str(len(body)).encode()), _CLOSE]  # fmt: skip
    return headers, body


class BodyLimit:
    """Refuses a request body over ``limit`` bytes with 413: at once when its Content-Length
    says so (nothing of it is read), or as soon as a chunked body passes the limit (at most
    ``limit`` bytes are held). A body the application never read is not drained either: the
    answer closes the connection, so a client cannot make the server read what it ignores."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared, chunked = _body_of(scope)
        if declared is not None and declared > self.limit:
            await self._refuse(send)
            return
        received = 0
        ended = declared in (None, 0) and not chunked
        started = False

        async def counted_receive() -> Message:
            nonlocal received, ended
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise BodyTooLargeError(self.limit)
                ended = not message.get("more_body", False)
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", ()))
                if not ended and _CLOSE not in headers:
                    message = {**message, "headers": [*headers, _CLOSE]}
            await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except BodyTooLargeError:
            if started:
                raise
            await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        headers, body = _too_large(self.limit)
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _body_of(scope: Scope) -> tuple[int | None, bool]:
    """The declared Content-Length (None if absent or unreadable) and whether the body is
    chunked."""
    length: int | None = None
    chunked = False
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                length = int(value)
            except ValueError:
                length = None
        elif name == b"transfer-encoding":
            chunked = b"chunked" in value.lower()
    return length, chunked


class SecurityHeaders:
    """``X-Content-Type-Options: nosniff`` on every answer, and ``Cache-Control: no-store`` on
    every answer of the API (tokens, the picture and history are nobody's to keep: not a
    shared proxy's, not a browser's disk), unless the answer set its own. The map's static
    files keep their own caching."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        api_answer = not (path == _MAP_PREFIX or path.startswith(_MAP_PREFIX + "/"))

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                names = {name.lower() for name, _ in headers}
                if _NOSNIFF[0] not in names:
                    headers.append(_NOSNIFF)
                if api_answer and _NO_STORE[0] not in names:
                    headers.append(_NO_STORE)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)
