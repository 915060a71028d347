"""Event times as ISO 8601 text, fast: feeds stamp every shared position and CoT event.

Gives exactly what :func:`mda.timefmt.iso` gives (UTC, milliseconds, ``Z``); the text of each
whole second is cached, since a batch holds thousands of fixes from a few seconds.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from functools import lru_cache


@lru_cache(maxsize=4096)
def _second(epoch_s: int) -> str:
    return datetime.fromtimestamp(epoch_s, UTC).strftime("%Y-%m-%dT%H:%M:%S")


def iso_ms(t: float) -> str:
    """``2026-01-01T00:00:00.123Z``: milliseconds truncated, as ``datetime.isoformat`` does."""
    whole = math.floor(t)
    micros = round((t - whole) * 1e6)  # datetime rounds to microseconds, half to even
    if micros >= 1_000_000:
        whole, micros = whole + 1, micros - 1_000_000
    return f"{_second(whole)}.{micros // 1000:03d}Z"
