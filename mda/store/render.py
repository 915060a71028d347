"""Query answers written in the format asked for, to a file or for stdout: the one place that
knows every export format (the formats themselves are in ``exports`` and ``geoparquet``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import polars as pl

from mda.errors import ConfigError, MdaError
from mda.store.exports import FORMATS, ExportFormat, to_csv, to_geojson, to_mfjson, to_table


def render(
    frame: pl.DataFrame, fmt: ExportFormat, out: Path | None, *, lines: bool = False
) -> str | None:
    """Write ``frame`` in ``fmt`` to ``out``; with no ``out``, return the text for stdout
    (Parquet, being binary, needs ``out``)."""
    if fmt in ("parquet", "geoparquet"):
        if out is None:
            raise ConfigError(f"--format {fmt} needs --out FILE (Parquet is binary)")
        if fmt == "parquet":
            _write(out, frame.write_parquet)
        else:
            from mda.store.geoparquet import write_geoparquet

            _write(out, lambda path: write_geoparquet(frame, path, lines=lines))
        return None
    if fmt == "table":
        text = to_table(frame) + "\n"
    elif fmt == "csv":
        text = to_csv(frame)
    elif fmt == "geojson":
        text = json.dumps(to_geojson(frame, lines=lines), allow_nan=False) + "\n"
    elif fmt == "mfjson":
        text = json.dumps(to_mfjson(frame), allow_nan=False) + "\n"
    else:
        raise ConfigError(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if out is None:
        return text
    _write(out, lambda path: path.write_text(text, encoding="utf-8"))
    return None


def _write(out: Path, write: Callable[[Path], object]) -> None:
    try:
        write(out)
    except OSError as exc:
        raise MdaError(f"cannot write {out}: {exc.strerror or exc}") from exc
