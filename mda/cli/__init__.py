"""The ``mda`` command line. Each command is a thin shell around the core; errors are one line.

The commands are listed in ``COMMANDS`` and imported only when one is run, so that ``mda
--help`` and a command's own ``--help`` answer at once.
"""

from __future__ import annotations

import gc
import logging
import sys
from typing import Annotated

import typer

from mda import __version__
from mda.cli.lazy import LazyCommand, LazyGroup
from mda.errors import MdaError

# Every command: its name, its one-line help (what ``mda --help`` lists) and where it lives.
COMMANDS: dict[str, LazyCommand] = {
    "demo": LazyCommand(
        "Replay a bundled scenario through the whole service and show the alerts.",
        "mda.cli.demo:demo_command",
    ),
    "run": LazyCommand(
        "Run the live service: sources, pipeline, store, alerts, metrics (until Ctrl-C).",
        "mda.cli.run:run_command",
    ),
    "replay": LazyCommand(
        "Replay recordings through the whole pipeline: alerts as they fire, stored if asked.",
        "mda.cli.run:replay_command",
    ),
    "import": LazyCommand(
        "Load history into the store: positions, statics, track segments, zone events and "
        "zone hours (no rules run, no alerts are raised).",
        "mda.cli.importing:import_command",
    ),
    "activity": LazyCommand(
        "Label each position stationary, fishing or transit from its movement (apparent "
        "fishing: speed and turning states fitted to each track, the gear as a prior).",
        "mda.cli.activity:activity_command",
    ),
    "gateway": LazyCommand(
        "Read the sources, frame the lines and publish each message to its vessel's partition.",
        "mda.cli.scale:gateway_command",
    ),
    "worker": LazyCommand(
        "Own partitions, run the pipeline for their vessels, store, and publish alerts.",
        "mda.cli.scale:worker_command",
    ),
    "pairs": LazyCommand(
        "Find encounters between vessels of any partitions from the workers' 10-minute grid.",
        "mda.cli.scale:pairs_command",
    ),
    "decode": LazyCommand(
        "Decode AIS into one record per line (the DESIGN contract, nulls included).",
        "mda.cli.decode:decode",
    ),
    "simulate": LazyCommand(
        "Write a synthetic AIS recording (NMEA with tag-block times), deterministic by seed.",
        "mda.cli.simulate:simulate",
    ),
    "zones": LazyCommand(
        "Zones: seas, EEZs, ports, cable and pipeline corridors.", "mda.cli.zones:app"
    ),
    "db": LazyCommand("The store: schema, status, maintenance.", "mda.cli.db:app"),
    "query": LazyCommand(
        "Query the store: vessel tracks, positions in an area, zone events, alerts, traffic.",
        "mda.cli.query:app",
    ),
    "plot": LazyCommand(
        "Pictures of the store: a track, a zone's traffic, alerts, density (PNG, SVG, PDF).",
        "mda.cli.plot:app",
    ),
    "detections": LazyCommand(
        "Satellite detections: import them, matched against the stored AIS.",
        "mda.cli.detections:app",
    ),
    "alerts": LazyCommand(
        "Watch and acknowledge alerts (over the MQTT broker).", "mda.cli.alerts:app"
    ),
    "feeds": LazyCommand(
        "Partner feeds: check their definitions, make the broker's access files.",
        "mda.cli.feeds:app",
    ),
    "api": LazyCommand("The HTTP API: tokens, and serving a store.", "mda.cli.api:app"),
    "scale": LazyCommand(
        "Scale-out on NATS JetStream: configuration helpers.", "mda.cli.scale:app"
    ),
}


class _MdaGroup(LazyGroup):
    table = COMMANDS


app = typer.Typer(
    name="mda",
    cls=_MdaGroup,
    help="Maritime domain awareness: decode AIS, track vessels, watch zones and cables.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"mda {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Log progress to stderr.")
    ] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="mda: %(levelname)s: %(message)s",
        stream=sys.stderr,
    )


def main() -> None:
    """Entry point of the ``mda`` console script."""
    # Batches allocate many short-lived objects; the default young-generation threshold (700)
    # makes the collector rescan live records dozens of times per batch.
    gc.set_threshold(50_000, 20, 100)
    try:
        app()
    except MdaError as exc:
        typer.echo(f"mda: error: {exc}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        typer.echo("mda: interrupted", err=True)
        sys.exit(130)
