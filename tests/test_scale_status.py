"""``/metrics`` and ``/healthz`` of a scale-out worker and gateway (the compose file's health
check asks every container): real nats-server, PostgreSQL and HTTP."""

from __future__ import annotations

import asyncio
import json
import re
import urllib.error
import urllib.request
from dataclasses import replace
from pathlib import Path
from typing import Any

from mda.ingest.sources import open_source
from mda.runtime.scaleout import run_worker
from mda.scale.gateway import Gateway
from mda.scale.jetstream import prepare
from mda.scale.status import start_status, wire_gateway
from mda.scale.worker import Worker
from tests.bounded import run_bounded
from tests.nats_servers import NatsCluster, free_ports
from tests.scale_kit import PARTITIONS, base_config, drained, scale_config


def _get(port: int, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def _value(metrics: str, name: str) -> float:
    found = re.search(rf"^{name} (\S+)$", metrics, re.MULTILINE)
    assert found, f"{name} not in /metrics:\n{metrics[:2000]}"
    return float(found.group(1))


def test_a_worker_and_a_gateway_serve_metrics_and_health(
    scale_recording: Path, scale_database: str, tmp_path: Path
) -> None:
    worker_port, gateway_port = free_ports(2)

    async def scenario() -> dict[str, Any]:
        config = scale_config(base_config(scale_database, scale_recording), cluster.urls)
        stop = asyncio.Event()
        started: list[Worker] = []
        worker_config = replace(config, http_listen=f"127.0.0.1:{worker_port}")
        running = asyncio.create_task(run_worker(worker_config, "w0", stop, live=False,
                                                 on_start=started.append))  # fmt: skip
        stream = await prepare(config.scale, "test-gateway")
        try:
            gateway = Gateway(config.scale, [open_source(str(scale_recording))], stream)
            status = await start_status(
                replace(config, http_listen=f"127.0.0.1:{gateway_port}"),
                wire_gateway(gateway, stream.nc),
            )
            assert status is not None
            try:
                report = await gateway.run()
                await drained(config.scale, report.published)
                out: dict[str, Any] = {"published": report.published}
                out["gateway"] = await asyncio.to_thread(_get, gateway_port, "/metrics")
                out["gateway_health"] = await asyncio.to_thread(_get, gateway_port, "/healthz")
            finally:
                await status.stop()
        finally:
            await stream.close()
        out["worker"] = await asyncio.to_thread(_get, worker_port, "/metrics")
        out["worker_health"] = await asyncio.to_thread(_get, worker_port, "/healthz")
        out["messages"] = started[0].report.messages
        out["positions"] = started[0].report.positions
        stop.set()
        await running
        return out

    with NatsCluster.start(1, PARTITIONS, tmp_path) as cluster:
        got = run_bounded(scenario(), 240.0)
    code, metrics = got["worker"]
    assert code == 200
    assert _value(metrics, "mda_scale_messages_total") == got["messages"] == got["published"]
    assert _value(metrics, "mda_positions_total") == got["positions"] > 0
    assert _value(metrics, "mda_scale_partitions_owned") == PARTITIONS
    assert _value(metrics, "mda_nats_connected") == 1.0
    code, health = got["worker_health"]
    assert code == 200 and json.loads(health)["status"] == "ok", health
    code, metrics = got["gateway"]
    assert code == 200
    assert _value(metrics, "mda_scale_published_total") == got["published"]
    assert _value(metrics, "mda_nats_connected") == 1.0
    code, health = got["gateway_health"]
    assert code == 200 and json.loads(health)["status"] == "ok", health
