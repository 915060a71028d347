"""Alerts to watch consoles over MQTT, and acknowledgements back from them.

Every state change of an alert is published as JSON on ``{prefix}/alerts/{rule}/{mmsi}`` with
QoS 1: the broker keeps it for consoles with a persistent session that are away. While the
broker is unreachable, alerts wait in a bounded queue (and in the store) and go out in order
when it is back. Acknowledgements arrive on ``{prefix}/ack/{alert_id}`` as JSON
``{"by": "...", "note": "..."}``. One that cannot be applied because the alert is already
acknowledged is answered at once on ``{prefix}/ack/{alert_id}/outcome`` (the id as the console
sent it) with ``{"state": "refused", "reason", "alert_id", "acknowledged_by",
"acknowledged_at"}``; a successful one is answered by the alert's ``acknowledged`` state.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from typing import Any

import aiomqtt

from mda.alerts.lifecycle import AlreadyAcknowledgedError
from mda.model import Alert
from mda.net.backoff import Backoff, reconnecting
from mda.net.broker import BrokerSettings
from mda.net.outbox import Outbox

log = logging.getLogger("mda.alerts")

AckHandler = Callable[[str, str, str | None], None]


def alert_topic(prefix: str, alert: Alert) -> str:
    """Where an alert's state changes are published."""
    return f"{prefix}/alerts/{alert.rule}/{alert.mmsi if alert.mmsi is not None else 'none'}"


def alert_json(alert: Alert) -> bytes:
    """The published form of an alert (the DESIGN alert contract)."""
    return json.dumps(alert.body, separators=(",", ":"), default=str).encode()


def outcome_topic(prefix: str, alert_id: str) -> str:
    """Where the answer to an acknowledgement that was refused goes."""
    return f"{prefix}/ack/{alert_id}/outcome"


def parse_ack(topic: str, payload: bytes, prefix: str) -> tuple[str, str, str | None]:
    """(alert id, by whom, note) from an acknowledgement message; ValueError if malformed."""
    head = f"{prefix}/ack/"
    if not topic.startswith(head) or len(topic) == len(head):
        raise ValueError(f"not an acknowledgement topic: {topic}")
    try:
        body = json.loads(payload or b"{}")
    except json.JSONDecodeError as exc:
        raise ValueError(f"acknowledgement is not JSON: {exc}") from exc
    by = body.get("by") if isinstance(body, dict) else None
    if not isinstance(by, str) or not by.strip():
        raise ValueError('acknowledgement needs {"by": "who"}')
    note = body.get("note")
    return topic[len(head) :], by.strip(), note if isinstance(note, str) else None


class MqttAlertPublisher:
    """Publishes alerts in order, reconnecting with backoff; receives acknowledgements."""

    def __init__(
        self,
        broker: BrokerSettings,
        on_ack: AckHandler | None = None,
        *,
        max_queued: int = 100_000,
        backoff_s: tuple[float, float] = (0.5, 30.0),
    ) -> None:
        self.broker = broker
        self.on_ack = on_ack
        self.prefix = broker.topic_prefix
        self._queue: Outbox[Alert] = Outbox(max_queued)
        self._backoff = Backoff(backoff_s)
        self.connected = False
        self.published = 0
        self.bad_acks = 0
        self.last_error = ""
        self._answers: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue(maxsize=1000)

    def publish(self, alerts: list[Alert]) -> None:
        """Queue alerts for publishing (never blocks the pipeline)."""
        self._queue.put(alerts)

    @property
    def dropped(self) -> int:
        """Alerts pushed out of a full queue while the broker was away (they are in the store)."""
        return self._queue.dropped

    @property
    def queued(self) -> int:
        """Alerts waiting for the broker."""
        return len(self._queue)

    async def flush(self, timeout_s: float) -> bool:
        """Wait until every queued alert is published; False if the time ran out."""
        return await self._queue.flush(timeout_s)

    def refuse(self, sent_id: str, refusal: AlreadyAcknowledgedError) -> None:
        """Answer a console whose acknowledgement was refused (best effort: an answer that finds
        the broker away or the queue full is dropped; the console then says it had none)."""
        body = {"state": "refused", "reason": str(refusal), "alert_id": refusal.alert_id,
                "acknowledged_by": refusal.by, "acknowledged_at": refusal.at}  # fmt: skip
        topic = outcome_topic(self.prefix, sent_id)
        with contextlib.suppress(asyncio.QueueFull):
            self._answers.put_nowait((topic, json.dumps(body).encode()))

    async def run(self) -> None:
        """Connect, subscribe to acknowledgements and publish, until cancelled."""
        await reconnecting(self._session, self._backoff, (aiomqtt.MqttError,), self._broken)

    async def _session(self) -> None:
        async with self.broker.client() as client:
            self.connected = True
            self._backoff.reset()
            log.info("publishing alerts to %s", self.broker.url)
            await client.subscribe(f"{self.prefix}/ack/+", qos=1)
            async with asyncio.TaskGroup() as group:
                group.create_task(self._send(client))
                group.create_task(self._receive(client))
                group.create_task(self._answer(client))

    def _broken(self, failure: BaseException | None) -> None:
        if failure is not None:
            self.last_error = str(failure)
        self.connected = False
        log.warning(
            "MQTT broker %s: %s; %d alerts wait, retrying in %.1f s",
            self.broker.url, self.last_error, len(self._queue), self._backoff.delay,
        )  # fmt: skip

    async def _send(self, client: aiomqtt.Client) -> None:
        queue = self._queue
        while True:
            while queue.items:
                alert = queue.items[0]
                # Removed only once the broker has acknowledged it (QoS 1): a lost connection
                # means it is sent again, never skipped.
                await client.publish(alert_topic(self.prefix, alert), alert_json(alert), qos=1)
                queue.done(alert)
                self.published += 1
            await queue.emptied()

    async def _answer(self, client: aiomqtt.Client) -> None:
        while True:
            topic, payload = await self._answers.get()
            await client.publish(topic, payload, qos=1)

    async def _receive(self, client: aiomqtt.Client) -> None:
        async for message in client.messages:
            payload = message.payload if isinstance(message.payload, bytes) else b""
            try:
                alert_id, by, note = parse_ack(message.topic.value, payload, self.prefix)
            except ValueError as exc:
                self.bad_acks += 1
                log.warning("ignored acknowledgement on %s: %s", message.topic.value, exc)
                continue
            if self.on_ack is not None:
                self.on_ack(alert_id, by, note)


async def send_ack(broker: BrokerSettings, alert_id: str, by: str, note: str | None) -> None:
    """Acknowledge an alert as a console would (the ``mda alerts ack`` command)."""
    body: dict[str, Any] = {"by": by}
    if note:
        body["note"] = note
    async with broker.client() as client:
        await client.publish(
            f"{broker.topic_prefix}/ack/{alert_id}", json.dumps(body).encode(), qos=1
        )
