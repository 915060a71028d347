"""``mda demo``: the whole service on a fresh install, with nothing else running.

It starts mda's embedded PostgreSQL, and a Mosquitto broker if one is installed and none is
configured (otherwise alerts go to the console only), replays a bundled scenario recording at
speed, prints alerts as they fire and ends by saying how to look at what was stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from mda.alerts.broker import BrokerSettings, parse_broker_url
from mda.alerts.sinks import ConsoleAlertPrinter
from mda.config import Config, SourceSettings
from mda.resources import default_folder
from mda.service import ServiceReport
from mda.service_commands import print_report, start_service

DEMO_SCENARIO = "anchor-drag"


def demo_recording(scenario: str = DEMO_SCENARIO) -> Path:
    """The bundled recording of a scenario."""
    path = default_folder("ingest") / "samples" / f"{scenario}.nmea.gz"
    if not path.exists():
        raise typer.BadParameter(f"no bundled recording for the scenario {scenario!r}")
    return path


@contextlib.contextmanager
def local_broker() -> Iterator[BrokerSettings | None]:
    """A throwaway Mosquitto on a free local port, or None when Mosquitto is not installed."""
    binary = shutil.which("mosquitto") or next(
        (p for p in ("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto") if Path(p).exists()),
        None,
    )
    if binary is None:
        yield None
        return
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with tempfile.TemporaryDirectory(prefix="mda-demo-") as folder:
        conf = Path(folder) / "mosquitto.conf"
        conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n")
        process = subprocess.Popen(
            [binary, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                with socket.socket() as s:
                    if s.connect_ex(("127.0.0.1", port)) == 0:
                        break
                time.sleep(0.05)
            else:
                yield None
                return
            yield parse_broker_url(f"mqtt://127.0.0.1:{port}")
        finally:
            process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(5)


def demo_command(
    speed: Annotated[float, typer.Option(help="Replay speed (event time over wall time).")] = 600.0,
    scenario: Annotated[
        str, typer.Option(help="Which bundled scenario to replay.")
    ] = DEMO_SCENARIO,
    database: Annotated[
        str,
        typer.Option("--database", "-d", help="Where to store ('embedded': mda's own PostgreSQL)."),
    ] = "embedded",
    mqtt: Annotated[str | None, typer.Option(help="Publish alerts to this broker instead.")] = None,
) -> None:
    """Replay a bundled scenario through the whole service and show the alerts."""
    recording = demo_recording(scenario)
    typer.echo(f"mda demo: replaying {recording.name} at {speed:g}x", err=True)
    with contextlib.ExitStack() as stack:
        broker = parse_broker_url(mqtt) if mqtt else stack.enter_context(local_broker())
        if broker is None:
            typer.echo("mda demo: no MQTT broker installed: alerts go to this console only",
                       err=True)  # fmt: skip
        else:
            typer.echo(
                f"mda demo: alerts also published on {broker.url}, topic "
                f"{broker.topic_prefix}/alerts/# (watch them from another terminal while the "
                f"demo runs: mda alerts watch --mqtt {broker.url})",
                err=True,
            )
        config = Config(
            sources=(SourceSettings(str(recording)),), database_url=database, broker=broker,
            http_listen=None,
        )  # fmt: skip

        async def main() -> tuple[ServiceReport, float]:
            service = await start_service(config, live=False, speed=speed,
                                          sinks=[ConsoleAlertPrinter()])  # fmt: skip
            return await service.run(), service.pipeline.watermark

        report, watermark = asyncio.run(main())
    print_report(report)
    where = "" if database == "embedded" else f" --database {database}"
    day = datetime.fromtimestamp(watermark, UTC).date() if watermark > 0 else None
    window = f" --from {day} --to {day + timedelta(days=1)}" if day else ""
    typer.echo(
        "\nWhat was stored can be queried, for example:\n"
        f"  mda query alerts{window}{where}\n"
        f"  mda query track <MMSI or name>{window}{where} --format geojson -o track.geojson\n"
        f"  mda query events --zone mediterranean-sea{window}{where}\n"
        f"  mda db status{where}",
        err=True,
    )
