"""Zones: seas, EEZs, ports, cable and pipeline corridors; loading them and fast membership."""

from __future__ import annotations

from pathlib import Path

from mda.resources import default_folder
from mda.zones.catalog import ZoneCatalog, ZoneError
from mda.zones.index import Membership, ZoneIndex
from mda.zones.model import Zone

__all__ = ["Membership", "Zone", "ZoneCatalog", "ZoneError", "ZoneIndex", "load_zones",
           "zone_folders"]


def zone_folders(folders: list[Path] | None = None, *, defaults: bool = True) -> list[Path]:
    """The default catalogue's folder (unless ``defaults`` is False), then ``folders``."""
    return ([default_folder("zones")] if defaults else []) + list(folders or [])


def load_zones(
    folders: list[Path] | None = None, *, defaults: bool = True, name_property: str | None = None
) -> ZoneCatalog:
    """The default catalogue (unless ``defaults`` is False) overlaid with ``folders``, whose
    zones are named from ``name_property`` when given (the defaults have their names)."""
    catalog = ZoneCatalog.load(zone_folders(defaults=defaults))
    catalog.load_more(folders or [], name_property=name_property)
    return catalog
