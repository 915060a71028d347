"""The ``mda`` command line. Each command is a thin shell around the core; errors are one line."""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
from pathlib import Path
from typing import Annotated

import typer

from mda import __version__
from mda.activity.command import activity_command
from mda.alerts.commands import app as alerts_app
from mda.api.commands import app as api_app
from mda.cli.run import replay_command, run_command
from mda.cli.scale import app as scale_app
from mda.cli.scale import gateway_command, pairs_command, worker_command
from mda.cliargs import at_least, more_than_zero
from mda.demo import demo_command
from mda.errors import MdaError
from mda.feeds.commands import app as feeds_app
from mda.importing.command import import_command
from mda.store.commands import app as db_app
from mda.store.query_command import app as query_app
from mda.zones.commands import app as zones_app

app = typer.Typer(
    name="mda",
    help="Maritime domain awareness: decode AIS, track vessels, watch zones and cables.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


app.add_typer(zones_app, name="zones")
app.add_typer(db_app, name="db")
app.add_typer(query_app, name="query")
app.add_typer(alerts_app, name="alerts")
app.add_typer(feeds_app, name="feeds")
app.add_typer(api_app, name="api")
app.add_typer(scale_app, name="scale")
app.command("demo")(demo_command)
app.command("run")(run_command)
app.command("replay")(replay_command)
app.command("import")(import_command)
app.command("activity")(activity_command)
app.command("gateway")(gateway_command)
app.command("worker")(worker_command)
app.command("pairs")(pairs_command)


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


@app.command()
def decode(
    inputs: Annotated[
        list[str],
        typer.Argument(
            help="Recordings (paths, globs, .gz, '-' for stdin) or feed URLs "
            "(tcp://, tcp-listen://, udp://, mqtt://).",
            metavar="PATH_OR_URL...",
        ),
    ],
    fmt: Annotated[str, typer.Option("--format", "-f", help="jsonl or csv.")] = "jsonl",
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write here instead of stdout.")
    ] = None,
    speed: Annotated[
        float | None,
        typer.Option(help="Pace recordings by event time, N times faster than real time."),
    ] = None,
    keep_duplicates: Annotated[
        bool, typer.Option(help="Keep copies of a message heard by several receivers.")
    ] = False,
) -> None:
    """Decode AIS into one record per line (the DESIGN contract, nulls included).

    A summary of what was read, kept and dropped goes to stderr. Damaged lines are counted and
    do not change the exit status; an unreadable input or unreachable feed does.
    """
    from mda.ingest.decode_command import run_decode

    if fmt not in ("jsonl", "csv"):
        raise MdaError(f"--format must be jsonl or csv, not {fmt!r}")
    more_than_zero("--speed", speed)
    stats = asyncio.run(
        run_decode(
            inputs,
            fmt,  # type: ignore[arg-type]
            out,
            speed=speed,
            duplicate_window_s=None if keep_duplicates else 10.0,
        )
    )
    typer.echo(stats.summary(), err=True)


@app.command()
def simulate(
    scenario: Annotated[
        str,
        typer.Argument(
            help="What to simulate: 'traffic' (plain Red Sea traffic) or a scenario with ground "
            "truth: cable-loitering, anchor-drag, dark-tanker, gulf-of-aden-stop, watchlist, "
            "no-take-trawler, longliner-meets-reefer, shared-mmsi, rename-reflag, background."
        ),
    ],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="The recording to write (NMEA; .gz compresses).")
    ],
    seed: Annotated[int, typer.Option(help="Same seed, same recording.")] = 1,
    vessels: Annotated[
        int | None,
        typer.Option(help="Vessels of ordinary traffic (default: 20 for traffic, 200 else)."),
    ] = None,
    minutes: Annotated[float, typer.Option(help="Length of a 'traffic' recording.")] = 20.0,
    start: Annotated[str, typer.Option(help="Start time, ISO 8601 UTC.")] = "2026-01-01T00:00:00Z",
) -> None:
    """Write a synthetic AIS recording (NMEA with tag-block times), deterministic by seed.

    Scenarios also write FILE.truth.json next to the recording: the alerts a correct pipeline
    raises, with the window of event time in which each is due.
    """
    from datetime import datetime

    from mda.simulate.scenarios import SCENARIOS, write, write_recording
    from mda.simulate.scenarios import simulate as simulate_scenario
    from mda.simulate.traffic import simulate_traffic

    more_than_zero("--minutes", minutes)
    at_least("--vessels", vessels, 1 if scenario == "traffic" else 0)

    try:
        t0 = datetime.fromisoformat(start.replace("Z", "+00:00")).timestamp()
    except ValueError as exc:
        raise MdaError(f"--start: not an ISO 8601 time: {start!r}") from exc
    if scenario == "traffic":
        lines = simulate_traffic(seed, 20 if vessels is None else vessels, t0, minutes * 60.0)
        write_recording(out, lines)
        typer.echo(f"wrote {len(lines)} lines to {out}", err=True)
        return
    if scenario not in SCENARIOS:
        raise MdaError(f"unknown scenario {scenario!r} (known: traffic, {', '.join(SCENARIOS)})")
    sim = simulate_scenario(scenario, seed, t0, 200 if vessels is None else vessels)
    truth = write(sim, out)
    typer.echo(f"wrote {len(sim.lines)} lines to {out} and the ground truth to {truth}", err=True)


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
