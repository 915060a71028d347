"""``mda gateway``, ``mda worker``, ``mda scale nats-config``: scale-out on the command line."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from mda.alerts.mqtt import MqttAlertPublisher
from mda.cli.args import at_least
from mda.config import Config, load_config
from mda.errors import ConfigError
from mda.ingest.sources import open_source
from mda.pipeline import Pipeline, PipelineOutput
from mda.rules.engine import RuleEngine
from mda.rules.settings import load_rule_files
from mda.scale.gateway import Gateway, GatewayReport
from mda.scale.grid import (
    GridPublisherCore,
    encode_points,
    grid_subject,
    load_index,
    route,
)
from mda.scale.jetstream import prepare
from mda.scale.natsconf import mapping_block
from mda.scale.pairs import split_specs
from mda.scale.worker import Worker, WorkerReport
from mda.store.writer import StoreWriter, redact_url

log = logging.getLogger("mda.scale")
T = TypeVar("T")

app = typer.Typer(help="Scale-out on NATS JetStream: configuration helpers.")

ConfigOption = Annotated[Path, typer.Option("--config", "-c", help="The deployment's TOML file.")]


async def until_signal(run: Callable[[asyncio.Event], Awaitable[T]]) -> T:
    """Run ``run(stop)`` with SIGINT and SIGTERM setting ``stop``."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        return await run(stop)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


def gateway_command(config_path: ConfigOption) -> None:
    """Read the sources, frame the lines and publish each message to its vessel's partition."""
    config = load_config(config_path)
    if not config.sources:
        raise ConfigError(f"{config.where}: no sources configured ([[sources]] url = ...)")

    async def main(stop: asyncio.Event) -> GatewayReport:
        stream = await prepare(config.scale, f"mda-gateway-{socket.gethostname()}")
        try:
            sources = [open_source(s.url, fail_fast=False) for s in config.sources]
            gateway = Gateway(config.scale, sources, stream,
                              duplicate_window_s=config.duplicate_window_s)  # fmt: skip
            return await gateway.run(stop)
        finally:
            await stream.close()

    report = asyncio.run(until_signal(main))
    typer.echo(f"mda: {report.ingest_summary}", err=True)
    typer.echo(f"mda: published {report.published} messages ({report.resent} resent, "
               f"{report.without_mmsi} without MMSI, {report.not_nmea} not NMEA)",
               err=True)  # fmt: skip


def worker_command(
    config_path: ConfigOption,
    name: Annotated[
        str | None, typer.Option(help="This worker's name in the lease bucket (unique).")
    ] = None,
    replay: Annotated[
        bool, typer.Option(help="Event time from the data only (recordings): no clock ticks.")
    ] = False,
) -> None:
    """Own partitions, run the pipeline for their vessels, store, and publish alerts."""
    config = load_config(config_path)
    worker_name = name or f"{socket.gethostname()}-{os.getpid()}"
    report = asyncio.run(until_signal(lambda stop: run_worker(config, worker_name, stop,
                                                               live=not replay)))  # fmt: skip
    typer.echo(f"mda: worker {worker_name}: {report.messages} messages, {report.positions} "
               f"positions, {report.alerts} alert state changes, partitions taken "
               f"{sorted(report.acquired)}", err=True)  # fmt: skip


async def run_worker(config: Config, name: str, stop: asyncio.Event, *, live: bool = True,
                     on_start: Callable[[Worker], None] | None = None) -> WorkerReport:  # fmt: skip
    """A worker until ``stop``: store, MQTT publisher and grid points wired (tests call this)."""
    if config.database_url == "embedded":
        raise ConfigError(f"{config.where}: workers share one database: database.url must be "
                          f"a PostgreSQL or TimescaleDB URL, not 'embedded'")  # fmt: skip
    index = await asyncio.to_thread(load_index, config.zone_paths())
    specs = load_rule_files(config.rule_paths())
    own, pairs = split_specs(specs)

    def new_pipeline() -> Pipeline:
        return Pipeline(index, RuleEngine(own, index), duplicate_window_s=None)

    stream = await prepare(config.scale, f"mda-worker-{name}")
    writer = None
    if config.database_url is not None:
        writer = StoreWriter(config.database_url, spool_dir=config.spool_dir,
                             spool_max_bytes=config.spool_max_mb << 20)  # fmt: skip
        level = await writer.start()
        log.info("storing in %s (%s)", redact_url(config.database_url), level.describe())
    publisher = MqttAlertPublisher(config.broker) if config.broker is not None else None
    cell_deg = config.scale.grid_cell_deg

    async def publish_grid(core: Any, out: PipelineOutput) -> None:
        if core is None:
            return
        points = core.add(out.positions, out.statics)
        for cell, part in route(points, cell_deg).items():
            await stream.js.publish(grid_subject(cell), encode_points(part), timeout=10.0)

    worker = Worker(
        config.scale, stream, index, new_pipeline, name=name, writer=writer,
        sinks=[publisher] if publisher is not None else [],
        new_extra=(lambda: GridPublisherCore(pairs, index)) if pairs else (lambda: None),
        on_output=publish_grid, live=live,
    )  # fmt: skip
    if publisher is not None:
        publisher.on_ack = worker.acknowledge
    tasks = [asyncio.create_task(publisher.run())] if publisher is not None else []
    if on_start is not None:
        on_start(worker)
    try:
        return await worker.run(stop)
    finally:
        if publisher is not None:
            await publisher.flush(10.0)
        for task in tasks:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        if writer is not None:
            await writer.flush(timeout_s=30.0)
            await writer.close()
        await stream.close()


@app.command("nats-config")
def nats_config_command(
    partitions: Annotated[int, typer.Option(help="How many partitions (as [scale] partitions).")]
    = 16,
) -> None:
    """Print the subject mapping a NATS server needs (paste it into its configuration)."""
    at_least("--partitions", partitions, 1)
    typer.echo(mapping_block(partitions))


def pairs_command(
    config_path: ConfigOption,
    area: Annotated[
        str | None,
        typer.Option(help="Cells this pair worker judges: south,west,north,east in degrees "
                          "(default: every cell)."),
    ] = None,
    group: Annotated[
        str, typer.Option(help="Durable consumer name (one per pair worker).")
    ] = "pairs",
) -> None:
    """Find encounters between vessels of any partitions from the workers' 10-minute grid."""
    from mda.scale.grid import cell_of
    from mda.scale.pairs_service import run_pairs

    config = load_config(config_path)
    deg = config.scale.grid_cell_deg
    cells = None
    if area is not None:
        try:
            south, west, north, east = (float(v) for v in area.split(","))
        except ValueError as exc:
            raise ConfigError(f"--area {area!r}: expected south,west,north,east") from exc
        (r0, c0), (r1, c1) = cell_of(south, west, deg), cell_of(north, east, deg)
        cells = [(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)]
    report = asyncio.run(until_signal(lambda stop: run_pairs(
        list(config.scale.nats), cells, config, stop, cell_deg=deg, group=group)))  # fmt: skip
    typer.echo(f"mda: pair worker {group}: {report.points} grid points, {report.alerts} alert "
               f"state changes", err=True)  # fmt: skip
