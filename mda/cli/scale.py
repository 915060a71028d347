"""``mda gateway``, ``mda worker``, ``mda pairs``, ``mda scale nats-config``: scale-out on the
command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mda.cli.args import at_least

app = typer.Typer(help="Scale-out on NATS JetStream: configuration helpers.")

ConfigOption = Annotated[Path, typer.Option("--config", "-c", help="The deployment's TOML file.")]


def gateway_command(config_path: ConfigOption) -> None:
    """Read the sources, frame the lines and publish each message to its vessel's partition."""
    import asyncio
    import socket

    from mda.config import load_config
    from mda.errors import ConfigError
    from mda.ingest.sources import open_source
    from mda.runtime.signals import until_signal
    from mda.scale.gateway import Gateway, GatewayReport
    from mda.scale.jetstream import prepare
    from mda.scale.status import start_status, wire_gateway

    config = load_config(config_path)
    if not config.sources:
        raise ConfigError(f"{config.where}: no sources configured ([[sources]] url = ...)")

    async def main(stop: asyncio.Event) -> GatewayReport:
        stream = await prepare(config.scale, f"mda-gateway-{socket.gethostname()}")
        status = None
        try:
            sources = [open_source(s.url, fail_fast=False) for s in config.sources]
            gateway = Gateway(config.scale, sources, stream,
                              duplicate_window_s=config.duplicate_window_s)  # fmt: skip
            status = await start_status(config, wire_gateway(gateway, stream.nc))
            return await gateway.run(stop)
        finally:
            if status is not None:
                await status.stop()
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
    import asyncio
    import os
    import socket

    from mda.config import load_config
    from mda.runtime.scaleout import run_worker
    from mda.runtime.signals import until_signal

    config = load_config(config_path)
    worker_name = name or f"{socket.gethostname()}-{os.getpid()}"
    report = asyncio.run(until_signal(lambda stop: run_worker(config, worker_name, stop,
                                                               live=not replay)))  # fmt: skip
    typer.echo(f"mda: worker {worker_name}: {report.messages} messages, {report.positions} "
               f"positions, {report.alerts} alert state changes, partitions taken "
               f"{sorted(report.acquired)}", err=True)  # fmt: skip


@app.command("nats-config")
def nats_config_command(
    partitions: Annotated[int, typer.Option(help="How many partitions (as [scale] partitions).")]
    = 16,
) -> None:
    """Print the subject mapping a NATS server needs (paste it into its configuration)."""
    from mda.scale.natsconf import mapping_block

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
    import asyncio

    from mda.config import load_config
    from mda.errors import ConfigError
    from mda.runtime.signals import until_signal
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
