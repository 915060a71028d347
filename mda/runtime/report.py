"""What a service run did: the closing summary a user reads, and whether the run failed."""

from __future__ import annotations

from dataclasses import dataclass, field

import typer

from mda.errors import MdaError


@dataclass(slots=True)
class ServiceReport:
    """What a run did, for the closing summary."""

    lines: int
    positions: int
    alerts: int
    alerts_by_rule_state: dict[tuple[str, str], int]
    ingest_summary: str
    stored_batches: int
    spooled_batches: int
    published: int
    untimed: int = 0  # records no clock could time: never stored
    clock_notes: list[str] = field(default_factory=list)  # what each busy source's clocks are
    set_aside: dict[str, int] = field(default_factory=dict)  # records the store set aside
    rejects_file: str | None = None  # where they are kept
    spool_left: int = 0  # batches still in the spool when the run ended
    spool_folder: str | None = None


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


def check_spool_left(report: ServiceReport) -> None:
    """A run that ends with batches still in the spool has not stored them: say so and fail."""
    if report.spool_left:
        raise MdaError(
            f"{report.spool_left} batches are still in the spool at {report.spool_folder}, not "
            "in the database: they are written when mda next reaches it ('mda db spool --drain')"
        )
