"""The map under every picture: its extent, the base map clipped to it, a scale bar, a legend
and the time span. Equirectangular, with the aspect of the map's middle latitude, so that
distances read true along both axes there.

A picture whose data cross the antimeridian is drawn on longitudes 0 to 360 (``View.shifted``),
so that it spans the few kilometres its data cover, not the whole world.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import numpy.typing as npt
import shapely
import shapely.affinity
from shapely.geometry.base import BaseGeometry

from mda.plot.basemap import Basemap

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.path import Path

Floats = npt.NDArray[np.float64]

KM_PER_DEGREE: Final = 111.32
LAND: Final = "#e6dcc8"
LAND_EDGE: Final = "#9c8f78"
SEA: Final = "#dcebf5"
AREA_EDGE: Final = "#4f7fa8"
ROUTE: Final = "#8a3ea8"
PORT: Final = "#333333"
# The smallest extent drawn, in degrees (a vessel at anchor still gets a map around it).
MIN_SPAN_DEG: Final = 0.05


@dataclass(frozen=True, slots=True)
class View:
    """The map's extent in degrees; ``shifted``: longitudes drawn on 0..360 (west < east)."""

    west: float
    south: float
    east: float
    north: float
    shifted: bool = False

    @property
    def middle_lat(self) -> float:
        return (self.south + self.north) / 2

    def lon(self, lon: Floats) -> Floats:
        """Longitudes as drawn in this view."""
        return np.where(lon < 0, lon + 360.0, lon) if self.shifted else lon

    def width_km(self) -> float:
        return (self.east - self.west) * KM_PER_DEGREE * math.cos(math.radians(self.middle_lat))


def view_of(
    lon: Sequence[float] | Floats, lat: Sequence[float] | Floats, *, pad: float = 0.08,
    min_span: float = MIN_SPAN_DEG,
) -> View:  # fmt: skip
    """A view around the points, padded by ``pad`` of its span (at least ``min_span``
    degrees), on 0..360 when that spans less longitude than -180..180 (across 180)."""
    x = np.asarray(lon, dtype=np.float64)
    y = np.asarray(lat, dtype=np.float64)
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    if not len(x):
        raise ValueError("no position to draw")
    wrapped = np.where(x < 0, x + 360.0, x)
    shifted = bool(np.ptp(wrapped) < np.ptp(x))
    if shifted:
        x = wrapped
    west, east = float(x.min()), float(x.max())
    south, north = float(y.min()), float(y.max())
    dx = max((east - west) * pad, (min_span - (east - west)) / 2, 0.0)
    dy = max((north - south) * pad, (min_span - (north - south)) / 2, 0.0)
    return View(west - dx, max(south - dy, -89.9), east + dx, min(north + dy, 89.9), shifted)


def clip(geometry: BaseGeometry, view: View) -> list[BaseGeometry]:
    """The pieces of ``geometry`` (in -180..180) inside ``view``, in the view's longitudes."""
    pieces = []
    # A view on 0..360 sees -180..180 in two parts: its own east of -180, and shifted by 360.
    for offset in (0.0, 360.0, -360.0):
        west, east = max(view.west - offset, -180.0), min(view.east - offset, 180.0)
        if west >= east:
            continue
        piece = shapely.clip_by_rect(geometry, west, view.south, east, view.north)
        if not piece.is_empty:
            pieces.append(piece if offset == 0.0 else shapely.affinity.translate(piece, offset))
    return pieces


def geometry_path(geometries: Sequence[BaseGeometry]) -> Path | None:
    """One matplotlib path of every polygon in ``geometries`` (exteriors counter-clockwise,
    holes clockwise, so either fill rule leaves the holes open); None if there is none."""
    from matplotlib.path import Path

    vertices: list[Floats] = []
    codes: list[npt.NDArray[np.uint8]] = []
    for geometry in geometries:
        for part in shapely.get_parts(geometry).tolist():
            if part.geom_type != "Polygon" or part.is_empty:
                continue
            oriented = shapely.geometry.polygon.orient(part, 1.0)
            for ring in (oriented.exterior, *oriented.interiors):
                xy = np.asarray(ring.coords, dtype=np.float64)
                if len(xy) < 4:
                    continue
                code = np.full(len(xy), Path.LINETO, dtype=np.uint8)
                code[0], code[-1] = Path.MOVETO, Path.CLOSEPOLY
                vertices.append(xy)
                codes.append(code)
    if not vertices:
        return None
    return Path(np.concatenate(vertices), np.concatenate(codes))


def line_coordinates(geometries: Sequence[BaseGeometry]) -> list[Floats]:
    """The lines (and polygon outlines) of ``geometries`` as coordinate arrays."""
    lines: list[Floats] = []
    for geometry in geometries:
        for part in shapely.get_parts(geometry).tolist():
            if part.geom_type in ("LineString", "LinearRing"):
                lines.append(np.asarray(part.coords, dtype=np.float64))
            elif part.geom_type == "Polygon":
                lines += [np.asarray(r.coords, dtype=np.float64)
                          for r in (part.exterior, *part.interiors)]  # fmt: skip
    return lines


def prepare_axes(ax: Axes, view: View) -> None:
    """Extent, aspect (true distances at the middle latitude), sea colour and degree ticks."""
    ax.set_xlim(view.west, view.east)
    ax.set_ylim(view.south, view.north)
    ax.set_aspect(1.0 / max(math.cos(math.radians(view.middle_lat)), 0.05), adjustable="box")
    ax.set_facecolor(SEA)
    ax.set_xlabel("longitude (°)")
    ax.set_ylabel("latitude (°)")
    if view.shifted:
        ax.xaxis.set_major_formatter(lambda x, _pos: f"{(x + 180) % 360 - 180:g}")
    ax.tick_params(labelsize=8)


def draw_basemap(ax: Axes, basemap: Basemap, view: View) -> list[Artist]:
    """Land, sea areas, routes and ports inside ``view``; the legend handles of those drawn."""
    from matplotlib.collections import LineCollection
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch, PathPatch

    handles: list[Artist] = []
    land = geometry_path(clip(basemap.land, view))
    if land is not None:
        ax.add_patch(PathPatch(land, facecolor=LAND, edgecolor=LAND_EDGE, linewidth=0.6,
                               zorder=1))  # fmt: skip
        handles.append(Patch(facecolor=LAND, edgecolor=LAND_EDGE, label="land"))
    # Outlines clipped as lines: a polygon clipped first would gain the view's edges.
    outlines = line_coordinates([p for a in basemap.areas for p in clip(a.geometry.boundary, view)])
    if outlines:
        ax.add_collection(LineCollection(outlines, colors=AREA_EDGE, linewidths=0.8,
                                         linestyles="--", zorder=2))  # fmt: skip
        handles.append(Line2D([], [], color=AREA_EDGE, linestyle="--", label="sea areas"))
    routes = line_coordinates([p for r in basemap.routes for p in clip(r.geometry, view)])
    if routes:
        ax.add_collection(LineCollection(routes, colors=ROUTE, linewidths=1.0, alpha=0.8,
                                         zorder=2))  # fmt: skip
        handles.append(Line2D([], [], color=ROUTE, label="cables, pipelines"))
    points = shapely.get_coordinates([p.geometry for p in basemap.ports])
    lon, lat = points[:, 0], points[:, 1]
    x = view.lon(lon)
    seen = (x >= view.west) & (x <= view.east) & (lat >= view.south) & (lat <= view.north)
    if seen.any():
        ax.scatter(x[seen], lat[seen], s=14, marker="s", color=PORT, zorder=3)
        handles.append(Line2D([], [], color=PORT, marker="s", linestyle="", markersize=4,
                              label="ports"))  # fmt: skip
    return handles


def nice_length_km(width_km: float) -> float:
    """A round length (1, 2 or 5 times a power of ten) of about a fifth of ``width_km``."""
    target = max(width_km / 5.0, 1e-3)
    power = 10.0 ** math.floor(math.log10(target))
    return max(m * power for m in (1.0, 2.0, 5.0) if m * power <= target)


def draw_scale_bar(ax: Axes, view: View) -> None:
    """A bar of a round length at the lower left, true at the map's middle latitude."""
    length_km = nice_length_km(view.width_km())
    degrees = length_km / (KM_PER_DEGREE * math.cos(math.radians(view.middle_lat)))
    x0 = view.west + 0.04 * (view.east - view.west)
    y0 = view.south + 0.05 * (view.north - view.south)
    ax.plot([x0, x0 + degrees], [y0, y0], color="black", linewidth=3, solid_capstyle="butt",
            zorder=6)  # fmt: skip
    label = f"{length_km:g} km" if length_km >= 1 else f"{length_km * 1000:g} m"
    ax.text(x0 + degrees / 2, y0 + 0.015 * (view.north - view.south), label, ha="center",
            va="bottom", fontsize=8, zorder=6,
            bbox={"facecolor": "white", "alpha": 0.7, "edgecolor": "none", "pad": 1})  # fmt: skip


def span_text(start: datetime, end: datetime) -> str:
    """The time span of a picture, UTC, to the minute."""
    hours = (end - start).total_seconds() / 3600
    length = (f"{hours * 60:.0f} min" if hours < 1 else f"{hours:.0f} h" if hours < 72
              else f"{hours / 24:.0f} days")  # fmt: skip
    return f"{start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC ({length})"


def legend(ax: Axes, handles: Sequence[Any]) -> None:
    if handles:
        ax.legend(handles=list(handles), loc="upper right", fontsize=8, framealpha=0.85)
