"""Alerts over the real Mosquitto: QoS 1, persistent consoles, acknowledgements, broker loss."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid

import aiomqtt
import pytest

from mda.alerts.lifecycle import AlreadyAcknowledgedError
from mda.alerts.mqtt import MqttAlertPublisher, outcome_topic, parse_ack, send_ack
from mda.model import Alert
from mda.net.broker import BrokerSettings, parse_broker_url
from tests.proxy import Proxy
from tests.services import MQTT_HOST, MQTT_PORT, require_mosquitto


def alert(n: int, state: str = "open") -> Alert:
    body: dict[str, object] = {"alert_id": f"id-{n}", "state": state, "n": n}
    return Alert(f"id-{n}", f"rule:{n}:-", "cable_threat", "alarm", state, 0.0, float(n),  # type: ignore[arg-type]
                 636_000_000 + n, None, "m", body)  # fmt: skip


def broker(prefix: str, **options: object) -> BrokerSettings:
    return parse_broker_url(f"mqtt://{MQTT_HOST}:{MQTT_PORT}", topic_prefix=prefix, **options)


async def receive(
    client: aiomqtt.Client, count: int, within_s: float = 10.0
) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []

    async def take() -> None:
        async for message in client.messages:
            assert isinstance(message.payload, bytes)
            out.append(json.loads(message.payload))
            if len(out) == count:
                return

    await asyncio.wait_for(take(), within_s)
    return out


async def running(publisher: MqttAlertPublisher) -> asyncio.Task[None]:
    task = asyncio.create_task(publisher.run())
    for _ in range(100):
        if publisher.connected:
            break
        await asyncio.sleep(0.05)
    return task


async def stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def test_every_state_change_is_published_on_the_rule_and_vessel_topic() -> None:
    await require_mosquitto()
    prefix = f"mda-test-{uuid.uuid4().hex[:8]}"
    async with broker(prefix).client() as console:
        await console.subscribe(f"{prefix}/alerts/#", qos=1)
        publisher = MqttAlertPublisher(broker(prefix))
        task = await running(publisher)
        publisher.publish([alert(1), alert(1, "cleared")])
        got = []
        async for message in console.messages:
            got.append((message.topic.value, json.loads(message.payload)["state"], message.qos))  # type: ignore[arg-type]
            if len(got) == 2:
                break
        await stop(task)
    topic = f"{prefix}/alerts/cable_threat/636000001"
    assert got == [(topic, "open", 1), (topic, "cleared", 1)]


async def test_a_console_with_a_persistent_session_misses_nothing_while_away() -> None:
    await require_mosquitto()
    prefix = f"mda-test-{uuid.uuid4().hex[:8]}"
    console_settings = broker(prefix, client_id=f"console-{prefix}", session_expiry_s=300)
    async with console_settings.client() as console:
        await console.subscribe(f"{prefix}/alerts/#", qos=1)
    # The console is away (disconnected) while alerts fire.
    publisher = MqttAlertPublisher(broker(prefix))
    task = await running(publisher)
    publisher.publish([alert(n) for n in range(5)])
    assert await publisher.flush(10.0)
    await stop(task)
    # Back with the same identity and without subscribing again: the broker kept them.
    async with console_settings.client() as console:
        got = await receive(console, 5)
    assert [m["n"] for m in got] == [0, 1, 2, 3, 4]
    # A clean-session console that was away gets nothing: the persistence is what matters.
    clean = broker(prefix, client_id=f"clean-{prefix}")
    async with clean.client() as console:
        await console.subscribe(f"{prefix}/alerts/#", qos=1)
    publisher = MqttAlertPublisher(broker(prefix))
    task = await running(publisher)
    publisher.publish([alert(9)])
    assert await publisher.flush(10.0)
    await stop(task)
    async with clean.client() as console:
        with pytest.raises(TimeoutError):
            await receive(console, 1, within_s=1.0)


async def test_alerts_wait_for_a_broker_that_is_away_and_go_out_in_order() -> None:
    await require_mosquitto()
    prefix = f"mda-test-{uuid.uuid4().hex[:8]}"
    proxy = Proxy(MQTT_HOST, MQTT_PORT)
    await proxy.start()
    via_proxy = parse_broker_url(f"mqtt://127.0.0.1:{proxy.port}", topic_prefix=prefix)
    publisher = MqttAlertPublisher(via_proxy, backoff_s=(0.1, 0.5))
    async with broker(prefix).client() as console:
        await console.subscribe(f"{prefix}/alerts/#", qos=1)
        task = await running(publisher)
        publisher.publish([alert(0)])
        assert await publisher.flush(10.0)
        proxy.refusing = True  # the broker becomes unreachable
        proxy.cut()
        await asyncio.sleep(0.3)
        publisher.publish([alert(n) for n in range(1, 6)])
        await asyncio.sleep(0.5)
        assert publisher.queued > 0 and not publisher.connected
        proxy.refusing = False  # back
        assert await publisher.flush(15.0)
        got = await receive(console, 6)
        await stop(task)
    await proxy.close()
    numbers = [m["n"] for m in got]
    assert sorted(set(numbers)) == [0, 1, 2, 3, 4, 5]  # at least once, nothing lost
    assert numbers[-5:] == [1, 2, 3, 4, 5] or numbers == sorted(numbers)


async def test_acknowledgements_arrive_from_consoles() -> None:
    await require_mosquitto()
    prefix = f"mda-test-{uuid.uuid4().hex[:8]}"
    acks: list[tuple[str, str, str | None]] = []
    publisher = MqttAlertPublisher(broker(prefix), on_ack=lambda *a: acks.append(a))
    task = await running(publisher)
    await asyncio.sleep(0.2)
    await send_ack(broker(prefix), "alert-42", "officer Diallo", "called the master")
    async with broker(prefix).client() as other:  # a malformed one is counted, not obeyed
        await other.publish(f"{prefix}/ack/alert-43", b"not json", qos=1)
    for _ in range(100):
        if acks and publisher.bad_acks:
            break
        await asyncio.sleep(0.05)
    await stop(task)
    assert acks == [("alert-42", "officer Diallo", "called the master")]
    assert publisher.bad_acks == 1


async def test_an_acknowledgement_of_an_acknowledged_alert_is_answered_on_its_outcome_topic(
) -> None:
    await require_mosquitto()
    prefix = f"mda-test-{uuid.uuid4().hex[:8]}"
    publisher = MqttAlertPublisher(broker(prefix))
    refusal = AlreadyAcknowledgedError("5f0e1d2c-aaaa", "officer Lee", "2026-01-01T00:00:00Z")

    def refuse(alert_id: str, by: str, note: str | None) -> None:
        publisher.refuse(alert_id, refusal)  # what the service does for such an alert

    publisher.on_ack = refuse
    task = await running(publisher)
    async with broker(prefix).client() as console:
        await console.subscribe(outcome_topic(prefix, "5f0e1d2c"), qos=1)
        await send_ack(broker(prefix), "5f0e1d2c", "officer Kim", None)
        (answer,) = await receive(console, 1)
    await stop(task)
    assert answer == {
        "state": "refused", "alert_id": "5f0e1d2c-aaaa", "acknowledged_by": "officer Lee",
        "acknowledged_at": "2026-01-01T00:00:00Z",
        "reason": "alert 5f0e1d2c-aaaa was already acknowledged by officer Lee at "
                  "2026-01-01T00:00:00Z",
    }  # fmt: skip


def test_acknowledgement_messages_are_checked() -> None:
    assert parse_ack("mda/ack/abc", b'{"by": "x"}', "mda") == ("abc", "x", None)
    bad = [
        ("mda/ack/", b'{"by":"x"}', "not an acknowledgement topic"),
        ("mda/ack/a", b"{}", "needs"),
        ("mda/ack/a", b'{"by": ""}', "needs"),
        ("other/ack/a", b'{"by":"x"}', "not an acknowledgement topic"),
        ("mda/ack/a", b"{oops", "not JSON"),
    ]
    for topic, payload, why in bad:
        with pytest.raises(ValueError, match=why):
            parse_ack(topic, payload, "mda")
