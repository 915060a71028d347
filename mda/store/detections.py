"""The store's side of satellite detections: the AIS around each scene read out, the matches
written in, and the stored detections queried.

The matching itself is ``mda.detections`` (pure); this shell only fetches what it needs, one
query per scene (the fixes near the scene's place and time, the vessels' lengths, the aids to
navigation there, the detections of earlier scenes there) and upserts the result, so a scene
imported again after more AIS arrived is matched again in place.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import psycopg
import shapely

from mda.detections.alerts import DarkVesselSettings, SilentVessel, dark_vessel_alerts
from mda.detections.footprint import unseen_vessels
from mda.detections.infrastructure import (
    FixedObject,
    InfrastructureSettings,
    mark_infrastructure,
    repeated,
)
from mda.detections.match import MatchSettings, match_scene, scene_time, scenes_of
from mda.detections.model import AisFix, Detection, Match, MatchStatus
from mda.detections.predict import M_PER_DEG, predict_all, tracks_of
from mda.errors import ConfigError, ServiceUnavailableError
from mda.model import Alert
from mda.store.batch import StoreBatch
from mda.store.connection import connect
from mda.store.levels import detect_level
from mda.store.schema import migrate
from mda.store.settings import StoreSettings
from mda.store.timeargs import as_utc, check_window
from mda.store.writer import StoreWriter, redact_url

if TYPE_CHECKING:
    import polars as pl
    from shapely.geometry.base import BaseGeometry

    from mda.store.queries import Queries
    from mda.zones import ZoneIndex

# Fastest a vessel is taken to sail: how far around the scene AIS fixes are fetched.
_FASTEST_MS = 20.0
# Aids to navigation (buoys, platforms with AIS): fixed objects, never vessels.
_AID_TO_NAVIGATION = 21
_NOT_VESSELS = (4, 11, 21)
STATUSES = ("matched", "unmatched", "infrastructure")


@dataclass(slots=True)
class ImportSummary:
    """What an import did, scene by scene totals."""

    scenes: int = 0
    detections: int = 0
    by_status: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATUSES, 0))
    fixes_read: int = 0
    alerts: list[Alert] = field(default_factory=list)
    remarked: int = 0  # detections stored before, found to be fixed objects now


@dataclass(frozen=True, slots=True)
class Alerting:
    """Raise dark_vessel alerts: the zones, and the rule's settings."""

    index: ZoneIndex
    settings: DarkVesselSettings = field(default_factory=DarkVesselSettings)


def _box(dets: Sequence[Detection], margin_m: float) -> tuple[float, float, float, float]:
    """South, north, west, east around the detections, widened by ``margin_m``."""
    south, north = min(d.lat for d in dets), max(d.lat for d in dets)
    cos = max(math.cos(math.radians(max(abs(south), abs(north)))), 0.05)
    lat_m, lon_m = margin_m / M_PER_DEG, margin_m / (M_PER_DEG * cos)
    return (south - lat_m, north + lat_m, min(d.lon for d in dets) - lon_m,
            max(d.lon for d in dets) + lon_m)  # fmt: skip


def _when(t: float) -> datetime:
    return datetime.fromtimestamp(t, UTC)


async def _scene_inputs(
    conn: psycopg.AsyncConnection[tuple[Any, ...]], dets: Sequence[Detection],
    t: float, settings: MatchSettings, scene_ids: list[str],
) -> tuple[list[AisFix], dict[int, float], list[FixedObject], dict[Detection, str]]:  # fmt: skip
    window = settings.predict.max_bracket_s
    # Wide enough for both fixes an interpolation rests on: the core, given every fix, would
    # interpolate between them too.
    south, north, west, east = _box(dets, _FASTEST_MS * window)
    place = "lat BETWEEN %s AND %s AND lon BETWEEN %s AND %s"
    where = (_when(t - window), _when(t + window), south, north, west, east)
    cur = await conn.execute(
        "SELECT mmsi, extract(epoch FROM time)::float8, lat, lon, sog, cog FROM positions "
        f"WHERE time BETWEEN %s AND %s AND {place} AND msg_type <> ALL(%s) "
        "ORDER BY mmsi, time",
        (*where, list(_NOT_VESSELS)),
    )  # fmt: skip
    fixes = [AisFix(*row) for row in await cur.fetchall()]
    mmsis = sorted({f.mmsi for f in fixes})
    cur = await conn.execute(
        "SELECT mmsi, (to_bow + to_stern)::float8 FROM vessels WHERE mmsi = ANY(%s) "
        "AND to_bow IS NOT NULL AND to_stern IS NOT NULL AND to_bow + to_stern > 0",
        (mmsis,),
    )
    lengths = {int(m): float(n) for m, n in await cur.fetchall()}
    cur = await conn.execute(
        "SELECT DISTINCT ON (p.mmsi) p.mmsi, coalesce(v.shipname, ''), p.lat, p.lon "
        f"FROM positions p LEFT JOIN vessels v USING (mmsi) WHERE p.time BETWEEN %s AND %s "
        f"AND {place.replace('lat', 'p.lat').replace('lon', 'p.lon')} AND p.msg_type = %s "
        "ORDER BY p.mmsi, p.time DESC",
        (_when(t - 86400.0), _when(t + 86400.0), south, north, west, east, _AID_TO_NAVIGATION),
    )  # fmt: skip
    aids = [
        FixedObject(f"AtoN {mmsi} {name}".strip(), lat, lon)
        for mmsi, name, lat, lon in await cur.fetchall()
    ]
    cur = await conn.execute(
        "SELECT scene_id, detect_id, extract(epoch FROM time)::float8, lat, lon, status "
        f"FROM detections WHERE {place} AND scene_id <> ALL(%s)",
        (south, north, west, east, scene_ids),
    )
    history = {Detection(*row[:5]): row[5] for row in await cur.fetchall()}
    return fixes, lengths, aids, history


async def _silent_vessels(
    conn: psycopg.AsyncConnection[tuple[Any, ...]], dets: Sequence[Detection], t: float,
    match: MatchSettings, rule: DarkVesselSettings,
) -> list[SilentVessel]:  # fmt: skip
    """Vessels last heard near the scene before it, and not heard around its time."""
    within = rule.silent_within_hours * 3600.0
    # Farther than a few hundred kilometres a lead is no lead, whatever the speed allows.
    margin = min(rule.max_speed_kn * 1852.0 / 3600.0 * within, 300_000.0)
    south, north, west, east = _box(dets, margin)
    gap = match.predict.max_gap_s
    cur = await conn.execute(
        "SELECT DISTINCT ON (p.mmsi) p.mmsi, extract(epoch FROM p.time)::float8, p.lat, p.lon, "
        "v.shipname, p.sog::float8, p.cog::float8, "
        "CASE WHEN v.to_bow + v.to_stern > 0 THEN (v.to_bow + v.to_stern)::float8 END "
        "FROM positions p LEFT JOIN vessels v USING (mmsi) "
        "WHERE p.time BETWEEN %s AND %s AND p.lat BETWEEN %s AND %s AND p.lon BETWEEN %s AND %s "
        "AND p.msg_type <> ALL(%s) AND NOT EXISTS (SELECT 1 FROM positions q "
        "WHERE q.mmsi = p.mmsi AND q.time BETWEEN %s AND %s) ORDER BY p.mmsi, p.time DESC",
        (_when(t - within), _when(t - gap), south, north, west, east, list(_NOT_VESSELS),
         _when(t - gap), _when(t + gap)),
    )  # fmt: skip
    rows = await cur.fetchall()
    cur = await conn.execute(
        "SELECT DISTINCT mmsi FROM alerts WHERE rule = 'going_dark' AND mmsi = ANY(%s) "
        "AND start BETWEEN %s AND %s",
        ([r[0] for r in rows], _when(t - within), _when(t)),
    )
    flagged = {r[0] for r in await cur.fetchall()}
    return [
        SilentVessel(m, tm, la, lo, name, m in flagged, sog, cog, length)
        for m, tm, la, lo, name, sog, cog, length in rows
    ]


def _row(m: Match, source: str) -> tuple[Any, ...]:
    d = m.detection
    return (
        d.scene_id, d.detect_id, _when(d.time), d.lat, d.lon, d.length_m, d.score,
        m.status.value, m.mmsi, m.distance_m, m.gap_s, m.ais_length_m, m.cost, m.nearest_mmsi,
        m.nearest_m, m.infrastructure, source,
    )  # fmt: skip


_UPSERT = (
    "INSERT INTO detections (scene_id, detect_id, time, lat, lon, length_m, score, status, mmsi, "
    "distance_m, gap_s, ais_length_m, cost, nearest_mmsi, nearest_m, infrastructure, source) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
    "ON CONFLICT (scene_id, detect_id) DO UPDATE SET time = EXCLUDED.time, lat = EXCLUDED.lat, "
    "lon = EXCLUDED.lon, length_m = EXCLUDED.length_m, score = EXCLUDED.score, "
    "status = EXCLUDED.status, mmsi = EXCLUDED.mmsi, distance_m = EXCLUDED.distance_m, "
    "gap_s = EXCLUDED.gap_s, ais_length_m = EXCLUDED.ais_length_m, cost = EXCLUDED.cost, "
    "nearest_mmsi = EXCLUDED.nearest_mmsi, nearest_m = EXCLUDED.nearest_m, "
    "infrastructure = EXCLUDED.infrastructure, source = EXCLUDED.source"
)


async def import_detections(
    url: str, detections: Sequence[Detection], *, source: str,
    footprints: dict[str, BaseGeometry] | None = None, settings: MatchSettings | None = None,
    infrastructure: InfrastructureSettings | None = None, known: Sequence[FixedObject] = (),
    alerting: Alerting | None = None,
) -> ImportSummary:  # fmt: skip
    """Match ``detections`` against the AIS stored at ``url`` and store them with their match
    (creating the tables when missing); with ``alerting``, raise and store dark_vessel alerts
    (returned in the summary for publishing). Returns the totals."""
    settings = settings or MatchSettings()
    footprints = footprints or {}
    try:
        conn = await connect(url, 30.0)
    except psycopg.OperationalError as exc:
        raise ServiceUnavailableError(
            f"cannot reach the database at {redact_url(url)}: {str(exc).splitlines()[0]}"
        ) from exc
    summary = ImportSummary()
    scenes = scenes_of(detections)
    async with conn:
        await migrate(conn, await detect_level(conn), StoreSettings())
        found: list[Match] = []
        unseen: dict[str, tuple[int, str]] = {}
        fixed = list(known)
        history: dict[Detection, str] = {}
        for dets in scenes.values():
            t = scene_time(dets)
            fixes, lengths, aids, earlier = await _scene_inputs(
                conn, dets, t, settings, list(scenes)
            )
            preds = predict_all(tracks_of(fixes), t, settings.predict, lengths)
            scene_matches = match_scene(dets, preds, settings)
            found.extend(scene_matches)
            if dets[0].scene_id in footprints:
                inside, lost = unseen_vessels(footprints[dets[0].scene_id], preds, scene_matches)
                unseen[dets[0].scene_id] = (inside, json.dumps([
                    {"mmsi": p.mmsi, "lat": round(p.lat, 6), "lon": round(p.lon, 6),
                     "length_m": p.length_m, "gap_s": round(p.gap_s)} for p in lost
                ]))  # fmt: skip
            fixed.extend(a for a in aids if a not in fixed)
            history.update(earlier)
            summary.fixes_read += len(fixes)
        # Fixed objects over the whole import at once (and the scenes stored before it), so
        # the result does not depend on the order the scenes come in, or on how they were cut
        # into files: a stored detection that now repeats becomes infrastructure too.
        marked = mark_infrastructure(found, fixed, infrastructure, list(history))
        repeats = repeated([*(m.detection for m in found), *history],
                           infrastructure or InfrastructureSettings())  # fmt: skip
        now_fixed = [(d.scene_id, d.detect_id) for d, status in history.items()
                     if status == "unmatched" and (d.scene_id, d.detect_id) in repeats]  # fmt: skip
        by_scene: dict[str, list[Match]] = {}
        for m in marked:
            by_scene.setdefault(m.detection.scene_id, []).append(m)
        for scene_id, matches in by_scene.items():
            dets = scenes[scene_id]
            t = scene_time(dets)
            if alerting is not None and any(m.status is MatchStatus.UNMATCHED for m in matches):
                silent = await _silent_vessels(conn, dets, t, settings, alerting.settings)
                summary.alerts.extend(
                    dark_vessel_alerts(matches, alerting.index, alerting.settings, silent)
                )
            footprint = footprints.get(scene_id)
            async with conn.transaction():
                held, missed = unseen.get(scene_id, (None, None))
                await conn.execute(
                    "INSERT INTO detection_scenes (scene_id, time, footprint, source, detections,"
                    " ais_vessels, ais_unseen) VALUES (%s, %s, %s, %s, %s, %s, %s) "
                    "ON CONFLICT (scene_id) DO UPDATE SET "
                    "time = EXCLUDED.time, footprint = coalesce(EXCLUDED.footprint, "
                    "detection_scenes.footprint), source = EXCLUDED.source, "
                    "detections = EXCLUDED.detections, ais_vessels = EXCLUDED.ais_vessels, "
                    "ais_unseen = EXCLUDED.ais_unseen, imported_at = now()",
                    (scene_id, _when(t),
                     None if footprint is None else shapely.to_geojson(footprint),
                     source, len(dets), held, missed),
                )  # fmt: skip
                async with conn.cursor() as cur:
                    await cur.executemany(_UPSERT, [_row(m, source) for m in matches])
            summary.scenes += 1
            summary.detections += len(matches)
            for m in matches:
                summary.by_status[m.status.value] += 1
        if now_fixed:
            async with conn.transaction(), conn.cursor() as cur:
                await cur.executemany(
                    "UPDATE detections SET status = 'infrastructure', infrastructure = 'repeat' "
                    "WHERE scene_id = %s AND detect_id = %s AND status = 'unmatched'",
                    now_fixed,
                )
        summary.remarked = len(now_fixed)
    if summary.alerts:
        # Through the writer, as the service stores alerts: an alert imported again is the
        # same alert (its id comes from the scene and detection), updated in place.
        writer = StoreWriter(url, spooling=False)
        await writer.start()
        try:
            await writer.write(StoreBatch(alerts=summary.alerts))
        finally:
            await writer.close()
    return summary


def query_detections(
    queries: Queries, start: datetime | float, end: datetime | float, *,
    status: Sequence[str] | None = None,
) -> pl.DataFrame:  # fmt: skip
    """Stored detections of ``[start, end)``, newest first, with the matched vessel's name;
    ``status``: only these (matched, unmatched, infrastructure)."""
    statuses = list(status or STATUSES)
    unknown = sorted(set(statuses) - set(STATUSES))
    if unknown:
        raise ConfigError(f"no detection status {', '.join(unknown)}; one of {', '.join(STATUSES)}")
    since, until = as_utc(start), as_utc(end)
    check_window(since, until, max_span=queries.limits.events, what="detections")
    return queries.fetch(
        "SELECT d.time, d.scene_id, d.detect_id, d.lat, d.lon, d.length_m, d.score, d.status, "
        "d.mmsi, v.shipname, d.distance_m, d.gap_s, d.ais_length_m, d.nearest_mmsi, "
        "d.nearest_m, d.infrastructure, d.source FROM detections d LEFT JOIN vessels v "
        "ON v.mmsi = d.mmsi WHERE d.time >= $1 AND d.time < $2 AND d.status = ANY($3) "
        "ORDER BY d.time DESC, d.scene_id, d.detect_id",
        [since, until, statuses],
        what="detections",
    )
