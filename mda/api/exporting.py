"""History answers in the format asked for: JSON for programs, files for analysts.

The file formats are the store's own exports (CSV, GeoJSON, Parquet, GeoParquet, OGC Moving
Features JSON),
so a file from the API is the file ``mda query`` writes.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import Any, Final, Literal, TypeAlias

import polars as pl

from mda.store.exports import plain_columns, to_csv, to_geojson, to_mfjson
from mda.store.geoparquet import write_geoparquet

Format: TypeAlias = Literal["json", "csv", "geojson", "parquet", "geoparquet", "mfjson"]
FILE_FORMATS: Final = ("csv", "geojson", "parquet", "geoparquet", "mfjson")
_MEDIA: Final = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "geojson": "application/geo+json",
    "parquet": "application/vnd.apache.parquet",
    "geoparquet": "application/vnd.apache.parquet",
    "mfjson": "application/json",
}
_SUFFIX: Final = {"json": "json", "csv": "csv", "geojson": "geojson", "parquet": "parquet",
                  "geoparquet": "geo.parquet", "mfjson": "mf.json"}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Rendered:
    """An answer's bytes and how to send them."""

    body: bytes
    media_type: str
    filename: str | None  # set for files (Content-Disposition: attachment)

    def headers(self) -> dict[str, str]:
        """Headers naming the file, if it is one."""
        if self.filename is None:
            return {}
        return {"Content-Disposition": f'attachment; filename="{self.filename}"'}


def render(
    frame: pl.DataFrame, fmt: Format, *, stem: str, head: dict[str, Any], rows_key: str,
    lines: bool = False,
) -> Rendered:  # fmt: skip
    """``frame`` as ``fmt``. JSON is ``head`` with ``count`` and the rows under ``rows_key``;
    the file formats are named ``stem`` with the format's suffix."""
    if fmt == "json":
        prefix = json.dumps({**head, "count": len(frame)}, separators=(",", ":"))[:-1]
        rows = plain_columns(frame).write_json().encode() if len(frame) else b"[]"
        body = f'{prefix},"{rows_key}":'.encode() + rows + b"}"
        return Rendered(body, _MEDIA[fmt], None)
    if fmt == "csv":
        body = to_csv(frame).encode()
    elif fmt == "geojson":
        body = json.dumps(to_geojson(frame, lines=lines), allow_nan=False).encode()
    elif fmt == "mfjson":
        body = json.dumps(to_mfjson(frame), allow_nan=False).encode()
    elif fmt == "geoparquet":
        out = io.BytesIO()
        write_geoparquet(frame, out, lines=lines)
        body = out.getvalue()
    else:
        out = io.BytesIO()
        frame.write_parquet(out)
        body = out.getvalue()
    return Rendered(body, _MEDIA[fmt], f"{stem}.{_SUFFIX[fmt]}")
