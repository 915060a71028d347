"""``mda run`` and ``mda replay``: the service from the command line."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from mda.cli.args import more_than_zero

LATENESS_OPTION = typer.Option(
    help="How late lines may come and still be put in event-time order (default 2m; hours "
    "for satellite recordings, e.g. 3h)."
)
START_OPTION = typer.Option(
    help="Time lines that carry none from this ISO 8601 time (with --rate): a plain log."
)
RATE_OPTION = typer.Option(help="With --start: lines per second (10/s, 600/min).")
ARRIVAL_OPTION = typer.Option(
    help="Time lines that carry none when they are read (a live feed piped in)."
)


def run_command(
    config_path: Annotated[Path, typer.Option("--config", "-c", help="The service's TOML file.")],
) -> None:
    """Run the live service: sources, pipeline, store, alerts, metrics (until Ctrl-C)."""
    import asyncio

    from mda.config import load_config
    from mda.runtime.report import ServiceReport, print_report
    from mda.runtime.service import start_service
    from mda.runtime.signals import until_signal

    config = load_config(config_path)

    async def main() -> ServiceReport:
        service = await start_service(config, live=True)
        return await until_signal(service.run)

    print_report(asyncio.run(main()))


def replay_command(
    recordings: Annotated[
        list[str], typer.Argument(metavar="FILE...", help="Recordings to replay.")
    ],
    speed: Annotated[
        float | None,
        typer.Option(help="Pace by event time, N times faster than real time (default: flat out)."),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write alerts here (JSON lines).")
    ] = None,
    config_path: Annotated[
        Path | None,
        typer.Option("--config", "-c", help="Zones, rules, database and broker from this file."),
    ] = None,
    database: Annotated[
        str | None,
        typer.Option(
            "--database", "-d", help="Store into this PostgreSQL URL ('embedded': mda's own)."
        ),
    ] = None,
    mqtt: Annotated[
        str | None, typer.Option(help="Publish alerts to this broker (mqtt://host:port).")
    ] = None,
    rules: Annotated[
        list[Path] | None, typer.Option("--rules", help="More rule files or folders.")
    ] = None,
    zones: Annotated[
        list[Path] | None, typer.Option("--zones", help="More zone files or folders.")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Do not print alerts.")] = False,
    lateness: Annotated[str | None, LATENESS_OPTION] = None,
    start: Annotated[str | None, START_OPTION] = None,
    rate: Annotated[str | None, RATE_OPTION] = None,
    arrival: Annotated[bool, ARRIVAL_OPTION] = False,
) -> None:
    """Replay recordings through the whole pipeline: alerts as they fire, stored if asked.

    Records are put in event-time order within the lateness; a recording that carries no time
    at all stops with an error unless --start/--rate or --arrival says how to time it."""
    import asyncio
    from dataclasses import replace

    from mda.config import SourceSettings, load_config
    from mda.ingest.timing import timing_options
    from mda.net.broker import parse_broker_url
    from mda.runtime.report import ServiceReport, check_spool_left, print_report
    from mda.runtime.service import start_service

    more_than_zero("--speed", speed)
    timing = timing_options(lateness, start, rate, arrival)
    config = load_config(config_path)
    if timing.lateness_s is not None:
        config = replace(config, lateness_s=timing.lateness_s)
    config = replace(
        config,
        sources=tuple(SourceSettings(r) for r in recordings),
        zone_folders=config.zone_folders + tuple(zones or ()),
        alert_folders=config.alert_folders + tuple(rules or ()),
        alerts_jsonl=out or config.alerts_jsonl,
        console=not quiet,
        http_listen=None,
    )
    if database is not None:
        config = replace(config, database_url=database)
    if mqtt is not None:
        config = replace(config, broker=parse_broker_url(mqtt))

    async def main() -> ServiceReport:
        service = await start_service(config, live=False, speed=speed, timing=timing)
        return await service.run()

    report = asyncio.run(main())
    print_report(report)
    if out is not None:
        typer.echo(f"mda: alerts written to {out}", err=True)
    sys.stdout.flush()
    check_spool_left(report)
