"""``mda run`` and ``mda replay``: the service from the command line."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from mda.alerts.broker import parse_broker_url
from mda.alerts.sinks import ConsoleAlertPrinter, JsonlAlertWriter
from mda.cli.args import more_than_zero
from mda.config import Config, SourceSettings, load_config
from mda.errors import ConfigError, MdaError
from mda.ingest.sources import FileSource, Source, open_source
from mda.ingest.timing import Timing, timing_options
from mda.pipeline import Pipeline, build_pipeline
from mda.sequencer import Sequencer
from mda.service import AlertSink, Service, ServiceReport
from mda.store.embedded import EmbeddedPostgres, data_directory
from mda.store.writer import StoreWriter, redact_url

log = logging.getLogger("mda.service")

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


def resolve_store_url(config: Config) -> str | None:
    """The database URL to write to: the configured one, mda's embedded server, or None."""
    url = config.database_url
    if url is None:
        return None
    if url == "embedded":
        embedded = EmbeddedPostgres()
        typer.echo(f"mda: using the embedded PostgreSQL in {embedded.pgdata}", err=True)
        return embedded.start()
    return url


def make_pipeline(config: Config) -> Pipeline:
    """The pipeline for a configuration (zones, rules; land zones give the coastline)."""
    pipeline = build_pipeline(
        config.zone_paths(), config.rule_paths(), duplicate_window_s=config.duplicate_window_s,
        max_vessels=config.max_vessels,
    )
    pipeline.lateness_s = config.lateness_s
    pipeline.sequencer = Sequencer(config.step_s)
    return pipeline


async def start_service(
    config: Config,
    *,
    live: bool,
    speed: float | None = None,
    sinks: Sequence[AlertSink] = (),
    pipeline: Pipeline | None = None,
    timing: Timing | None = None,
) -> Service:
    """A service ready to run: sources opened, store connected and migrated. ``timing``: how
    a replay's lines are timed (without a way to time them, a recording must carry time)."""
    if not config.sources:
        raise ConfigError(f"{config.where}: no sources configured ([[sources]] url = ...)")
    sources: list[Source] = []
    stamp = timing is not None and timing.arrival
    if not live and all("://" not in s.url for s in config.sources):
        # A replay's files are one recording, in the order given (rotated logs, a split file).
        sources.append(FileSource([s.url for s in config.sources], stamp_arrival=stamp))
        sources[0].lateness_s = config.sources[0].lateness_s
    else:
        for settings in config.sources:
            if stamp and "://" not in settings.url:
                source: Source = FileSource(settings.url, stamp_arrival=True)
            else:
                source = open_source(settings.url, fail_fast=not live)
            source.lateness_s = settings.lateness_s
            sources.append(source)
    pipeline = pipeline or make_pipeline(config)
    if timing is not None and timing.start is not None and timing.per_second is not None:
        pipeline.ingestor.framer.assign_times(timing.start, timing.per_second)
    writer = None
    url = await asyncio.to_thread(resolve_store_url, config)
    if url is not None:
        spool = config.spool_dir or data_directory().parent / "spool"
        # Live, new days are welcome around today; a replay's around the recording's own span.
        writer = StoreWriter(url, spool_dir=spool, spool_max_bytes=config.spool_max_mb << 20,
                             locate=pipeline.index.zone_sets,
                             clock=time.time if live else None,
                             write_timeout_s=config.write_timeout_s)  # fmt: skip
        level = await writer.start()
        typer.echo(f"mda: storing in {redact_url(url)} ({level.describe()})", err=True)
    all_sinks = list(sinks)
    if config.alerts_jsonl is not None:
        all_sinks.append(JsonlAlertWriter(config.alerts_jsonl))
    if config.console:
        all_sinks.append(ConsoleAlertPrinter())
    require_time = None
    if not live and (timing is None or not timing.says_how):
        require_time = ", ".join(s.url for s in config.sources)
    return Service(config, pipeline, sources, writer=writer, sinks=all_sinks, live=live,
                   speed=speed, require_time=require_time)  # fmt: skip


async def run_until_signal(service: Service) -> ServiceReport:
    """Run a live service until SIGINT or SIGTERM, then shut down cleanly."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        return await service.run(stop)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


def print_report(report: ServiceReport) -> None:
    """The summary a user reads after a run (stderr, so stdout stays data)."""
    typer.echo(f"mda: {report.ingest_summary}", err=True)
    for note in report.clock_notes:
        typer.echo(f"mda: clock: {note}", err=True)
    typer.echo(
        f"mda: {report.lines} lines, {report.positions} positions, "
        f"{report.alerts} alert state changes", err=True,
    )  # fmt: skip
    for (rule, state), n in sorted(report.alerts_by_rule_state.items()):
        typer.echo(f"mda:   {rule} {state}: {n}", err=True)
    if report.stored_batches or report.spooled_batches:
        typer.echo(
            f"mda: stored {report.stored_batches} batches"
            + (f", {report.spooled_batches} spooled" if report.spooled_batches else ""),
            err=True,
        )
    if report.spool_left:
        typer.echo(f"mda: {report.spool_left} batches wait in the spool at {report.spool_folder}",
                   err=True)  # fmt: skip
    if report.published:
        typer.echo(f"mda: published {report.published} alert messages", err=True)
    if report.set_aside:
        reasons = "; ".join(f"{reason}: {n}" for reason, n in sorted(report.set_aside.items()))
        typer.echo(
            f"mda: warning: set aside {sum(report.set_aside.values())} records, not stored "
            f"({reasons})" + (f"; kept in {report.rejects_file}" if report.rejects_file else ""),
            err=True,
        )
    if report.untimed and (report.stored_batches or report.spooled_batches):
        typer.echo(
            f"mda: warning: {report.untimed} records carried no time and were not stored "
            "(--start/--rate or --arrival time them)", err=True,
        )  # fmt: skip


def run_command(
    config_path: Annotated[Path, typer.Option("--config", "-c", help="The service's TOML file.")],
) -> None:
    """Run the live service: sources, pipeline, store, alerts, metrics (until Ctrl-C)."""
    config = load_config(config_path)

    async def main() -> ServiceReport:
        service = await start_service(config, live=True)
        return await run_until_signal(service)

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


def check_spool_left(report: ServiceReport) -> None:
    """A run that ends with batches still in the spool has not stored them: say so and fail."""
    if report.spool_left:
        raise MdaError(
            f"{report.spool_left} batches are still in the spool at {report.spool_folder}, not "
            "in the database: they are written when mda next reaches it ('mda db spool --drain')"
        )
