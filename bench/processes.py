"""Timing a command in a process of its own: wall time and the child's CPU time."""

from __future__ import annotations

import resource
import subprocess
import time
from pathlib import Path


def run_clocked(command: list[str], stdin: Path | None = None) -> tuple[float, float]:
    """(wall, CPU) seconds of one run of ``command``, output to /dev/null. CPU is the child's
    user and system time (``getrusage(RUSAGE_CHILDREN)``, which counts waited-for children
    only, so nothing else of this process is in it)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    with (stdin or Path("/dev/null")).open("rb") as source:
        subprocess.run(command, stdin=source, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=True)  # fmt: skip
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu
