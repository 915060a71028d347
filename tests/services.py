"""The real services tests use, and a clear failure (never a skip) when one is missing."""

from __future__ import annotations

import os

import aiomqtt

MQTT_HOST = os.environ.get("MDA_TEST_MQTT_HOST", "127.0.0.1")
MQTT_PORT = int(os.environ.get("MDA_TEST_MQTT_PORT", "1883"))


async def require_mosquitto() -> None:
    """Fail with a message naming the broker if Mosquitto does not answer."""
    try:
        async with aiomqtt.Client(MQTT_HOST, MQTT_PORT, timeout=5):
            return
    except aiomqtt.MqttError as exc:
        raise AssertionError(
            f"these tests need the Mosquitto broker at {MQTT_HOST}:{MQTT_PORT} "
            f"(start it with 'mosquitto -d'): {exc}"
        ) from exc


PG_URL = os.environ.get("MDA_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
TIMESCALE_URL = os.environ.get(
    "MDA_TEST_TIMESCALE_URL", "postgresql://postgres:postgres@127.0.0.1:5434/postgres"
)
SERVERS = {
    "postgresql": (PG_URL, "PostgreSQL 15 (pg_ctlcluster ... main start)"),
    "timescaledb": (TIMESCALE_URL, "TimescaleDB, Apache build (scripts/timescaledb-up)"),
}


def database_url(server_url: str, database: str) -> str:
    """The URL of another database on the same server."""
    base, _, _ = server_url.rpartition("/")
    return f"{base}/{database}"
