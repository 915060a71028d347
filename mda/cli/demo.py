"""``mda demo``: the whole service on a fresh install (the runner is ``mda.demo``)."""

from __future__ import annotations

from typing import Annotated

import typer

from mda.cli.args import more_than_zero

DEMO_SCENARIO = "anchor-drag"


def demo_command(
    speed: Annotated[float, typer.Option(help="Replay speed (event time over wall time).")] = 600.0,
    scenario: Annotated[
        str, typer.Option(help="Which bundled scenario to replay.")
    ] = DEMO_SCENARIO,
    database: Annotated[
        str,
        typer.Option("--database", "-d", help="Where to store ('embedded': mda's own PostgreSQL)."),
    ] = "embedded",
    mqtt: Annotated[str | None, typer.Option(help="Publish alerts to this broker instead.")] = None,
    api: Annotated[
        str | None,
        typer.Option("--api", metavar="HOST:PORT",
                     help="Also serve the HTTP API and the live map here (127.0.0.1:8080); "
                     "the map's address is printed."),
    ] = None,
    keep_serving: Annotated[
        bool,
        typer.Option("--keep-serving",
                     help="With --api: keep the API and the map up after the replay, until "
                     "Ctrl-C."),
    ] = False,
) -> None:  # fmt: skip
    """Replay a bundled scenario through the whole service and show the alerts."""
    more_than_zero("--speed", speed)
    if keep_serving and api is None:
        raise typer.BadParameter("--keep-serving needs --api HOST:PORT",
                                 param_hint="--keep-serving")  # fmt: skip
    from mda.demo import run_demo

    run_demo(speed, scenario, database, mqtt, api, keep_serving)
