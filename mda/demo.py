"""``mda demo``: the whole service on a fresh install, with nothing else running.

It starts mda's embedded PostgreSQL, and a Mosquitto broker if one is installed and none is
configured (otherwise alerts go to the console only), replays a bundled scenario recording at
speed, prints alerts as they fire and ends by saying how to look at what was stored.

With ``--api HOST:PORT`` it also serves the HTTP API and the live map, signed in by a throwaway
admin token (printed in the map's URL, kept in a temporary file, gone when the demo ends);
``--keep-serving`` keeps them up after the replay until Ctrl-C.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import typer

from mda.alerts.sinks import ConsoleAlertPrinter
from mda.config import Config, SourceSettings
from mda.ingest.sources import LineBatch, Source, SourceCounts
from mda.net.broker import BrokerSettings, parse_broker_url
from mda.resources import default_folder
from mda.runtime.report import ServiceReport, print_report
from mda.runtime.service import Service, start_service
from mda.runtime.signals import until_signal

DEMO_TOKEN_NAME = "demo"


def demo_recording(scenario: str) -> Path:
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


class HeldOpen:
    """A recording that, once read, stays open without more lines until the service stops:
    the service (its API and map, acknowledgements stored as usual) outlives the replay."""

    def __init__(self, source: Source) -> None:
        self.name = source.name
        self.lateness_s = source.lateness_s
        self.source = source
        self.lines = 0  # lines handed over so far
        self.read = False  # the recording has been read to its end

    @property
    def counts(self) -> SourceCounts:
        """What the recording's source dropped (read through: it keeps counting)."""
        return self.source.counts

    async def batches(self) -> AsyncIterator[LineBatch]:
        """The recording's batches, then nothing until cancelled."""
        async for batch in self.source.batches():
            self.lines += len(batch.lines)
            yield batch
        self.read = True
        yield LineBatch(self.name, None, [], end_of_input=True)
        await asyncio.Event().wait()  # the service cancels its sources when it stops


async def _announce(service: Service, token: str, keep_serving: bool) -> None:
    """Print the map's address once the API listens, and when a kept-open replay is over."""
    api = service.api
    assert api is not None
    # Polled: the service starts its API inside run() and signals nothing when it listens.
    while True:
        if api.serving:
            break
        await asyncio.sleep(0.05)
    typer.echo(
        f"mda demo: live map on {api.url}/map/#token={token}\n"
        f"mda demo: (admin token {DEMO_TOKEN_NAME!r}, valid while the demo runs; the HTTP "
        f"API is described at {api.url}/docs)",
        err=True,
    )
    held = [s for s in service.sources if isinstance(s, HeldOpen)]
    if not keep_serving or not held:
        return
    # Read is not replayed: the replay is over once the pipeline has taken every line read.
    while True:
        if all(s.read for s in held) and service.figures.lines >= sum(s.lines for s in held):
            break
        await asyncio.sleep(0.2)
    typer.echo(f"mda demo: the replay is over; the map stays up at {api.url}/map/ until Ctrl-C",
               err=True)  # fmt: skip


def run_demo(speed: float, scenario: str, database: str, mqtt: str | None, api: str | None,
             keep_serving: bool) -> None:  # fmt: skip
    """Replay the bundled recording of ``scenario`` through the whole service (stored in
    ``database``, alerts to the console and a broker), serving the API and the map on ``api``
    if given, and say how to look at what was stored."""
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
        token = ""
        if api is not None:
            from mda.api.tokens import TokenStore
            from mda.settings.api import ApiSettings

            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="mda-demo-")))
            settings = ApiSettings(listen=api, tokens_file=folder / "api-tokens.json")
            token = TokenStore(settings.tokens_file).add(DEMO_TOKEN_NAME, "admin")
            config = dataclasses.replace(config, api=settings)

        async def main() -> tuple[ServiceReport, float]:
            service = await start_service(config, live=False, speed=speed,
                                          sinks=[ConsoleAlertPrinter()])  # fmt: skip
            if api is None:
                return await service.run(), service.pipeline.watermark
            if keep_serving:
                service.sources = [HeldOpen(s) for s in service.sources]
            announcer = asyncio.create_task(_announce(service, token, keep_serving))
            try:
                report = await until_signal(service.run)
            finally:
                announcer.cancel()
            return report, service.pipeline.watermark

        report, watermark = asyncio.run(main())
    print_report(report)
    where = "" if database == "embedded" else f" --database {database}"
    day = datetime.fromtimestamp(watermark, UTC).date() if watermark > 0 else None
    window = f" --from {day} --to {day + timedelta(days=1)}" if day else ""
    typer.echo(
        "\nWhat was stored can be queried, for example:\n"
        f"  mda query alerts{window}{where}\n"
        f"  mda query track <MMSI or name>{window}{where} --format geojson --geometry lines "
        "-o track.geojson\n"
        f"  mda query events --zone mediterranean-sea{window}{where}\n"
        f"  mda db status{where}",
        err=True,
    )
