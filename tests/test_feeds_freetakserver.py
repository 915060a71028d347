"""mda's CoT feed against a real TAK server, FreeTAKServer from PyPI: every event of a real
recording reaches a TAK client connected to the server, as the client reads it (takproto).

FreeTAKServer takes a connection's first read as the client's identity and drops connections
whose first read holds more (issue 18: mda wrote 256 events at once and reconnected forever)."""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from takproto.functions import xml2message

from mda.feeds.cot import identity_event, identity_uid
from mda.feeds.tak import TakClient
from mda.settings.feed_spec import TakServer
from tests.freetakserver import freetakserver, log_tail
from tests.test_feeds_cot_recording import recording_events

DELIVERY_TIMEOUT_S = 300.0
# FreeTAKServer routed 70 to 100 events a second here and lost what waited past about a
# thousand (1,016 of 1,616 unpaced): the pace docs/feeds.md gives for it.
PACE = 50.0
UID = re.compile(rb'uid="(MDA-AIS-\d+)"')


@pytest.fixture(scope="module")
def fts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    with freetakserver(tmp_path_factory.mktemp("fts")) as running:
        yield running


class TakWatcher:
    """A TAK client on the server, as ATAK connects: its identity, then it reads the events
    the server routes to it."""

    def __init__(self) -> None:
        self.data = b""
        self._task: asyncio.Task[None] | None = None
        self._changed = asyncio.Event()

    async def connect(self, port: int) -> None:
        reader, self._writer = await asyncio.open_connection("127.0.0.1", port)
        self._writer.write(identity_event(f"WATCHER-{time.time_ns()}", "watch", time.time()))
        await self._writer.drain()
        self._task = asyncio.create_task(self._read(reader))
        await self.until(bool)  # the server's welcome: it took the identity

    async def _read(self, reader: asyncio.StreamReader) -> None:
        while chunk := await reader.read(65536):
            self.data += chunk
            self._changed.set()
        self._changed.set()

    async def until(self, done: object, timeout_s: float = 60.0) -> None:
        async with asyncio.timeout(timeout_s):
            while not (callable(done) and done(self.data)):
                assert self._task is None or not self._task.done(), "the server dropped us"
                self._changed.clear()
                await self._changed.wait()

    async def close(self) -> None:
        self._writer.close()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def events(self) -> list[bytes]:
        return [e + b"</event>" for e in re.split(rb"</event>", self.data)[:-1]]


def latest_by_uid(events: list[bytes]) -> dict[str, ET.Element]:
    out: dict[str, ET.Element] = {}
    for raw in events:
        event = ET.fromstring(raw.strip())
        out[event.get("uid", "")] = event
    return out


async def test_every_event_of_a_real_recording_reaches_a_tak_client_through_freetakserver(
    fts: tuple[int, Path],
) -> None:
    port, log = fts
    events, _ = recording_events(step_size=10**9)  # one release: each vessel's latest fix
    sent = latest_by_uid(events)
    watcher = TakWatcher()
    await watcher.connect(port)
    server = TakServer("127.0.0.1", port, tls=False, events_per_s=PACE)
    client = TakClient(server, backoff_s=(0.05, 0.5),
                       identity=(identity_uid("navy-a"), "MDA"))  # fmt: skip
    client.send(events)
    task = asyncio.create_task(client.run())
    try:
        want = {uid.encode() for uid in sent}
        await watcher.until(lambda data: want <= set(UID.findall(data)), DELIVERY_TIMEOUT_S)
    except TimeoutError:
        seen = len(want & set(UID.findall(watcher.data)))
        raise AssertionError(f"{seen} of {len(want)} vessels reached the TAK client; "
                             f"FreeTAKServer's log:\n{log_tail(log)}") from None  # fmt: skip
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await watcher.close()
    assert client.connections == 1 and client.last_error == ""  # never dropped
    assert "tag mismatch" not in log.read_text(errors="replace")
    shown = latest_by_uid([e for e in watcher.events() if UID.search(e)])
    assert shown.keys() == sent.keys() and len(sent) > 1000
    for uid, event in shown.items():
        mine = sent[uid]
        assert event.get("type") == mine.get("type"), uid
        point, my_point = event.find("point"), mine.find("point")
        assert point is not None and my_point is not None
        assert float(point.get("lat", "")) == float(my_point.get("lat", "")), uid
        assert float(point.get("lon", "")) == float(my_point.get("lon", "")), uid
        track, my_track = event.find("detail/track"), mine.find("detail/track")
        assert (track is None) == (my_track is None), uid
        detail = xml2message(ET.tostring(event)).cotEvent.detail
        if track is not None and my_track is not None:
            assert (detail.track.course, detail.track.speed) == (
                float(my_track.get("course", "")), float(my_track.get("speed", ""))), uid
        assert detail.contact.callsign == mine.find("detail/contact").get("callsign"), uid  # type: ignore[union-attr]
