"""Where mda finds its default data folders (zones, alerts, ingest samples).

In a wheel they are packaged under ``mda/_defaults``; in a source checkout (editable install)
they are the top-level folders of the repository. Users add their own folders on top.
"""

from __future__ import annotations

from pathlib import Path

from mda.errors import ConfigError

_PACKAGE = Path(__file__).resolve().parent


def default_folder(name: str) -> Path:
    """The default folder ``name`` (``zones``, ``alerts`` or ``ingest``)."""
    for candidate in (_PACKAGE / "_defaults" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise ConfigError(f"the default {name} folder is missing from this installation")
