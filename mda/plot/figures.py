"""The pictures, from data to a matplotlib Figure: a vessel's track coloured by speed, a zone's
traffic, the alerts of a period, a density grid. Pure: frames as the store's queries return
them in, a Figure out (no database, no file, no pyplot state), so a notebook shows the Figure
and the command line saves it.
"""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final, cast

import numpy as np
import polars as pl

from mda.errors import ConfigError
from mda.plot.basemap import Basemap
from mda.plot.mapping import (
    View,
    clip,
    draw_basemap,
    draw_scale_bar,
    geometry_path,
    legend,
    line_coordinates,
    prepare_axes,
    span_text,
    view_of,
)
from mda.store.track_shapes import drawable, with_segments
from mda.zones.model import Zone

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

SIZE_IN: Final = (10.0, 8.0)
DPI: Final = 100
SEVERITY_COLOURS: Final = {"alarm": "#d62728", "warning": "#ff7f0e", "caution": "#e0c000"}
MARKERS: Final = ("o", "^", "s", "D", "v", "P", "X", "*", "h", "<", ">")
ZONE_FILL: Final = "#f2a65a"


def _figure(rows: int = 1, ratios: tuple[float, ...] = (1.0,)) -> tuple[Figure, list[Axes]]:
    from mda.plot.picture import Picture

    figure = Picture(figsize=SIZE_IN, dpi=DPI, layout="constrained")
    axes = figure.subplots(rows, 1, gridspec_kw={"height_ratios": list(ratios)}, squeeze=False)
    return figure, [a for row in axes for a in row]


def _runs(frame: pl.DataFrame) -> list[pl.DataFrame]:
    """Each vessel's drawable segments, in order (never joined across a gap)."""
    if "segment" not in frame.columns:
        frame = with_segments(frame, 1800.0)
    located = pl.col("lon").is_not_null() & pl.col("lat").is_not_null()
    frame = frame.filter(located & pl.col("segment").is_not_null() & drawable(frame))
    return list(frame.sort("mmsi", "segment", "time").partition_by(
        "mmsi", "segment", maintain_order=True))  # fmt: skip


def track_figure(
    positions: pl.DataFrame, basemap: Basemap, start: datetime, end: datetime, *,
    title: str | None = None,
) -> Figure:  # fmt: skip
    """A track (``Queries.track``'s frame) coloured by speed over ground, its segments apart,
    start and end marked."""
    from matplotlib.collections import LineCollection
    from matplotlib.colors import Normalize
    from matplotlib.lines import Line2D

    runs = _runs(positions)
    if not runs:
        raise ConfigError("no positions to draw in this window")
    every = pl.concat(runs)
    view = view_of(every["lon"].to_numpy(), every["lat"].to_numpy())
    figure, (ax,) = _figure()
    prepare_axes(ax, view)
    handles = draw_basemap(ax, basemap, view)
    speeds = every["sog"].cast(pl.Float64).drop_nulls()
    norm = Normalize(0.0, max(float(speeds.max()) if len(speeds) else 0.0, 1.0))  # type: ignore[arg-type]
    lines, colours = [], []
    for run in runs:
        x = view.lon(run["lon"].to_numpy().astype(np.float64))
        y = run["lat"].to_numpy().astype(np.float64)
        sog = run["sog"].cast(pl.Float64).fill_null(np.nan).to_numpy()
        if len(x) == 1:
            ax.scatter(x, y, c=sog, cmap="viridis", norm=norm, s=12, zorder=4)
            continue
        xy = np.column_stack([x, y])
        lines.append(np.stack([xy[:-1], xy[1:]], axis=1))  # one leg per pair of fixes
        # A leg's colour: the mean of its two fixes' speeds (either one when one is missing).
        colours += np.nanmean(np.column_stack([sog[:-1], sog[1:]]), axis=1).tolist()
    legs = np.concatenate(lines) if lines else np.zeros((0, 2, 2))
    # An (N, 2, 2) array is what LineCollection takes fastest (its stubs ask for a sequence).
    collection = LineCollection(cast("list[Any]", legs), cmap="viridis", norm=norm,
                                linewidths=2.0, zorder=4)  # fmt: skip
    collection.set_array(np.asarray(colours, dtype=np.float64))
    ax.add_collection(collection)
    first, last = every.sort("time").row(0, named=True), every.sort("time").row(-1, named=True)
    for row, marker, colour, label in ((first, "o", "#2ca02c", "first fix"),
                                       (last, "s", "#d62728", "last fix")):  # fmt: skip
        ax.plot(view.lon(np.array([row["lon"]], dtype=np.float64)), [row["lat"]], marker=marker,
                color=colour, markeredgecolor="black", markersize=8, linestyle="", zorder=5)
        handles.append(Line2D([], [], marker=marker, color=colour, markeredgecolor="black",
                              linestyle="", label=label))  # fmt: skip
    figure.colorbar(collection, ax=ax, shrink=0.8, label="speed over ground (kn)")
    draw_scale_bar(ax, view)
    legend(ax, handles)
    mmsis = ", ".join(str(m) for m in every["mmsi"].unique().sort().to_list())
    plural = "s" if len(runs) > 1 else ""
    fixes = f"{len(every)} fixes in {len(runs)} segment{plural}, " \
            f"{first['time']:%Y-%m-%d %H:%M} to {last['time']:%Y-%m-%d %H:%M} UTC"  # fmt: skip
    ax.set_title(f"{title or f'Track of MMSI {mmsis}'}\n{span_text(start, end)}; {fixes}",
                 fontsize=10)  # fmt: skip
    return figure


def zone_figure(
    zone: Zone, positions: pl.DataFrame, traffic: pl.DataFrame, basemap: Basemap,
    start: datetime, end: datetime,
) -> Figure:  # fmt: skip
    """A zone's traffic: the tracks inside it (``Queries.positions_in``), one colour per vessel,
    over the zone, and below the vessels present hour by hour (``Queries.traffic``)."""
    from matplotlib.collections import LineCollection
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch, PathPatch

    west, south, east, north = zone.area.bounds
    runs = _runs(positions)
    lon = [west, east, *(v for r in runs for v in r["lon"].to_list())]
    lat = [south, north, *(v for r in runs for v in r["lat"].to_list())]
    view = view_of(lon, lat, pad=0.05)
    figure, (ax, hours) = _figure(2, (4.0, 1.0))
    prepare_axes(ax, view)
    handles = draw_basemap(ax, basemap, view)
    shape = geometry_path(clip(zone.area, view))
    if shape is not None:
        ax.add_patch(PathPatch(shape, facecolor=ZONE_FILL, alpha=0.25, edgecolor=ZONE_FILL,
                               linewidth=1.5, zorder=2))  # fmt: skip
    handles.append(Patch(facecolor=ZONE_FILL, alpha=0.5, label=f"zone {zone.id}"))
    colours = _vessel_colours(positions)
    lines, line_colours = [], []
    for run in runs:
        x = view.lon(run["lon"].to_numpy().astype(np.float64))
        y = run["lat"].to_numpy().astype(np.float64)
        colour = colours[int(run["mmsi"][0])]
        if len(x) == 1:
            ax.plot(x, y, marker=".", color=colour, linestyle="", zorder=4)
        else:
            lines.append(np.column_stack([x, y]))
            line_colours.append(colour)
    ax.add_collection(LineCollection(lines, colors=line_colours, linewidths=1.2, zorder=4))
    handles.append(Line2D([], [], color="#1f77b4", label=f"tracks of {len(colours)} vessels "
                          "inside (a colour each)"))  # fmt: skip
    draw_scale_bar(ax, view)
    legend(ax, handles)
    ax.set_title(f"Traffic in {zone.name} ({zone.id})\n{span_text(start, end)}; "
                 f"{len(positions)} positions inside", fontsize=10)  # fmt: skip
    if len(traffic):
        times = traffic["hour"].to_list()
        hours.bar(times, traffic["vessels"].to_list(), width=1 / 24, align="edge",
                  color=ZONE_FILL, edgecolor="#a0522d", linewidth=0.5)
    hours.set_xlim(start, end)  # type: ignore[arg-type]  # matplotlib converts dates
    hours.set_ylabel("vessels\nper hour", fontsize=8)
    hours.set_xlabel("hour (UTC)", fontsize=8)
    hours.tick_params(labelsize=8)
    return figure


def _vessel_colours(positions: pl.DataFrame) -> dict[int, Any]:
    from matplotlib import colormaps

    palette = colormaps["tab20"]
    mmsis = sorted(set(positions["mmsi"].to_list())) if len(positions) else []
    return {m: palette(k % 20) for k, m in enumerate(mmsis)}


def alert_positions(alerts: pl.DataFrame) -> pl.DataFrame:
    """The alerts (``Queries.alerts``) with the position each was published with, as ``lat``
    and ``lon`` (null for alerts with none)."""
    position = pl.col("body").str.json_path_match
    return alerts.with_columns(
        position("$.position.lat").cast(pl.Float64).alias("lat"),
        position("$.position.lon").cast(pl.Float64).alias("lon"),
    )


def alerts_figure(
    alerts: pl.DataFrame, basemap: Basemap, start: datetime, end: datetime, *,
    zones: dict[str, Zone] | None = None,
) -> Figure:  # fmt: skip
    """The alerts of a period where each was raised: colour by severity, marker by rule, the
    zones they name outlined."""
    from matplotlib.collections import LineCollection
    from matplotlib.lines import Line2D

    placed = alert_positions(alerts)
    located = placed.filter(pl.col("lat").is_not_null() & pl.col("lon").is_not_null())
    if not len(located):
        raise ConfigError(f"no alert with a position to draw ({len(alerts)} alerts in the window)")
    view = view_of(located["lon"].to_numpy(), located["lat"].to_numpy(), min_span=1.0)
    figure, (ax,) = _figure()
    prepare_axes(ax, view)
    handles: list[Artist] = draw_basemap(ax, basemap, view)
    named = [zones[z] for z in sorted(set(located["zone_id"].drop_nulls().to_list()))
             if zones and z in zones]  # fmt: skip
    outlines = line_coordinates([p for z in named for p in clip(z.area.boundary, view)])
    if outlines:
        ax.add_collection(LineCollection(outlines, colors=ZONE_FILL, linewidths=2.0, zorder=3))
        handles.append(Line2D([], [], color=ZONE_FILL, linewidth=2, label="zones alerted"))
    rules = sorted(set(located["rule"].to_list()))
    marker_of = dict(zip(rules, itertools.cycle(MARKERS), strict=False))
    for (rule, severity), group in located.group_by("rule", "severity", maintain_order=True):
        ax.scatter(view.lon(group["lon"].to_numpy()), group["lat"].to_numpy(),
                   marker=marker_of[str(rule)], s=70, color=SEVERITY_COLOURS.get(str(severity)),
                   edgecolors="black", linewidths=0.6, zorder=5)  # fmt: skip
    handles += [Line2D([], [], marker=marker_of[r], color="grey", markeredgecolor="black",
                       linestyle="", label=r) for r in rules]  # fmt: skip
    handles += [Line2D([], [], marker="o", color=c, linestyle="", label=s)
                for s, c in SEVERITY_COLOURS.items() if s in set(located["severity"].to_list())]
    draw_scale_bar(ax, view)
    legend(ax, handles)
    missing = len(placed) - len(located)
    note = f" ({missing} without a position, not drawn)" if missing else ""
    ax.set_title(f"Alerts: {len(located)} from {len(rules)} rule{'s' if len(rules) > 1 else ''}"
                 f"{note}\n"
                 f"{span_text(start, end)}", fontsize=10)  # fmt: skip
    return figure


def density_figure(
    cells: pl.DataFrame, cell_deg: float, basemap: Basemap, start: datetime, end: datetime, *,
    title: str = "Traffic density",
) -> Figure:  # fmt: skip
    """Vessel-hours per cell (``mda.store.density``'s frame) on a logarithmic colour scale."""
    from matplotlib.colors import LogNorm

    if not len(cells):
        raise ConfigError("no vessel-hours to draw in this window")
    view = _cells_view(cells)
    figure, (ax,) = _figure()
    prepare_axes(ax, view)
    handles = draw_basemap(ax, basemap, view)
    west = float(view.lon(cells["lon_min"].to_numpy()).min())
    south = float(cells["lat_min"].min())  # type: ignore[arg-type]
    ix = np.rint((view.lon(cells["lon_min"].to_numpy()) - west) / cell_deg).astype(np.int64)
    iy = np.rint((cells["lat_min"].to_numpy() - south) / cell_deg).astype(np.int64)
    grid = np.full((int(iy.max()) + 1, int(ix.max()) + 1), np.nan)
    grid[iy, ix] = cells["vessel_hours"].to_numpy()
    hours = np.ma.masked_invalid(grid)
    low = float(np.nanmin(grid[grid > 0])) if (grid > 0).any() else 1e-3
    mesh = ax.pcolormesh(west + cell_deg * np.arange(grid.shape[1] + 1),
                         south + cell_deg * np.arange(grid.shape[0] + 1), hours,
                         norm=LogNorm(low, max(float(np.nanmax(grid)), low * 10)),
                         cmap="magma_r", alpha=0.85, zorder=1.5)  # fmt: skip
    figure.colorbar(mesh, ax=ax, shrink=0.8, label=f"vessel-hours per {cell_deg:g}° cell")
    draw_scale_bar(ax, view)
    legend(ax, handles)
    total = float(cells["vessel_hours"].sum())
    ax.set_title(f"{title}: {total:.1f} vessel-hours in {len(cells)} cells\n"
                 f"{span_text(start, end)}", fontsize=10)  # fmt: skip
    return figure


def _cells_view(cells: pl.DataFrame) -> View:
    lon = np.concatenate([cells["lon_min"].to_numpy(), cells["lon_max"].to_numpy()])
    lat = np.concatenate([cells["lat_min"].to_numpy(), cells["lat_max"].to_numpy()])
    # Cells' east edges at 180 would make the view take them for -180: keep them inside.
    return view_of(np.clip(lon, -180.0, 179.999999), lat, pad=0.05)
