"""``mda alerts``: watch alerts and acknowledge them from a terminal, over MQTT."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mda.cli.args import more_than_zero
from mda.errors import ServiceUnavailableError

if TYPE_CHECKING:
    from mda.net.broker import BrokerSettings

app = typer.Typer(help="Watch and acknowledge alerts (over the MQTT broker).",
                  no_args_is_help=True)  # fmt: skip

BrokerOption = Annotated[
    str | None,
    typer.Option("--mqtt", help="Broker URL (default: the config's, $MDA_MQTT_URL, "
                 "else mqtt://127.0.0.1:1883)."),
]  # fmt: skip
ConfigOption = Annotated[
    Path | None, typer.Option("--config", "-c", help="Take the broker from this TOML file.")
]


PrefixOption = Annotated[
    str | None,
    typer.Option(help="Topic prefix of the service (default: the config's, else 'mda')."),
]


def resolve_broker(url: str | None, config: Path | None, prefix: str | None) -> BrokerSettings:
    """The broker: the option, the configuration (file and environment), or the local one."""
    from mda.config import load_config
    from mda.net.broker import parse_broker_url

    settings = load_config(config).broker
    if url:
        settings = parse_broker_url(url)
    elif settings is None:
        settings = parse_broker_url(os.environ.get("MDA_MQTT_URL", "mqtt://127.0.0.1:1883"))
    return replace(settings, topic_prefix=prefix) if prefix else settings


def _unreachable(broker: BrokerSettings, exc: Exception) -> ServiceUnavailableError:
    return ServiceUnavailableError(f"cannot reach the MQTT broker at {broker.url}: {exc}")


def _line(body: dict[str, object]) -> str:
    return (
        f"{body.get('updated')}  {str(body.get('severity', '')).upper():<7}  "
        f"{body.get('state', ''):<12}  {body.get('rule', ''):<16} {body.get('message', '')}  "
        f"[{str(body.get('alert_id', ''))[:8]}]"
    )


@app.command()
def watch(
    mqtt: BrokerOption = None,
    config: ConfigOption = None,
    topic_prefix: PrefixOption = None,
    client_id: Annotated[
        str | None,
        typer.Option(
            help="Console name: with it the broker keeps what fires while the console "
            "is away (persistent session, one day)."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the alerts' JSON.")] = False,
) -> None:
    """Print every alert state change as it is published (until Ctrl-C)."""
    import aiomqtt

    broker = resolve_broker(mqtt, config, topic_prefix)
    if client_id:
        broker = replace(broker, client_id=client_id, session_expiry_s=86_400)

    async def run() -> None:
        try:
            async with broker.client() as client:
                await client.subscribe(f"{broker.topic_prefix}/alerts/#", qos=1)
                typer.echo(f"mda: watching alerts on {broker.url}", err=True)
                async for message in client.messages:
                    if not isinstance(message.payload, bytes):
                        continue
                    body = json.loads(message.payload)
                    typer.echo(json.dumps(body) if as_json else _line(body))
        except aiomqtt.MqttError as exc:
            raise _unreachable(broker, exc) from exc

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())


@app.command()
def ack(
    alert_id: Annotated[str, typer.Argument(help="The alert's id (or the first 8 characters).")],
    by: Annotated[str, typer.Option("--by", help="Who takes it in hand.")],
    note: Annotated[str | None, typer.Option(help="What is being done about it.")] = None,
    mqtt: BrokerOption = None,
    config: ConfigOption = None,
    topic_prefix: PrefixOption = None,
    wait: Annotated[float, typer.Option(help="Seconds to wait for mda to confirm.")] = 10.0,
) -> None:
    """Acknowledge an alert; waits until the running service confirms it, or answers that
    someone already has."""
    import aiomqtt

    from mda.alerts.lifecycle import AlreadyAcknowledgedError
    from mda.alerts.mqtt import outcome_topic, send_ack

    more_than_zero("--wait", wait)
    broker = resolve_broker(mqtt, config, topic_prefix)

    async def run() -> dict[str, object] | None:
        try:
            async with broker.client() as client:
                await client.subscribe(f"{broker.topic_prefix}/alerts/#", qos=1)
                answers = outcome_topic(broker.topic_prefix, alert_id)
                await client.subscribe(answers, qos=1)
                await send_ack(broker, alert_id, by, note)

                async def confirmed() -> dict[str, object]:
                    async for message in client.messages:
                        if not isinstance(message.payload, bytes):
                            continue
                        body = json.loads(message.payload)
                        if message.topic.value == answers and body.get("state") == "refused":
                            # Not recorded: someone took the alert in hand first.
                            raise AlreadyAcknowledgedError(
                                str(body.get("alert_id")), str(body.get("acknowledged_by")),
                                str(body.get("acknowledged_at")),
                            )  # fmt: skip
                        if str(body.get("alert_id", "")).startswith(alert_id) and (
                            body.get("state") == "acknowledged"
                        ):
                            return dict(body)
                    raise AssertionError("unreachable")  # the message stream does not end

                try:
                    return await asyncio.wait_for(confirmed(), wait)
                except TimeoutError:
                    return None
        except aiomqtt.MqttError as exc:
            raise _unreachable(broker, exc) from exc

    body = asyncio.run(run())
    if body is None:
        raise ServiceUnavailableError(
            f"acknowledgement sent, but no mda service confirmed it within {wait:.0f} s "
            "(is it running, and is the alert still open?)"
        )
    typer.echo(f"acknowledged: {_line(body)}")
