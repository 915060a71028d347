"""How a recording is timed when it is replayed or imported: the user's say, checked.

A recording's lines carry their own time (tag blocks, wrappers, trailing epochs, the recorder's
GPS sentences). A plain log of ``!AIVDM`` lines carries none: nothing can place its positions in
time, so nothing of it can be stored or judged. Rather than store nothing and say nothing, mda
stops with one line saying so, unless the user says how to time such lines: assigned times
(``--start`` and ``--rate``), or the time each line is read (``--arrival``, for a live feed piped
in).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from mda.errors import ConfigError, MdaError
from mda.ingest.stats import IngestStats
from mda.timefmt import parse_duration, parse_instant

# Records read before deciding that a recording carries no time at all.
CHECK_AFTER_RECORDS: Final = 1000
_RATE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:/\s*(s|sec|second|m|min|minute|h|hour))?\s*$")
_PER: Final = {None: 1.0, "s": 1.0, "sec": 1.0, "second": 1.0, "m": 60.0, "min": 60.0,
               "minute": 60.0, "h": 3600.0, "hour": 3600.0}  # fmt: skip


class NoTimeError(MdaError):
    """A recording whose lines carry no time at all, and the user did not say how to time it."""


@dataclass(frozen=True, slots=True)
class Timing:
    """The user's say on time: lateness, and how to time lines that carry none."""

    lateness_s: float | None = None
    start: float | None = None  # assigned times begin here ...
    per_second: float | None = None  # ... at this many lines a second
    arrival: bool = False  # or: the time each line is read

    @property
    def says_how(self) -> bool:
        """Whether lines without a time will be given one."""
        return self.start is not None or self.arrival


def parse_rate(text: str) -> float:
    """Lines per second from ``10/s``, ``600/min``, ``5`` (a second implied)."""
    match = _RATE.match(text)
    if match is None or float(match.group(1)) <= 0:
        raise ConfigError(f"--rate: expected a rate such as 10/s or 600/min, not {text!r}")
    return float(match.group(1)) / _PER[match.group(2)]


def timing_options(
    lateness: str | None, start: str | None, rate: str | None, arrival: bool
) -> Timing:
    """The options of ``mda replay`` and ``mda import``, checked."""
    try:
        lateness_s = None if lateness is None else parse_duration(lateness, "--lateness")
        first = None if start is None else parse_instant(start, "--start")
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    if rate is not None and first is None:
        raise ConfigError("--rate needs --start (the time of the first line)")
    if first is not None and arrival:
        raise ConfigError("--start and --arrival are two ways to time lines: choose one")
    per_second = None
    if first is not None:
        per_second = parse_rate(rate) if rate is not None else 1.0
    return Timing(lateness_s, first, per_second, arrival)


def check_timed(stats: IngestStats, where: str, *, ended: bool, waiting: int = 0) -> None:
    """Stop when records come but none has a time: after ``CHECK_AFTER_RECORDS`` of them, or
    at the end of the input. ``waiting``: timed records not judged yet (their clock is being
    learned): they count as timed."""
    timed = sum(stats.clocks.values()) + waiting
    if timed or not stats.untimed:
        return
    if ended or stats.untimed >= CHECK_AFTER_RECORDS:
        raise NoTimeError(
            f"{where}: its lines carry no time (no tag block, $PGHP wrapper, trailing epoch or "
            f"GPS sentence): nothing could be placed in time or stored. Say how to time them: "
            f"--start 2024-01-01T00:00Z --rate 10/s, or --arrival for lines piped in live"
        )
