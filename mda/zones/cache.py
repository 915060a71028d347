"""The zone index as built before, kept on disk so that commands start fast.

Loading the catalogue (widening cable and pipeline routes into corridors) and cutting it into the
grid take most of a second; reading them back takes a small part of that. An entry is keyed by
everything the index is made from: the bytes and names of every zone file in load order, an
explicit coastline, the source of the modules that build it, the format of the entry and the
versions of GEOS and PROJ. It holds geometries as WKB and numbers as numpy arrays (``.npz``,
read without pickle), is written to a temporary file and renamed into place, and one that does
not read back whole and consistent is ignored, so the caller builds afresh.

The folder is ``$MDA_CACHE_DIR``, else ``$XDG_CACHE_HOME/mda``, else ``~/.cache/mda``.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, cast

import numpy as np
import pyproj
import shapely
from shapely.errors import GEOSException
from shapely.geometry.base import BaseGeometry

from mda.settings.places import cache_dir
from mda.zones import catalog, geodesic, grid, model
from mda.zones.grid import CellGrid, Ints, geometry_array
from mda.zones.model import Zone, ZoneKind

FORMAT: Final = 1  # of an entry's arrays; bump when they change
KEPT: Final = 8  # entries kept: the default catalogue and a few operators' sets
_PREFIX: Final = "zone-index-"
# The modules whose code decides what the index holds: a change to any invalidates entries.
_BUILDERS: Final = (catalog, geodesic, grid, model)
# The grid's integer arrays, stored under their own names.
_CELL_ARRAYS: Final = ("full_cell", "full_zone", "piece_cell", "piece_zone", "line_cell",
                       "line_zone")  # fmt: skip


@dataclass(frozen=True, slots=True)
class BuiltIndex:
    """What a zone index is made of: its zones, the coastline and the cut grid."""

    zones: list[Zone]
    coastline: list[BaseGeometry]
    grid: CellGrid


def entry_key(paths: Sequence[Path], coastline: Sequence[BaseGeometry]) -> str | None:
    """The key of the index of the zones in ``paths`` and ``coastline``; None when a file
    cannot be read (the catalogue then reports it)."""
    digest = hashlib.sha256()
    digest.update(f"{FORMAT}|{shapely.geos_version_string}|{pyproj.__proj_version__}|".encode())
    try:
        for module in _BUILDERS:
            digest.update(Path(cast(str, module.__file__)).read_bytes())
        for path in paths:
            for file in catalog.zone_files(path):
                data = file.read_bytes()
                digest.update(f"|{file.stem}|{len(data)}|".encode())
                digest.update(data)
    except OSError:
        return None
    for geometry in shapely.to_wkb(list(coastline)).tolist() if coastline else []:
        digest.update(b"|coast|" + cast(bytes, geometry))
    return digest.hexdigest()


def read(key: str, folder: Path | None = None) -> BuiltIndex | None:
    """The index kept under ``key``, or None when there is none or it cannot be trusted."""
    file = (folder or cache_dir()) / f"{_PREFIX}{key}.npz"
    try:
        with np.load(file, allow_pickle=False) as entry:
            arrays = {name: entry[name] for name in entry.files}
        return _unpacked(arrays, key)
    except (OSError, ValueError, KeyError, TypeError, IndexError, EOFError,
            zipfile.BadZipFile, GEOSException, UnicodeDecodeError):  # fmt: skip
        return None


def write(key: str, built: BuiltIndex, folder: Path | None = None) -> None:
    """Keep ``built`` under ``key``, best effort: a folder that cannot be written is no error."""
    folder = folder or cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".tmp-", delete=False) as out:
            try:
                np.savez(out, allow_pickle=False, **_packed(built, key))
                out.flush()
                os.fsync(out.fileno())
            except BaseException:
                os.unlink(out.name)
                raise
        os.replace(out.name, folder / f"{_PREFIX}{key}.npz")
        _prune(folder)
    except (OSError, TypeError, ValueError):
        return


def _prune(folder: Path) -> None:
    """Drop all but the ``KEPT`` most recently written entries."""
    entries = sorted(folder.glob(f"{_PREFIX}*.npz"), key=lambda p: p.stat().st_mtime)
    for stale in entries[:-KEPT]:
        stale.unlink(missing_ok=True)


def _wkb(geometries: Sequence[BaseGeometry | None]) -> tuple[np.ndarray[Any, Any], Ints]:
    """Geometries as one WKB byte string and the end of each (an absent one is empty)."""
    blobs = [b"" if g is None else shapely.to_wkb(g) for g in geometries]
    ends = np.cumsum([len(b) for b in blobs], dtype=np.int64)
    return np.frombuffer(b"".join(blobs), dtype=np.uint8), ends


def _geometries(blob: np.ndarray[Any, Any], ends: Ints) -> list[BaseGeometry | None]:
    data = blob.tobytes()
    starts = np.r_[0, ends[:-1]].tolist() if len(ends) else []
    parts = [data[s:e] for s, e in zip(starts, ends.tolist(), strict=True)]
    present = [p for p in parts if p]
    parsed = iter(shapely.from_wkb(present).tolist() if present else [])
    return [next(parsed) if p else None for p in parts]


def _packed(built: BuiltIndex, key: str) -> dict[str, np.ndarray[Any, Any]]:
    zones = built.zones
    meta = {
        "key": key,
        "zones": [[z.id, z.name, z.kind, z.properties] for z in zones],
    }
    arrays: dict[str, np.ndarray[Any, Any]] = {
        "meta": np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    }
    sections: dict[str, Sequence[BaseGeometry | None]] = {
        "area": [z.area for z in zones],
        "line": [z.line for z in zones],
        "point": [z.point for z in zones],
        "coastline": built.coastline,
        "pieces": built.grid.pieces.tolist(),
        "lines": built.grid.lines.tolist(),
    }
    for name, geometries in sections.items():
        arrays[f"{name}_wkb"], arrays[f"{name}_ends"] = _wkb(geometries)
    arrays.update({name: getattr(built.grid, name) for name in _CELL_ARRAYS})
    return arrays


def _unpacked(arrays: dict[str, np.ndarray[Any, Any]], key: str) -> BuiltIndex | None:
    meta = json.loads(arrays["meta"].tobytes().decode())
    if meta.get("key") != key:
        return None
    shapes = {
        name: _geometries(arrays[f"{name}_wkb"], arrays[f"{name}_ends"])
        for name in ("area", "line", "point", "coastline", "pieces", "lines")
    }
    areas = [a for a in shapes["area"] if a is not None]
    if len(areas) != len(shapes["area"]):
        return None
    zones = [
        Zone(str(zone_id), str(name), cast(ZoneKind, kind), area, line=line, point=point,
             properties=dict(properties))
        for (zone_id, name, kind, properties), area, line, point in zip(
            meta["zones"], areas, shapes["line"], shapes["point"], strict=True
        )
    ]
    ints = {name: arrays[name].astype(np.int64, copy=False) for name in _CELL_ARRAYS}
    pieces, lines = geometry_array(shapes["pieces"]), geometry_array(shapes["lines"])
    cut = CellGrid(pieces=pieces, lines=lines, **ints)
    if not _consistent(zones, shapes, cut):
        return None
    coastline = [g for g in shapes["coastline"] if g is not None]
    return BuiltIndex(zones, coastline, cut)


def _consistent(zones: list[Zone], shapes: dict[str, list[BaseGeometry | None]],
                cut: CellGrid) -> bool:  # fmt: skip
    """Whether the parts of an entry fit together (a damaged entry that still parses)."""
    zone_count = len(zones) + 1  # the coastline's lines are the zone after the last
    pairs = ((cut.full_cell, cut.full_zone), (cut.piece_cell, cut.piece_zone),
             (cut.line_cell, cut.line_zone))  # fmt: skip
    return (
        all(g is not None for g in shapes["coastline"])
        and all(g is not None for g in shapes["pieces"])
        and all(g is not None for g in shapes["lines"])
        and len(cut.piece_cell) == len(cut.pieces) and len(cut.line_cell) == len(cut.lines)
        and all(len(c) == len(z) for c, z in pairs)
        and all(((c >= 0) & (c < grid.CELL_COUNT)).all() for c, _ in pairs)
        and all(((z >= 0) & (z < zone_count)).all() for _, z in pairs)
    )
