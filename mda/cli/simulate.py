"""``mda simulate``: synthetic AIS recordings, with ground truth for the scenarios."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mda.cli.args import at_least, more_than_zero
from mda.errors import MdaError


def simulate(
    scenario: Annotated[
        str,
        typer.Argument(
            help="What to simulate: 'traffic' (plain Red Sea traffic) or a scenario with ground "
            "truth: cable-loitering, anchor-drag, dark-tanker, gulf-of-aden-stop, watchlist, "
            "no-take-trawler, longliner-meets-reefer, shared-mmsi, rename-reflag, background; "
            "or 'detections': a day of Red Sea traffic with satellite scenes over it."
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
    raises, with the window of event time in which each is due. 'detections' writes
    FILE.detections.csv (GFW SAR fields) and FILE.detections-truth.csv (what each one is).
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
    if scenario == "detections":
        _detections(out, seed, 200 if vessels is None else vessels, t0)
        return
    if scenario not in SCENARIOS:
        raise MdaError(f"unknown scenario {scenario!r} (known: traffic, {', '.join(SCENARIOS)})")
    sim = simulate_scenario(scenario, seed, t0, 200 if vessels is None else vessels)
    truth = write(sim, out)
    typer.echo(f"wrote {len(sim.lines)} lines to {out} and the ground truth to {truth}", err=True)


def _detections(out: Path, seed: int, vessels: int, t0: float) -> None:
    from mda.detections.recording import ais_lines, detections_csv, truth_csv
    from mda.detections.simulate import TrafficShape, simulate_scenes
    from mda.simulate.scenarios import write_recording

    # The middle of the Red Sea, clear of its coasts: a watched sea with cables through it.
    shape = TrafficShape(vessels=vessels, south=19.0, west=38.5, size_deg=1.0)
    sim = simulate_scenes(seed, shape=shape)
    lines = ais_lines(sim, t0)
    write_recording(out, lines)
    stem = out.with_name(out.name.removesuffix(".gz"))
    detections = stem.with_name(stem.name + ".detections.csv")
    truth = stem.with_name(stem.name + ".detections-truth.csv")
    try:
        detections.write_text(detections_csv(sim, t0), encoding="utf-8")
        truth.write_text(truth_csv(sim), encoding="utf-8")
    except OSError as exc:
        raise MdaError(f"cannot write next to {out}: {exc.strerror or exc}") from exc
    typer.echo(f"wrote {len(lines)} lines to {out}, {len(sim.detections)} detections to "
               f"{detections} and their truth to {truth}", err=True)  # fmt: skip
