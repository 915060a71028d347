"""The scale-out worker wired from a configuration: its partitions' pipelines, the store,
the MQTT publisher and the grid points for the pair workers."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from mda.config import Config
from mda.errors import ConfigError
from mda.metrics import ServiceFigures
from mda.pipeline import Pipeline, PipelineOutput
from mda.rules.engine import RuleEngine
from mda.rules.settings import load_rule_files
from mda.runtime.outlets import Outlets, mqtt_publisher
from mda.runtime.store import open_store
from mda.scale.grid import GridPublisherCore, encode_points, grid_subject, load_index, route
from mda.scale.jetstream import prepare, publish_stored
from mda.scale.pairs import split_specs
from mda.scale.status import (
    count_output,
    nats_problems,
    start_status,
    wire_outlets,
    worker_metrics,
)
from mda.scale.worker import Worker, WorkerReport


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
    cell_deg = config.scale.grid_cell_deg

    figures = ServiceFigures()

    async def publish_grid(core: Any, out: PipelineOutput) -> None:
        count_output(figures, out)
        if core is None:
            return
        points = core.add(out.positions, out.statics)
        for cell, part in route(points, cell_deg).items():
            await publish_stored(stream.js, grid_subject(cell), encode_points(part))

    try:
        # Its own MQTT client id: workers share one configuration.
        publisher = mqtt_publisher(config, member=f"worker-{name}")
        outlets = Outlets(writer=await open_store(config), publisher=publisher)
        worker = Worker(
            config.scale, stream, index, new_pipeline, name=name, outlets=outlets,
            new_extra=(lambda: GridPublisherCore(pairs, index)) if pairs else (lambda: None),
            on_output=publish_grid, live=live,
        )  # fmt: skip
        if outlets.publisher is not None:
            outlets.publisher.on_ack = worker.acknowledge
        wire_outlets(figures, outlets)
        figures.extra = lambda: worker_metrics(worker, stream.nc)
        figures.problems = nats_problems(stream.nc)
        await outlets.start()
        status = await start_status(config, figures)
        if on_start is not None:
            on_start(worker)
        try:
            return await worker.run(stop)
        finally:
            if status is not None:
                await status.stop()
            await outlets.close()
    finally:
        await stream.close()
