"""The live stream for browsers: server-sent events of alert changes and vessel updates.

The pipeline never waits for a browser. Each client has its own buffer, bounded in bytes;
handing it an event is appending to that buffer. A client whose buffer would overflow (it
reads slower than events arrive, or stopped reading) is dropped and counted: it gets a last
``dropped`` event, its stream ends, and an ``EventSource`` reconnects by itself.

Events (``event:`` then one line of JSON in ``data:``):

- ``alert``: one alert state change, its published body;
- ``vessels``: a JSON array of vessel rows, the vessels that reported since the last such event
  (at most one row per vessel per update interval: updates are coalesced, not queued);
- ``dropped``: the client fell too far behind and is disconnected.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Final

from mda.api.picture import Picture, PictureFilter

KEEPALIVE_S: Final = 15.0  # a comment line so that proxies keep an idle stream open
RETRY_MS: Final = 3000


def sse_frame(event: str, data: bytes) -> bytes:
    """One server-sent event (``data`` is one line of JSON)."""
    return b"event: " + event.encode() + b"\ndata: " + data + b"\n\n"


@dataclass(slots=True)
class StreamCounts:
    """What the stream did, for figures and tests."""

    clients: int = 0
    frames: int = 0
    dropped_clients: int = 0


class Subscriber:
    """One connected client: what it asked for, and its bounded buffer of events."""

    def __init__(
        self, audience: str, vessels: PictureFilter | None, alerts: bool, max_bytes: int
    ) -> None:
        self.audience = audience  # "" for mda's own picture, else a partner's name
        self.vessels = vessels  # which vessel updates it wants (None: none)
        self.alerts = alerts
        self.dropped = False
        self.ended = False  # the server is stopping
        self._max_bytes = max_bytes
        self._frames: deque[bytes] = deque()
        self._bytes = 0
        self._wake = asyncio.Event()

    @property
    def waiting_bytes(self) -> int:
        """Bytes handed over and not yet sent."""
        return self._bytes

    def offer(self, frame: bytes) -> bool:
        """Queue an event; False (and the client is dropped) when it would overflow."""
        if self.dropped:
            return False
        if self._bytes + len(frame) > self._max_bytes:
            self._frames.clear()
            self._bytes = 0
            self.dropped = True
            reason = {"reason": "the client read too slowly; reconnect to resume"}
            self._frames.append(sse_frame("dropped", json.dumps(reason).encode()))
            self._wake.set()
            return False
        self._frames.append(frame)
        self._bytes += len(frame)
        self._wake.set()
        return True

    def end(self) -> None:
        """End the stream once what is queued has been sent."""
        self.ended = True
        self._wake.set()

    async def frames(self) -> AsyncIterator[bytes]:
        """The bytes to send, as they come; ends after a drop."""
        yield f"retry: {RETRY_MS}\n\n".encode()
        while True:
            while self._frames:
                frame = self._frames.popleft()
                self._bytes = max(0, self._bytes - len(frame))
                yield frame
            if self.dropped or self.ended:
                return
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), KEEPALIVE_S)
            except TimeoutError:
                yield b": keep-alive\n\n"


class StreamHub:
    """Every connected client, by audience; hands events to their buffers."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.counts = StreamCounts()
        self._subscribers: dict[str, set[Subscriber]] = {}

    def subscribe(self, audience: str, vessels: PictureFilter | None, alerts: bool) -> Subscriber:
        """A new client of ``audience``."""
        sub = Subscriber(audience, vessels, alerts, self.max_bytes)
        self._subscribers.setdefault(audience, set()).add(sub)
        self.counts.clients += 1
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        """A client went away (or was dropped and has been told)."""
        group = self._subscribers.get(sub.audience)
        if group is not None and sub in group:
            group.discard(sub)
            self.counts.clients -= 1
            if not group:
                del self._subscribers[sub.audience]

    def close(self) -> None:
        """End every client's stream (the server is stopping)."""
        for group in list(self._subscribers.values()):
            for sub in list(group):
                sub.end()
                self.unsubscribe(sub)

    def listening(self, audience: str, *, vessels: bool = False) -> bool:
        """Whether any client of ``audience`` is connected (and wants vessel updates)."""
        group = self._subscribers.get(audience, ())
        return any(s.vessels is not None for s in group) if vessels else bool(group)

    def send_alert(self, audience: str, body: dict[str, Any]) -> None:
        """One alert state change to the clients of ``audience`` that want alerts."""
        group = [s for s in self._subscribers.get(audience, ()) if s.alerts]
        if not group:
            return
        frame = sse_frame("alert", json.dumps(body, separators=(",", ":")).encode())
        for sub in group:
            self._offer(sub, frame)

    def send_alert_to(self, sub: Subscriber, body: dict[str, Any]) -> None:
        """One alert to one client (the current alerts a new client starts with)."""
        self._offer(sub, sse_frame("alert", json.dumps(body, separators=(",", ":")).encode()))

    def send_vessels(self, audience: str, rows: Picture) -> None:
        """Vessel rows to the clients of ``audience``, each filtered as it asked."""
        shared: dict[PictureFilter, bytes] = {}
        for sub in list(self._subscribers.get(audience, ())):
            if sub.vessels is None:
                continue
            frame = shared.get(sub.vessels)
            if frame is None:
                selected = rows.rows_json(sub.vessels)
                frame = sse_frame("vessels", selected) if selected else b""
                shared[sub.vessels] = frame
            if frame:
                self._offer(sub, frame)

    def _offer(self, sub: Subscriber, frame: bytes) -> None:
        if sub.offer(frame):
            self.counts.frames += 1
        elif sub.dropped:
            self.counts.dropped_clients += 1
            self.unsubscribe(sub)  # it still sends its last event, then ends
