"""Density as a GeoTIFF raster that GIS tools read (QGIS, GDAL, rasterio): one band of
vessel-hours per cell, float32, in WGS 84 (EPSG:4326), north up.

The raster covers the cells with time in them; a cell inside it with none holds 0 (no
vessel-hours of the kind asked for were counted there). Written with rasterio, the optional
``geotiff`` extra (``pip install 'mda[geotiff]'``): GDAL's wheel is large, and only this
export needs it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import polars as pl

from mda.errors import ConfigError, MdaError


def density_grid(
    cells: pl.DataFrame, cell_deg: float
) -> tuple[npt.NDArray[np.float32], float, float]:
    """The cells as a grid, north row first, and its west and north edges in degrees."""
    if not len(cells):
        raise ConfigError("no vessel-hours in this window: no raster to write")
    west = float(cells["lon_min"].min())  # type: ignore[arg-type]
    north = float(cells["lat_max"].max())  # type: ignore[arg-type]
    column = np.rint((cells["lon_min"].to_numpy() - west) / cell_deg).astype(np.int64)
    row = np.rint((north - cells["lat_max"].to_numpy()) / cell_deg).astype(np.int64)
    grid = np.zeros((int(row.max()) + 1, int(column.max()) + 1), dtype=np.float32)
    grid[row, column] = cells["vessel_hours"].to_numpy().astype(np.float32)
    return grid, west, north


def write_geotiff(cells: pl.DataFrame, cell_deg: float, path: Path) -> None:
    """Write ``mda.store.density``'s cells to ``path`` as a GeoTIFF (see the module)."""
    try:
        import rasterio  # type: ignore[import-untyped]
        from rasterio.transform import from_origin  # type: ignore[import-untyped]
    except ImportError as exc:
        raise ConfigError(
            "GeoTIFF needs rasterio, not installed: pip install 'mda[geotiff]'"
        ) from exc
    grid, west, north = density_grid(cells, cell_deg)
    profile = {
        "driver": "GTiff", "height": grid.shape[0], "width": grid.shape[1], "count": 1,
        "dtype": "float32", "crs": "EPSG:4326", "compress": "deflate",
        "transform": from_origin(west, north, cell_deg, cell_deg),
    }  # fmt: skip
    try:
        with rasterio.open(path, "w", **profile) as raster:
            raster.write(grid, 1)
            raster.set_band_description(1, "vessel-hours")
            raster.update_tags(units="vessel-hours per cell", cell_deg=f"{cell_deg:g}")
    except (OSError, rasterio.errors.RasterioIOError) as exc:
        raise MdaError(f"cannot write {path}: {exc}") from exc
