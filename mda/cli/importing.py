"""``mda import FILE...``: history into the store, with a progress bar and a closing summary."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mda.cli.run import ARRIVAL_OPTION, LATENESS_OPTION, RATE_OPTION, START_OPTION
from mda.errors import ConfigError

if TYPE_CHECKING:
    from mda.importing.run import ImportReport, ProgressCallback


def import_command(
    files: Annotated[
        list[str],
        typer.Argument(
            metavar="FILE...",
            help="NMEA recordings (any framing 'mda decode' reads), gpsd or AIS-catcher JSON "
            "lines, or decoded CSV (MarineCadastre, aisdk, or any CSV with common column "
            "names); plain or gzip, globs, '-' for stdin.",
        ),
    ],
    database: Annotated[
        str | None,
        typer.Option(
            "--database", "-d", help="Store into this PostgreSQL URL ('embedded': mda's own)."
        ),
    ] = None,
    config_path: Annotated[
        Path | None,
        typer.Option("--config", "-c", help="Database, zones and lateness from this file."),
    ] = None,
    columns: Annotated[
        str | None,
        typer.Option(
            help="CSV columns by role where the names are not known ones: "
            "mmsi=Ship,time=When,lat=Y,lon=X (roles: the decoded-record fields; 'role=' "
            "leaves a column unread)."
        ),
    ] = None,
    time_format: Annotated[
        str | None,
        typer.Option(
            help="strftime layout of CSV times that are neither ISO 8601 nor epoch seconds, "
            "e.g. '%d/%m/%Y %H:%M:%S' (no zone means UTC)."
        ),
    ] = None,
    zones: Annotated[
        list[Path] | None,
        typer.Option("--zones", help="More zone files or folders (zone events and hours)."),
    ] = None,
    lateness: Annotated[str | None, LATENESS_OPTION] = None,
    start: Annotated[str | None, START_OPTION] = None,
    rate: Annotated[str | None, RATE_OPTION] = None,
    arrival: Annotated[bool, ARRIVAL_OPTION] = False,
) -> None:
    """Load history into the store: positions, statics, track segments, zone events and zone
    hours (no rules run, no alerts are raised).

    Importing a file twice stores its rows once. CSV rows with bad values are counted by reason
    and never stored. A recording that carries no time at all stops with an error unless
    --start/--rate or --arrival says how to time it."""
    from mda.archive.layout import parse_columns_option
    from mda.config import load_config
    from mda.importing.run import Importer, ImportOptions
    from mda.ingest.sources.files import expand_paths
    from mda.ingest.timing import timing_options
    from mda.runtime.store import resolve_store_url
    from mda.settings.places import default_spool_root
    from mda.store.writer import redact_url

    timing = timing_options(lateness, start, rate, arrival)
    config = load_config(config_path)
    if database is not None:
        config = replace(config, database_url=database)
    if config.database_url is None:
        raise ConfigError(
            "an import needs a database: give one with -d postgresql://USER@HOST/DB (or "
            "'embedded'), or a --config whose [database] url names one"
        )
    options = ImportOptions(
        zone_paths=[*config.zone_paths(), *(zones or ())],
        columns=parse_columns_option(columns) if columns is not None else None,
        time_format=time_format,
        timing=timing,
        lateness_s=timing.lateness_s if timing.lateness_s is not None else config.lateness_s,
        step_s=config.step_s,
        duplicate_window_s=config.duplicate_window_s,
    )
    paths = [path for spec in files for path in expand_paths(spec)]
    url = resolve_store_url(config)
    assert url is not None
    root = config.spool_dir or default_spool_root()
    importer = Importer(url, options, rejects_root=root)  # loads the zones first
    with _progress_bar(_total_bytes(paths)) as progress:
        importer.progress = progress
        report = asyncio.run(importer.run(paths))
    print_summary(report, redact_url(url))


def _total_bytes(paths: list[Path]) -> int | None:
    if any(str(p) == "-" for p in paths):
        return None
    return sum(p.stat().st_size for p in paths)


@contextmanager
def _progress_bar(total: int | None) -> Iterator[ProgressCallback | None]:
    """A progress bar by bytes read on stderr; none when stderr is not a terminal."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    console = Console(stderr=True)
    if not console.is_terminal:
        yield None
        return
    columns = (
        TextColumn("importing"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
        TimeRemainingColumn(), TextColumn("{task.fields[positions]:,} positions"),
    )  # fmt: skip
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("import", total=total, positions=0)

        def update(done: int, positions: int) -> None:
            bar.update(task, completed=done, positions=positions)

        yield update


def print_summary(report: ImportReport, where: str) -> None:
    """What was read, rejected and stored (stderr, one fact a line)."""
    from mda.importing.files import describe_size

    def say(text: str) -> None:
        typer.echo(f"mda: {text}", err=True)

    for f in report.files:
        say(f"{f.name}: {f.kind}" + (f", {f.layout}" if f.layout else ""))
    if report.archive.rows or any(f.kind == "CSV" for f in report.files):
        for line in report.archive.summary():
            say(line)
    if any(f.kind != "CSV" for f in report.files):
        for line in report.ingest.summary().splitlines():
            say(line)
    say(
        f"stored in {where}: positions {report.written:,} (one per vessel and second: rows "
        f"stored before are kept once), statics {report.statics:,}, zone events "
        f"{report.zone_events:,}, zone hours {report.zone_hours:,}"
    )
    if report.set_aside:
        reasons = "; ".join(f"{r}: {n:,}" for r, n in sorted(report.set_aside.items()))
        say(f"warning: set aside {sum(report.set_aside.values()):,} records, not stored "
            f"({reasons})" + (f"; kept in {report.rejects_file}" if report.rejects_file else ""))
    if report.same_second_repeats:
        say(f"repeats of a vessel's second left out: {report.same_second_repeats:,}")
    if report.ingest.late:
        say(
            f"records later than --lateness behind the newest: {report.ingest.late:,} "
            "(stored, zone events put right; a larger --lateness keeps an unsorted file in order)"
        )
    if report.ingest.quarantined:
        say(
            f"records quarantined, their time more than a day from the file's: "
            f"{report.ingest.quarantined:,} (a broken receiver clock; not stored)"
        )
    rate = report.rows / report.seconds if report.seconds > 0 else 0.0
    say(
        f"{report.rows:,} rows and lines ({describe_size(report.bytes)}) in "
        f"{report.seconds:.1f} s: {rate:,.0f} a second (CPU {report.cpu_seconds:.1f} s)"
    )
