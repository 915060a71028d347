"""Shared helpers for benchmarks: the real corpus and timing with repeats.

Run benchmarks from the repository root as modules (``python -m bench.decode``).
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable

from tests.data import AIS, NMEA_RECORDINGS, read_lines


def tune_gc() -> None:
    """The process setting mda's entry point uses; applied to baseline and mda alike."""
    gc.set_threshold(50_000, 20, 100)


def ais_lines() -> list[bytes]:
    """Every line of the real recordings that carries an AIS sentence (tag blocks included)."""
    out: list[bytes] = []
    for rel in NMEA_RECORDINGS:
        for raw in read_lines(AIS / rel):
            line = raw.strip()
            bang = line.find(b"!")
            sentence = line[bang + 3 : bang + 6] if 0 <= bang <= 80 else b""
            if line[:1] in (b"!", b"\\") and sentence in (b"VDM", b"VDO"):
                out.append(line)
    return out


def timed(fn: Callable[[], object], repeats: int) -> list[float]:
    """Wall-clock seconds of ``repeats`` runs of ``fn``."""
    out = []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def rate(count: int, seconds: list[float]) -> tuple[float, float]:
    """(best, median) items per second."""
    return count / min(seconds), count / statistics.median(seconds)
