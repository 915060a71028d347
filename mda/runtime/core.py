"""The pure core a configuration describes."""

from __future__ import annotations

from mda.config import Config
from mda.pipeline import Pipeline, build_pipeline
from mda.sequencer import Sequencer


def make_pipeline(config: Config) -> Pipeline:
    """The pipeline for a configuration (zones, rules; land zones give the coastline)."""
    pipeline = build_pipeline(
        config.zone_paths(), config.rule_paths(), duplicate_window_s=config.duplicate_window_s,
        max_vessels=config.max_vessels,
    )
    pipeline.lateness_s = config.lateness_s
    pipeline.sequencer = Sequencer(config.step_s)
    return pipeline
