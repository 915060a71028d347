"""Processes sharing one configuration (scale-out workers, pair workers) each connect to the
broker under a client id of their own: with one id, the broker throws the older connection off
and the two take turns for ever. Real Mosquitto."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from dataclasses import replace

from mda.config import Config
from mda.runtime.outlets import mqtt_publisher
from tests.bounded import run_bounded
from tests.services import require_mosquitto
from tests.test_alerts_mqtt import alert, broker, receive


def test_workers_of_one_configuration_keep_their_broker_connections() -> None:
    async def scenario() -> tuple[list[str], list[str]]:
        await require_mosquitto()
        prefix = f"mda-clients-{uuid.uuid4().hex[:8]}"
        shared = broker(prefix, client_id=f"mda-{uuid.uuid4().hex[:6]}")
        config = replace(Config(), broker=shared)
        publishers = [mqtt_publisher(config, member=f"worker-w{i}") for i in range(2)]
        assert all(p is not None for p in publishers)
        running = [asyncio.create_task(p.run()) for p in publishers if p is not None]
        try:
            async with shared.client(f"console-{prefix}") as console:
                await console.subscribe(f"{prefix}/alerts/#", qos=1)
                # Two rounds: the second goes out after both have connected, so a publisher
                # thrown off by the other's connection has met it.
                got = []
                for round_ in range(2):
                    for i, p in enumerate(publishers):
                        assert p is not None
                        p.publish([alert(10 * round_ + i)])
                    got += await receive(console, 2)
                    for p in publishers:
                        assert p is not None
                        assert await p.flush(10.0)
            ids = [p.broker.client_id or "" for p in publishers if p is not None]
            errors = [p.last_error for p in publishers if p is not None]
            assert sorted(str(g["alert_id"]) for g in got) == ["id-0", "id-1", "id-10", "id-11"]
            return ids, errors
        finally:
            for task in running:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    ids, errors = run_bounded(scenario(), 60.0)
    assert errors == ["", ""], errors  # neither was disconnected
    assert len(set(ids)) == 2 and all(i.endswith(("-worker-w0", "-worker-w1")) for i in ids)
