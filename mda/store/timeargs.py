"""Time arguments as people type them: ISO 8601, a date, ``now``, or ``-6h`` ago.

Pure functions: the moment "now" is passed in (the command line passes the wall clock), so the
same arguments always give the same window in tests. Every result is an aware UTC datetime;
a time written without an offset is taken as UTC, as everything in mda is.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from mda.errors import ConfigError
from mda.timefmt import parse_duration as duration_seconds

# Relative times: a number and a unit, counted back from now ("-90s", "-30m", "-6h", "-2d",
# "-1w"; decimals allowed: "-1.5h").
_RELATIVE = re.compile(r"^-\s*(\d+(?:\.\d+)?)\s*([smhdw])$")
_UNIT_S = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}
_HELP = "use ISO 8601 (2011-07-26T10:00Z), a date (2011-07-26), now, or -30m/-6h/-2d/-1w"


def as_utc(moment: datetime | float) -> datetime:
    """An aware UTC datetime from a datetime (naive means UTC) or epoch seconds."""
    if isinstance(moment, datetime):
        if moment.tzinfo is None:
            return moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)
    return datetime.fromtimestamp(float(moment), UTC)


def parse_time(text: str, *, now: datetime, name: str = "time") -> datetime:
    """One time argument; ``name`` (the option, e.g. ``--from``) is named in the error."""
    value = text.strip()
    lowered = value.lower()
    if lowered == "now":
        return as_utc(now)
    relative = _RELATIVE.match(lowered)
    if relative:
        amount, unit = relative.groups()
        return as_utc(now) - timedelta(seconds=float(amount) * _UNIT_S[unit])
    try:
        if len(value) == 10:  # a date alone: its midnight, UTC
            day = date.fromisoformat(value)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        # Python 3.11 reads "Z", offsets, "T" or space, and reduced precision.
        return as_utc(datetime.fromisoformat(value))
    except ValueError:
        raise ConfigError(f"{name}: cannot read {text!r} as a time ({_HELP})") from None


def parse_duration(text: str, *, name: str = "duration") -> float:
    """Seconds from ``"600"``, ``"90s"``, ``"10m"``, ``"2h"``, ``"1d"``; must be positive."""
    try:
        seconds = duration_seconds(text, name)
    except ValueError:
        seconds = 0.0
    if seconds <= 0:
        raise ConfigError(f"{name}: {text!r} is not a positive duration (e.g. 90s, 10m, 2h, 1d)")
    return seconds


def parse_window(
    start: str | None,
    end: str | None,
    *,
    now: datetime,
    default_span: timedelta = timedelta(hours=24),
    start_name: str = "--from",
    end_name: str = "--to",
) -> tuple[datetime, datetime]:
    """A ``[start, end)`` window: ``end`` defaults to now, ``start`` to ``default_span``
    before the end. Refuses a window that ends before it starts."""
    until = parse_time(end, now=now, name=end_name) if end is not None else as_utc(now)
    since = until - default_span if start is None else parse_time(start, now=now, name=start_name)
    check_window(since, until, start_name=start_name, end_name=end_name)
    return since, until


def check_window(
    start: datetime,
    end: datetime,
    *,
    max_span: timedelta | None = None,
    what: str = "query",
    start_name: str = "start",
    end_name: str = "end",
) -> None:
    """Refuse an empty or reversed window, and one longer than ``max_span`` (a huge query must
    not stall the database for everyone else)."""
    if start >= end:
        raise ConfigError(f"{start_name} ({iso_z(start)}) must be before {end_name} ({iso_z(end)})")
    if max_span is not None and end - start > max_span:
        days = (end - start).total_seconds() / 86400.0
        raise ConfigError(
            f"{what}: a window of {days:.1f} days is longer than the {_span(max_span)} allowed; "
            "narrow it"
        )


def iso_z(moment: datetime) -> str:
    """``2011-07-26T10:00:00Z`` (seconds; milliseconds only when there are some)."""
    utc = as_utc(moment)
    spec = "milliseconds" if utc.microsecond else "seconds"
    return utc.isoformat(timespec=spec).replace("+00:00", "Z")


def _span(span: timedelta) -> str:
    if span.total_seconds() % 86400 == 0:
        return f"{span.days} days"
    return f"{span.total_seconds() / 3600:g} hours"
