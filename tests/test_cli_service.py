"""The service from the command line, as a user runs it: demo, replay, run, alerts ack."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import psycopg

from mda.net.broker import parse_broker_url
from mda.simulate.encoder import SentenceWriter
from tests.services import MQTT_HOST, MQTT_PORT, require_mosquitto

SAMPLE = Path(__file__).parent.parent / "ingest" / "samples"


def mda(*args: str, env: dict[str, str] | None = None,
        timeout: float = 300) -> subprocess.CompletedProcess[str]:  # fmt: skip
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MDA_")}
    return subprocess.run(
        [sys.executable, "-c", "import mda.cli; mda.cli.main()", *args],
        capture_output=True, text=True, env={**environment, **(env or {})}, timeout=timeout,
        check=False,
    )  # fmt: skip


def test_demo_replays_the_bundled_scenario_and_says_how_to_query(plain_database: str) -> None:
    result = mda("demo", "--speed", "100000", "--database", plain_database)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any("ALARM" in line and "open" in line and "cable_threat" in line for line in lines)
    assert "possible anchor drag" in result.stdout
    assert "mda query alerts --from 2026-01-01" in result.stderr
    with psycopg.connect(plain_database) as conn:
        row = conn.execute("SELECT count(*) FROM alerts WHERE rule = 'cable_threat'").fetchone()
    assert row == (1,)


def test_replay_writes_alerts_as_json_lines(tmp_path: Path) -> None:
    out = tmp_path / "alerts.jsonl"
    result = mda("replay", str(SAMPLE / "anchor-drag.nmea.gz"), "--out", str(out), "--quiet")
    assert result.returncode == 0, result.stderr
    alerts = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(a["rule"], a["state"]) for a in alerts] == [("cable_threat", "open"),
                                                          ("cable_threat", "cleared")]  # fmt: skip
    assert alerts[0]["zone"]["id"] == "cable-medusa"
    assert result.stdout == ""  # --quiet: no alert lines


def test_simulate_writes_a_scenario_and_its_truth(tmp_path: Path) -> None:
    out = tmp_path / "stop.nmea"
    result = mda("simulate", "gulf-of-aden-stop", "--vessels", "5", "--out", str(out))
    assert result.returncode == 0, result.stderr
    truth = json.loads((tmp_path / "stop.truth.json").read_text())
    assert [e["rule"] for e in truth["expected"]] == ["unexpected_stop"]
    assert out.read_bytes().count(b"\n") == truth["lines"]


def test_a_bad_config_is_one_clear_line(tmp_path: Path) -> None:
    config = tmp_path / "mda.toml"
    config.write_text("[mqtt]\nurl = 'http://broker'\n")
    result = mda("run", "--config", str(config))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"mda: error: {config}: mqtt.url: broker URL 'http://broker': expected mqtt://host:port "
        "or mqtts://host:port"
    ]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def http(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


async def test_live_service_metrics_health_and_acknowledgement_from_the_command_line(
    tmp_path: Path, plain_database: str
) -> None:
    await require_mosquitto()
    prefix = f"mda-test-{uuid.uuid4().hex[:8]}"
    udp, status_port = free_port(), free_port()
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "watch.toml").write_text("[watch_list]\nmmsi = [636000099]\n")
    config = tmp_path / "mda.toml"
    config.write_text(
        f'[[sources]]\nurl = "udp://127.0.0.1:{udp}"\n'
        f'[database]\nurl = "{plain_database}"\nspool_dir = "spool"\n'
        f'[mqtt]\nurl = "mqtt://{MQTT_HOST}:{MQTT_PORT}"\ntopic_prefix = "{prefix}"\n'
        f'[alerts]\nfolders = ["rules"]\n[http]\nlisten = "127.0.0.1:{status_port}"\n'
        # Nothing to wait for: one line, sent live (alerts come the lateness and a step after
        # the fix that causes them; 2 min and 1 min by default).
        '[pipeline]\nlateness = "0s"\nstep = "1s"\n'
    )
    service = subprocess.Popen(  # noqa: ASYNC220 - the service under test, in its own process
        [sys.executable, "-c", "import mda.cli; mda.cli.main()", "run", "--config", str(config)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                if http(f"http://127.0.0.1:{status_port}/healthz")[0] == 200:
                    break
            except OSError:
                pass
            await asyncio.sleep(0.2)
        broker = parse_broker_url(f"mqtt://{MQTT_HOST}:{MQTT_PORT}", topic_prefix=prefix)
        async with broker.client() as console:
            await console.subscribe(f"{prefix}/alerts/#", qos=1)
            line = SentenceWriter("rx").encode(
                {"type": 1, "mmsi": 636000099, "lat": 20.0, "lon": 38.5, "speed": 12.0,
                 "course": 330.0}, time.time())[0]  # fmt: skip
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.sendto(line + b"\n", ("127.0.0.1", udp))
            async for message in console.messages:
                opened = json.loads(message.payload)  # type: ignore[arg-type]
                break
        assert (opened["rule"], opened["state"]) == ("watch_list", "open")
        ack = await asyncio.to_thread(
            mda, "alerts", "ack", opened["alert_id"][:8], "--by", "officer Lee",
            "--mqtt", f"mqtt://{MQTT_HOST}:{MQTT_PORT}", "--topic-prefix", prefix,
        )  # fmt: skip
        assert ack.returncode == 0, ack.stderr
        assert "acknowledged" in ack.stdout
        # A second officer: answered by the service, not by the console's wait running out.
        again = await asyncio.to_thread(
            mda, "alerts", "ack", opened["alert_id"], "--by", "officer Kim", "--wait", "60",
            "--mqtt", f"mqtt://{MQTT_HOST}:{MQTT_PORT}", "--topic-prefix", prefix,
        )  # fmt: skip
        assert again.returncode == 1
        assert again.stderr.startswith(
            f"mda: error: alert {opened['alert_id']} was already acknowledged by officer Lee at "
        ), again.stderr
        code, metrics = http(f"http://127.0.0.1:{status_port}/metrics")
        assert code == 200
        assert 'mda_alerts_total{rule="watch_list",state="open"} 1.0' in metrics
        assert 'mda_alerts_total{rule="watch_list",state="acknowledged"} 1.0' in metrics
        assert "mda_messages_total 1.0" in metrics
        # The line's tag block agrees with the report's own second.
        assert 'mda_record_times_total{clock="tag",quality="agrees"} 1.0' in metrics
        code, health = http(f"http://127.0.0.1:{status_port}/healthz")
        assert code == 200 and json.loads(health)["store_connected"] is True
    finally:
        service.terminate()
        _, err = service.communicate(timeout=30)
    assert service.returncode == 0, err
    with psycopg.connect(plain_database) as conn:
        row = conn.execute("SELECT state, body->>'acknowledged_by' FROM alerts").fetchone()
    assert row == ("acknowledged", "officer Lee")
