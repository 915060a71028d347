"""Event times as text: ISO 8601 UTC at the edges, epoch seconds inside."""

from __future__ import annotations

from datetime import UTC, datetime


def iso(t: float | None) -> str | None:
    """``2012-01-27T09:57:00.123Z`` (milliseconds, UTC), or None."""
    if t is None:
        return None
    stamp = datetime.fromtimestamp(t, UTC).isoformat(timespec="milliseconds")
    return stamp.replace("+00:00", "Z")
