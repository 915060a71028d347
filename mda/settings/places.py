"""Where mda keeps its own files on this machine when the configuration does not say."""

from __future__ import annotations

import os
from pathlib import Path


def data_directory() -> Path:
    """Where the embedded server keeps its data (``MDA_EMBEDDED_PGDATA`` overrides)."""
    override = os.environ.get("MDA_EMBEDDED_PGDATA")
    if override:
        return Path(override)
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        return Path("/var/lib/mda/postgres")
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "mda" / "postgres"


def default_tokens_file() -> Path:
    """Where API tokens are kept unless configured: beside the embedded database's data."""
    return data_directory().parent / "api-tokens.json"


def default_spool_root() -> Path:
    """Where the spool is kept when the configuration names no folder."""
    return data_directory().parent / "spool"


def cache_dir() -> Path:
    """Where mda keeps files it can rebuild (the built zone index): ``MDA_CACHE_DIR``, else
    the XDG cache folder."""
    if folder := os.environ.get("MDA_CACHE_DIR"):
        return Path(folder)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "mda"
