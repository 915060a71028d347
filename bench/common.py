"""Shared helpers for benchmarks: the real corpus and timing with repeats.

Run benchmarks from the repository root as modules (``python -m bench.decode``).
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

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


@dataclass(slots=True)
class Clocked:
    """Wall and CPU seconds of one run (CPU: this process, all threads; on a loaded machine
    the CPU time is the steadier figure)."""

    wall: float = 0.0
    cpu: float = 0.0


@contextmanager
def clocked() -> Iterator[Clocked]:
    """Wall and CPU time of the block, filled in when it ends."""
    out = Clocked()
    wall, cpu = time.perf_counter(), time.process_time()
    yield out
    out.wall, out.cpu = time.perf_counter() - wall, time.process_time() - cpu


def rates(count: int, runs: list[Clocked]) -> str:
    """Median items per second by wall time and by CPU time, best in brackets."""
    wall = [r.wall for r in runs]
    cpu = [r.cpu for r in runs]
    return (
        f"wall {count / statistics.median(wall):>9,.0f}/s (best {count / min(wall):>9,.0f})   "
        f"CPU {count / statistics.median(cpu):>9,.0f}/s (best {count / min(cpu):>9,.0f})"
    )


def ratio(mine: list[Clocked], baseline: list[Clocked]) -> str:
    """How many times the baseline's rate ``mine`` reaches, by median wall and CPU time."""

    def median_of(runs: list[Clocked], clock: str) -> float:
        return statistics.median(getattr(r, clock) for r in runs)

    return (
        f"wall {median_of(baseline, 'wall') / median_of(mine, 'wall'):.2f}x   "
        f"CPU {median_of(baseline, 'cpu') / median_of(mine, 'cpu'):.2f}x"
    )
