"""The network plumbing every connection shares: backoff, host:port, MQTT URLs and TLS."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import time
from pathlib import Path

import pytest

from mda.errors import ConfigError
from mda.net.address import parse_host_port
from mda.net.backoff import Backoff, reconnecting
from mda.net.broker import parse_broker_url
from mda.net.mqtturl import MqttUrl, parse_mqtt_url
from mda.net.tls import client_context

BREAKS = 4  # connections broken before a reconnecting test stops its loop

# --- backoff ------------------------------------------------------------------------------


async def test_backoff_doubles_up_to_its_bound_and_starts_again_after_a_reset() -> None:
    backoff = Backoff((0.001, 0.004))
    seen = []
    for _ in range(5):
        seen.append(backoff.delay)
        await backoff.wait()
    assert seen == [0.001, 0.002, 0.004, 0.004, 0.004]
    backoff.reset()
    assert backoff.delay == 0.001


async def test_backoff_sleeps_the_delay_it_announced() -> None:
    backoff = Backoff((0.05, 1.0))
    start = time.monotonic()
    await backoff.wait()
    assert 0.05 <= time.monotonic() - start < 1.0
    assert backoff.delay == 0.1


@pytest.mark.parametrize("bounds", [(0.0, 1.0), (-1.0, 1.0), (2.0, 1.0)])
def test_backoff_bounds_must_be_positive_and_ordered(bounds: tuple[float, float]) -> None:
    with pytest.raises(ValueError, match="expected 0 < first <= most"):
        Backoff(bounds)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


async def test_reconnecting_waits_longer_after_each_failure_and_stops_when_cancelled() -> None:
    port = _closed_port()
    backoff = Backoff((0.01, 0.04))
    announced: list[float] = []
    failures: list[BaseException | None] = []
    enough = asyncio.Event()

    async def session() -> None:
        await asyncio.open_connection("127.0.0.1", port)  # nothing listens: refused

    def on_break(failure: BaseException | None) -> None:
        failures.append(failure)
        announced.append(backoff.delay)
        if len(failures) == BREAKS:
            enough.set()

    task = asyncio.create_task(reconnecting(session, backoff, (OSError,), on_break))
    await asyncio.wait_for(enough.wait(), 10.0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert all(isinstance(f, ConnectionRefusedError) for f in failures)
    assert announced[:BREAKS] == [0.01, 0.02, 0.04, 0.04]


async def test_a_session_that_connected_starts_the_next_wait_afresh() -> None:
    """A server that accepts and hangs up at once: each session connects (a reset), breaks,
    and the wait after it is the shortest again."""

    async def hang_up(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    server = await asyncio.start_server(hang_up, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    backoff = Backoff((0.01, 1.0))
    announced: list[float] = []
    failures: list[BaseException | None] = []
    enough = asyncio.Event()

    async def session() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        backoff.reset()
        try:
            async with asyncio.TaskGroup() as group:  # failures arrive grouped, as in TakClient

                async def until_closed() -> None:
                    if not await reader.read(1):
                        raise ConnectionError("closed")

                group.create_task(until_closed())
        finally:
            writer.close()

    def on_break(failure: BaseException | None) -> None:
        failures.append(failure)
        announced.append(backoff.delay)
        if len(failures) == BREAKS:
            enough.set()

    async with server:
        task = asyncio.create_task(
            reconnecting(session, backoff, (OSError, ConnectionError), on_break)
        )
        await asyncio.wait_for(enough.wait(), 10.0)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert [str(f) for f in failures[:BREAKS]] == ["closed"] * BREAKS
    assert announced[:BREAKS] == [0.01] * BREAKS


async def test_reconnecting_ends_with_a_failure_it_was_not_told_about() -> None:
    async def session() -> None:
        raise KeyError("a bug, not a broken connection")

    with pytest.raises(KeyError):
        await reconnecting(session, Backoff((0.01, 0.01)), (OSError,), lambda _: None)


async def test_a_session_that_simply_ends_is_reported_without_a_failure() -> None:
    reported: list[BaseException | None] = []

    async def session() -> None:
        if reported:
            raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        await reconnecting(session, Backoff((0.001, 0.001)), (OSError,), reported.append)
    assert reported == [None]


# --- host:port ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("127.0.0.1:10110", ("127.0.0.1", 10110)),
        ("receiver.example:0", ("receiver.example", 0)),  # a listener's "any free port"
        ("host:65535", ("host", 65535)),
        ("[::1]:8080", ("::1", 8080)),
        ("[fe80::1%eth0]:8080", ("fe80::1%eth0", 8080)),
        (":10110", ("0.0.0.0", 10110)),  # the default host
        ("[::]:10110", ("::", 10110)),
    ],
)
def test_host_port_pairs(text: str, expected: tuple[str, int]) -> None:
    assert parse_host_port(text, default_host="0.0.0.0") == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("host", "a port number is required"),
        ("host:", "a port number is required"),
        ("[::1]", "a port number is required"),
        ("[::1]:", "a port number is required"),
        ("host:http", r"'http' is not a port number \(0 to 65535\)"),
        ("host:65536", "'65536' is not a port number"),
        ("host:-1", "'-1' is not a port number"),
        ("host:١٢٣", "is not a port number"),  # digits, but not ASCII ones
        ("host: 80", "is not a port number"),
        ("::1:8080", "an IPv6 address needs brackets: \\[::1\\]:port"),
        ("[::1:8080", "an IPv6 address is written in brackets"),
        ("::1]:8080", "an IPv6 address is written in brackets"),
        (":8080", "a host is required"),
        ("", "a host is required"),
        ("user@host:1883", "'user@host' is not a host name or address"),
        ("my host:1883", "is not a host name or address"),
        ("host/path:1883", "is not a host name or address"),
    ],
)
def test_a_bad_host_port_says_what_is_wrong_in_one_line(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason) as caught:
        parse_host_port(text)
    assert "\n" not in str(caught.value)


def test_a_default_port_stands_in_for_a_missing_one_only() -> None:
    assert parse_host_port("broker", default_port=1883) == ("broker", 1883)
    assert parse_host_port("[::1]", default_port=8883) == ("::1", 8883)
    assert parse_host_port("broker:1884", default_port=1883) == ("broker", 1884)
    with pytest.raises(ValueError, match="a port number is required"):
        parse_host_port("broker:", default_port=1883)


# --- MQTT URLs ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("mqtt://broker", MqttUrl("broker", 1883, tls=False)),
        ("mqtts://broker", MqttUrl("broker", 8883, tls=True)),
        ("MQTTS://broker:9883", MqttUrl("broker", 9883, tls=True)),
        ("mqtt://[::1]/ais/#", MqttUrl("::1", 1883, tls=False, topic="ais/#")),
        (
            "mqtts://mda:s%40cr%3At@broker.example:8884/ais/+/nmea",
            MqttUrl("broker.example", 8884, True, "mda", "s@cr:t", "ais/+/nmea"),
        ),
        ("mqtt://user@broker", MqttUrl("broker", 1883, False, username="user")),
        ("mqtt://user:p@ss@broker", MqttUrl("broker", 1883, False, "user", "p@ss")),
    ],
)
def test_mqtt_urls(url: str, expected: MqttUrl) -> None:
    assert parse_mqtt_url(url) == expected


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://broker", "expected mqtt://host:port or mqtts://host:port"),
        ("broker:1883", "expected mqtt://host:port"),
        ("mqtt://broker:notaport", "'notaport' is not a port number"),
        ("mqtt://:1883", "a host is required"),
        ("mqtt://::1:1883", "brackets"),
    ],
)
def test_a_bad_mqtt_url_says_why(url: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_mqtt_url(url)


def test_broker_settings_from_a_url_keep_credentials_out_of_their_name() -> None:
    broker = parse_broker_url("mqtts://mda:secret@broker.example", client_id="mda-1")
    assert (broker.host, broker.port, broker.tls) == ("broker.example", 8883, True)
    assert (broker.username, broker.password, broker.client_id) == ("mda", "secret", "mda-1")
    assert broker.url == "mqtts://mda@broker.example:8883"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://broker", "broker URL 'http://broker': expected mqtt://host:port"),
        ("mqtt://broker:99999", "broker URL 'mqtt://broker:99999': '99999' is not a port"),
        ("mqtt://broker/ais", "a broker URL names no topic"),
    ],
)
def test_a_bad_broker_url_is_a_config_error(url: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_broker_url(url)


# --- TLS ----------------------------------------------------------------------------------


def test_a_client_context_verifies_the_server() -> None:
    context = client_context("a test server")
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname


def test_tls_files_that_cannot_be_read_name_what_they_are_for(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="TLS files for the MQTT broker mqtts://b:8883: "):
        client_context("the MQTT broker mqtts://b:8883", ca_file=tmp_path / "missing.pem")
    (tmp_path / "junk.pem").write_text("not a certificate")
    with pytest.raises(ConfigError, match="TLS files for the TAK server") as caught:
        client_context("the TAK server tls://tak:8089", cert_file=tmp_path / "junk.pem")
    assert "\n" not in str(caught.value)
