"""Simulated tracks placeholder."""

from __future__ import annotations

from bench.activity import Unit


def simulated_units() -> list[Unit]:
    return []
