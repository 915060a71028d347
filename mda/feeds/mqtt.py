"""Partner feeds over MQTT: each partner's releases on its own topics, QoS 1.

``{prefix}/feeds/{partner}/positions``: JSON ``{"positions": [...]}``, up to
``POSITIONS_PER_MESSAGE`` positions per message, in release order (the decoded-record names:
``time``, ``mmsi``, ``lat``, ``lon``, ``sog``, ``cog``, ``heading``, ``nav_status``,
``shipname``, ``callsign``, ``imo``, ``ship_type``, ``destination``, and ``ce_m``).
``{prefix}/feeds/{partner}/alerts``: one alert state per message, the partner's alert JSON.
``{prefix}/feeds/{partner}/nmea``: tag-blocked sentences, one per line, as mda's own MQTT
source reads them.

The broker's ACL (``mda feeds acl``) lets each partner read its own ``feeds/{partner}/#`` and
nothing else. While the broker is away, messages wait in a bounded queue (oldest dropped and
counted when it is full) and go out in order when it is back.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Final

import aiomqtt

from mda.feeds.core import SharedAlert, SharedPosition
from mda.feeds.isotime import iso_ms
from mda.net.backoff import Backoff, reconnecting
from mda.net.broker import BrokerSettings
from mda.net.outbox import Outbox

log = logging.getLogger("mda.feeds")

POSITIONS_PER_MESSAGE: Final = 500


def feed_topic(prefix: str, partner: str, kind: str) -> str:
    """The topic of one kind (``positions``, ``alerts``, ``nmea``) of a partner's feed."""
    return f"{prefix}/feeds/{partner}/{kind}"


def position_json(p: SharedPosition) -> dict[str, object]:
    """The published form of a position: the decoded-record names, ISO time."""
    return {
        "time": iso_ms(p.time), "mmsi": p.mmsi, "lat": p.lat, "lon": p.lon, "sog": p.sog,
        "cog": p.cog, "heading": p.heading, "nav_status": p.nav_status, "shipname": p.shipname,
        "callsign": p.callsign, "imo": p.imo, "ship_type": p.ship_type,
        "destination": p.destination, "ce_m": p.ce_m,
    }  # fmt: skip


def positions_payloads(positions: Sequence[SharedPosition]) -> list[bytes]:
    """Positions as JSON messages of at most ``POSITIONS_PER_MESSAGE`` each."""
    return [
        _json({"positions": [position_json(p) for p in positions[i : i + POSITIONS_PER_MESSAGE]]})
        for i in range(0, len(positions), POSITIONS_PER_MESSAGE)
    ]


def alert_payload(alert: SharedAlert) -> bytes:
    """One alert state as the partner's JSON."""
    return _json(alert.body)


def _json(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":"), default=str).encode()


class MqttFeedPublisher:
    """Publishes the MQTT-format partner feeds through one connection to the broker."""

    def __init__(
        self,
        broker: BrokerSettings,
        *,
        prefix: str | None = None,
        max_queued: int = 100_000,
        backoff_s: tuple[float, float] = (0.5, 30.0),
    ) -> None:
        self.broker = broker
        self.prefix = prefix or broker.topic_prefix
        self._queue: Outbox[tuple[str, bytes]] = Outbox(max_queued)
        self._backoff = Backoff(backoff_s)
        self.connected = False
        self.published = 0
        self.last_error = ""

    @property
    def queued(self) -> int:
        """Messages waiting for the broker."""
        return len(self._queue)

    @property
    def dropped(self) -> int:
        """Messages pushed out of a full queue while the broker was away."""
        return self._queue.dropped

    def send(self, messages: list[tuple[str, bytes]]) -> None:
        """Queue (topic, payload) messages of the feed formats on the broker (never blocks)."""
        self._queue.put(messages)

    async def flush(self, timeout_s: float) -> bool:
        """Wait until every queued message is published; False if the time ran out."""
        return await self._queue.flush(timeout_s)

    async def run(self) -> None:
        """Connect and publish, reconnecting with backoff, until cancelled."""
        await reconnecting(self._session, self._backoff, (aiomqtt.MqttError,), self._broken)

    async def _session(self) -> None:
        ident = f"{self.broker.client_id}-feeds" if self.broker.client_id else None
        async with self.broker.client(ident) as client:
            self.connected = True
            self._backoff.reset()
            log.info("publishing partner feeds to %s", self.broker.url)
            await self._send(client)

    def _broken(self, failure: BaseException | None) -> None:
        if failure is not None:
            self.last_error = str(failure)
        self.connected = False
        log.warning("MQTT broker %s: %s; %d feed messages wait, retrying in %.1f s",
                    self.broker.url, self.last_error, len(self._queue),
                    self._backoff.delay)  # fmt: skip

    async def _send(self, client: aiomqtt.Client) -> None:
        queue = self._queue
        while True:
            while queue.items:
                message = queue.items[0]
                # Removed once the broker acknowledged it (QoS 1): resent after a lost
                # connection, never skipped.
                await client.publish(*message, qos=1)
                queue.done(message)
                self.published += 1
            await queue.emptied()
