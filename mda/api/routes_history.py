"""History from the store: a vessel's track, positions in an area, hourly traffic of a zone.

Each takes a time window, required and bounded; JSON needs history access, files (CSV,
GeoJSON, Parquet, MF-JSON) export access. Every answer is written to the audit log before it
is sent, with who asked, for what and how many rows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import polars as pl
from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import Response

from mda.api import params
from mda.api.auth import Ctx, authenticated
from mda.api.context import ApiContext, remote
from mda.api.errors import NotFoundError
from mda.api.exporting import FILE_FORMATS, Format, Rendered, render
from mda.api.roles import Permission
from mda.api.tokens import Principal
from mda.errors import ConfigError
from mda.store.queries import Queries, TooManyRowsError
from mda.store.timeargs import iso_z
from mda.trajectories.resample import Interpolation

router = APIRouter(tags=["history and exports"])
Who = Annotated[Principal, Depends(authenticated)]
Since = Annotated[str | None, Query(description="Start (ISO 8601, a date, now, -6h); required")]
Until = Annotated[str | None, Query(description="End (default now)")]
FormatParam = Annotated[Format, Query(alias="format", description="json, or a file: csv, "
                                      "geojson, parquet, geoparquet, mfjson")]  # fmt: skip
# Rows read per row answered when some are dropped after reading (a thinned track, the exact
# test of a zone's polygon on what its bounding box holds): enough for the usual case, and a
# bound on what one request can make the process hold.
READ_FACTOR = 2
TRACK_ADVICE = "narrow the window (or thin the track with resolution_s)"
AREA_ADVICE = "narrow the window or the area"
FILE_MEDIA: dict[str, dict[str, object]] = {
    "text/csv": {}, "application/geo+json": {}, "application/vnd.apache.parquet": {},
}  # fmt: skip


def _allowed(who: Principal, fmt: str) -> None:
    """History access for JSON, export access for files (403 otherwise)."""
    needed = Permission.EXPORT if fmt in FILE_FORMATS else Permission.HISTORY
    if not who.role.allows(needed):
        raise HTTPException(403, f"role {who.role} may not use this ({needed.value} access "
                                 "needed)")  # fmt: skip


def _bounded(frame: pl.DataFrame, ctx: ApiContext, advice: str) -> pl.DataFrame:
    """``frame``, unless it holds more rows than one answer may (what thinning or the exact
    zone test left of the rows read)."""
    if len(frame) > ctx.settings.max_rows:
        raise _too_many(ctx, advice)
    return frame


def _too_many(ctx: ApiContext, advice: str) -> ConfigError:
    return ConfigError(f"more than the {ctx.settings.max_rows} positions allowed in one answer "
                       f"in this window; {advice}")  # fmt: skip


def _read_limit(ctx: ApiContext, filtered: bool) -> int:
    """Rows one answer may read from the store: its own limit, or READ_FACTOR times it when
    some are dropped here after reading (thinning, the exact zone test)."""
    return ctx.settings.max_rows * (READ_FACTOR if filtered else 1)


async def _send(
    request: Request, ctx: Ctx, who: Principal, action: str, target: str, rendered: Rendered,
    details: dict[str, Any],
) -> Response:  # fmt: skip
    # Audited before it goes out: what cannot be audited is not handed out.
    await ctx.audit.record(who, action, target, details, remote(request))
    return Response(rendered.body, media_type=rendered.media_type, headers=rendered.headers())


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%SZ")


@router.get("/vessels/{mmsi}/track", summary="A vessel's track",
            responses={200: {"content": FILE_MEDIA}})  # fmt: skip
async def track(
    request: Request, ctx: Ctx, who: Who,
    mmsi: Annotated[int, Path(ge=1, le=999_999_999)], since: Since = None, until: Until = None,
    fmt: FormatParam = "json",
    resolution_s: Annotated[float | None, Query(gt=0, description="Thin to about one fix "
                                                "per this many seconds, keeping turns")] = None,
    gap_s: Annotated[float, Query(gt=0, description="A silence this long starts a new "
                                  "segment")] = 1800.0,
    lines: Annotated[bool, Query(description="GeoJSON, GeoParquet: one line per segment")] = False,
    resample_s: Annotated[float | None, Query(gt=0, description="Instead of thinning: each "
                                              "segment on a grid of this many seconds, points "
                                              "between fixes marked interpolated")] = None,
    max_gap_s: Annotated[float | None, Query(gt=0, description="With resample_s: no point "
                                             "between fixes further apart (default gap_s)")
                         ] = None,
    interpolation: Annotated[Interpolation, Query(description="With resample_s: linear or "
                                                  "great_circle")] = "linear",
) -> Response:  # fmt: skip
    """Positions of one vessel in ``[since, until)``, in time order, with segments cut at
    gaps and where the tracker cut them (two transmitters sharing the MMSI are separate
    segments: draw one line per ``segment``, never one through all the rows). Each row has
    its ``clock``, ``time_quality`` and ``track_segment``; rows with a suspect time have no
    ``segment`` and are not drawn in lines. With ``resample_s``, the segments resampled
    (time, position, speed, course and ``interpolated``), by vessel, segment and time."""
    _allowed(who, fmt)
    start, end = params.window(since, until, now=ctx.now(), max_span=ctx.settings.max_window,
                               what="track")  # fmt: skip

    thinned = resolution_s is not None
    read_limit = _read_limit(ctx, thinned)

    def work(q: Queries) -> Rendered:
        try:
            frame = q.track(mmsi, start, end, resolution_s=resolution_s, gap_s=gap_s,
                            row_limit=read_limit, resample_s=resample_s, max_gap_s=max_gap_s,
                            interpolation=interpolation)  # fmt: skip
        except TooManyRowsError:
            if not thinned:
                raise _too_many(ctx, TRACK_ADVICE) from None
            raise ConfigError(f"more than {read_limit} positions to thin in this window (twice "
                              f"the {ctx.settings.max_rows} allowed in one answer); narrow the "
                              "window") from None  # fmt: skip
        frame = _bounded(frame, ctx, TRACK_ADVICE)
        head = {"mmsi": mmsi, "since": iso_z(start), "until": iso_z(end)}
        return render(frame, fmt, stem=f"track-{mmsi}-{_stamp(start)}", head=head,
                      rows_key="positions", lines=lines)  # fmt: skip

    rendered = await ctx.need_store().run(work)
    details = {"format": fmt, "since": iso_z(start), "until": iso_z(end),
               "bytes": len(rendered.body)}  # fmt: skip
    return await _send(request, ctx, who, "track", str(mmsi), rendered, details)


@router.get("/positions", summary="Positions in an area",
            responses={200: {"content": FILE_MEDIA}})  # fmt: skip
async def positions(
    request: Request, ctx: Ctx, who: Who, since: Since = None, until: Until = None,
    bbox: Annotated[str | None, Query(description="west,south,east,north")] = None,
    zone: Annotated[str | None, Query(description="A zone id instead of a bbox")] = None,
    fmt: FormatParam = "json",
    vessels_only: Annotated[bool, Query(description="Leave out base stations and aids")] = True,
    lines: Annotated[bool, Query(description="GeoJSON, GeoParquet: one line per segment")] = False,
) -> Response:  # fmt: skip
    """Positions inside a box or a zone during ``[since, until)``, by vessel and time."""
    _allowed(who, fmt)
    if (bbox is None) == (zone is None):
        raise ConfigError("give an area: bbox=west,south,east,north or zone=<id> (one of them)")
    box = params.bbox(bbox)
    area: Any = box if box is not None else params.zone(zone, ctx.zone_by_id)
    start, end = params.window(since, until, now=ctx.now(), max_span=ctx.settings.max_window,
                               what="positions in an area")  # fmt: skip

    read_limit = _read_limit(ctx, zone is not None)

    def work(q: Queries) -> Rendered:
        try:
            frame = q.positions_in(area, start, end, vessels_only=vessels_only,
                                   row_limit=read_limit)  # fmt: skip
        except TooManyRowsError:
            if zone is None:
                raise _too_many(ctx, AREA_ADVICE) from None
            raise ConfigError(f"more than {read_limit} positions in the bounding box of zone "
                              f"{zone} in this window (twice the {ctx.settings.max_rows} "
                              "allowed in one answer); narrow the window") from None  # fmt: skip
        frame = _bounded(frame, ctx, AREA_ADVICE)
        head = {"area": bbox or zone, "since": iso_z(start), "until": iso_z(end)}
        return render(frame, fmt, stem=f"positions-{_stamp(start)}", head=head,
                      rows_key="positions", lines=lines)  # fmt: skip

    rendered = await ctx.need_store().run(work)
    details = {"format": fmt, "area": bbox or zone, "since": iso_z(start), "until": iso_z(end),
               "bytes": len(rendered.body)}  # fmt: skip
    return await _send(request, ctx, who, "positions", str(bbox or zone), rendered, details)


@router.get("/zones/{zone_id}/traffic", summary="Hourly traffic of a zone",
            responses={200: {"content": {"text/csv": {}}}})  # fmt: skip
async def traffic(
    request: Request, ctx: Ctx, who: Who, zone_id: str, since: Since = None,
    until: Until = None,
    fmt: Annotated[str, Query(alias="format", pattern="^(json|csv)$")] = "json",
) -> Response:  # fmt: skip
    """Vessels present in the zone in each UTC hour of ``[since, until)`` (0 for none)."""
    _allowed(who, fmt)
    if zone_id not in ctx.zone_by_id:
        raise NotFoundError(f"unknown zone {zone_id!r} (GET /api/v1/zones lists them)")
    start, end = params.window(since, until, now=ctx.now(), max_span=ctx.settings.max_window,
                               what="traffic")  # fmt: skip

    def work(q: Queries) -> Rendered:
        frame = q.traffic(zone_id, start, end).select("hour", "vessels")
        return render(frame, "json" if fmt == "json" else "csv",
                      stem=f"traffic-{zone_id}-{_stamp(start)}", head={"zone_id": zone_id},
                      rows_key="hours")  # fmt: skip

    rendered = await ctx.need_store().run(work)
    details = {"format": fmt, "since": iso_z(start), "until": iso_z(end)}
    return await _send(request, ctx, who, "traffic", zone_id, rendered, details)
