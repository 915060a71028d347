"""Event times as text: ISO 8601 UTC at the edges, epoch seconds inside."""

from __future__ import annotations

import re
from datetime import UTC, datetime


def iso(t: float | None) -> str | None:
    """``2012-01-27T09:57:00.123Z`` (milliseconds, UTC), or None."""
    if t is None:
        return None
    stamp = datetime.fromtimestamp(t, UTC).isoformat(timespec="milliseconds")
    return stamp.replace("+00:00", "Z")


_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}
_DURATION = re.compile(r"\d+(?:\.\d+)?|(?:\d+(?:\.\d+)?[smhdw])+")
_PART = re.compile(r"(\d+(?:\.\d+)?)([smhdw]?)")


def parse_duration(value: str | float, what: str = "duration") -> float:
    """Seconds from ``90``, ``"90"``, ``"90s"``, ``"2m"``, ``"3h"``, ``"1h30m"``, ``"2d"`` or
    ``"1w"``. Raises ``ValueError`` naming ``what`` for anything else, or a negative."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f"{what}: expected a duration such as '2m' or '3h', not {value!r}")
    if isinstance(value, str):
        text = value.strip().lower().replace(" ", "")
        if not _DURATION.fullmatch(text):
            raise ValueError(
                f"{what}: expected a duration such as '90s', '2m', '3h' or '1h30m', "
                f"not {value!r}"
            )
        return sum(float(n) * _UNITS[unit or "s"] for n, unit in _PART.findall(text))
    if value < 0:
        raise ValueError(f"{what}: must not be negative, not {value!r}")
    return float(value)


def parse_instant(text: str, what: str = "time") -> float:
    """Epoch seconds from an ISO 8601 time (``2024-01-01T00:00Z``; no zone means UTC)."""
    try:
        stamp = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(f"{what}: not an ISO 8601 time: {text!r}") from exc
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return stamp.timestamp()
