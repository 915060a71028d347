"""Zone events put right when a fix arrives after its vessel has moved on.

The pipeline makes zone events along each vessel's track as fixes come in event-time order. A
fix that comes later than that (beyond its source's lateness) cannot move the vessel back in
time, but it is stored, and it may change the vessel's history of zones: an earlier entry, an
exit it made between two fixes, a short visit. Here, in the transaction that stores it, the
vessel's stored track around the late fixes is read back (the fix before them, those among
them, the fix after), its zones located again, and the zone events of that stretch replaced by
those the stretch really gives. Zone events then always equal a recount of the stored
positions, whatever order they arrived in.

Which stored positions make a vessel's track: vessel reports (not base stations, aids to
navigation or SAR aircraft) with a position, whose time was not judged suspect. The same rule
as the pipeline's.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Final

import numpy as np
import psycopg

from mda.ingest.clocks import SUSPECT
from mda.model import VESSEL, Position
from mda.zones.presence import ZoneLocator, events_along

Connection = psycopg.AsyncConnection[tuple[Any, ...]]

TRACK_FIXES: Final = (
    "lat IS NOT NULL AND lon IS NOT NULL AND msg_type NOT IN (4, 9, 11, 21) "
    f"AND time_quality IS DISTINCT FROM '{SUSPECT}'"
)
# Per vessel: its stored fix before the late ones, the fixes among them, its fix after.
_STRETCH = f"""
SELECT v.mmsi, p.time, p.lat, p.lon
FROM unnest(%s::integer[], %s::timestamptz[], %s::timestamptz[]) AS v(mmsi, first, last)
CROSS JOIN LATERAL (
    (SELECT time, lat, lon FROM positions q
     WHERE q.mmsi = v.mmsi AND q.time < v.first AND {TRACK_FIXES}
     ORDER BY time DESC LIMIT 1)
    UNION ALL
    (SELECT time, lat, lon FROM positions q
     WHERE q.mmsi = v.mmsi AND q.time >= v.first AND q.time <= v.last AND {TRACK_FIXES})
    UNION ALL
    (SELECT time, lat, lon FROM positions q
     WHERE q.mmsi = v.mmsi AND q.time > v.last AND {TRACK_FIXES}
     ORDER BY time LIMIT 1)
) p
ORDER BY v.mmsi, p.time
"""
_DELETE = "DELETE FROM zone_events WHERE mmsi = %s AND time > %s AND time <= %s"
_INSERT = (
    "INSERT INTO zone_events (time, mmsi, zone_id, event, lat, lon) "
    "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING"
)
_EARLIEST: Final = datetime(1, 1, 1, tzinfo=UTC)


def late_track_fixes(late: Sequence[Position]) -> dict[int, tuple[float, float]]:
    """The span of time (first, last) of each vessel's late fixes that belong to its track."""
    spans: dict[int, tuple[float, float]] = {}
    for p in late:
        if p.time is None or p.lat is None or p.kind != VESSEL or p.time_quality == SUSPECT:
            continue
        held = spans.get(p.mmsi)
        spans[p.mmsi] = (p.time, p.time) if held is None else (
            min(held[0], p.time), max(held[1], p.time)
        )  # fmt: skip
    return spans


async def correct_zone_events(
    conn: Connection, late: Sequence[Position], locate: ZoneLocator
) -> int:
    """Replace the zone events of the stretches of track that late fixes fall in (the late
    fixes are stored already, in this transaction); returns the vessels corrected."""
    spans = late_track_fixes(late)
    if not spans:
        return 0
    vessels = sorted(spans)
    firsts = [datetime.fromtimestamp(spans[m][0], UTC) for m in vessels]
    lasts = [datetime.fromtimestamp(spans[m][1], UTC) for m in vessels]
    cur = await conn.execute(_STRETCH, (vessels, firsts, lasts))
    rows = await cur.fetchall()
    if not rows:
        return 0
    zones = locate(
        np.array([r[3] for r in rows], dtype=np.float64),
        np.array([r[2] for r in rows], dtype=np.float64),
    )
    stretches: dict[int, list[int]] = {}
    for i, row in enumerate(rows):
        stretches.setdefault(row[0], []).append(i)
    for m, first in zip(vessels, firsts, strict=True):
        picked = stretches.get(m)
        if not picked:
            continue
        if rows[picked[0]][1] < first:  # the fix before: where the vessel was
            anchor, before = rows[picked[0]][1], zones[picked[0]]
            picked = picked[1:]
        else:  # the vessel's first stored fix is late: it was nowhere before
            anchor, before = _EARLIEST, frozenset()
        if not picked:
            continue
        fixes = [(rows[i][1], rows[i][2], rows[i][3]) for i in picked]
        events = events_along(m, fixes, [zones[i] for i in picked], before)
        await conn.execute(_DELETE, (m, anchor, fixes[-1][0]))
        if events:
            async with conn.cursor() as cur:
                await cur.executemany(_INSERT, events)
    return len(stretches)
