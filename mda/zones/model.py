"""Zones: named areas and lines of the sea that positions are checked against."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final, Literal, TypeAlias

from shapely.geometry.base import BaseGeometry

ZoneKind: TypeAlias = Literal[
    "sea", "eez", "cable", "pipeline", "port", "anchorage", "mpa", "land", "custom"
]
ZONE_KINDS: Final[frozenset[str]] = frozenset(
    ("sea", "eez", "cable", "pipeline", "port", "anchorage", "mpa", "land", "custom")
)
# Kinds given as a line and a width, checked against their corridor.
LINEAR_KINDS: Final = frozenset(("cable", "pipeline"))
# Kinds given as a point and a radius, checked against the circle.
POINT_KINDS: Final = frozenset(("port", "anchorage"))

DEFAULT_CABLE_WIDTH_M: Final = 3704.0  # 1 nautical mile each side
DEFAULT_PIPELINE_WIDTH_M: Final = 1000.0  # 500 m each side
DEFAULT_PORT_RADIUS_M: Final = 3000.0


@dataclass(frozen=True, slots=True)
class Zone:
    """One zone. ``area`` is what membership tests (a sea's polygon, a cable's corridor, a
    port's circle); ``line`` is a cable's or pipeline's route, ``point`` a port's position.
    ``properties`` keeps everything else of the source feature (provenance, owners, rule
    settings ...)."""

    id: str
    name: str
    kind: ZoneKind
    area: BaseGeometry
    line: BaseGeometry | None = None
    point: BaseGeometry | None = None
    properties: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    # What was repaired in the source geometry, one line naming file and feature (None when
    # it was valid as drawn).
    repair: str | None = field(default=None, compare=False, hash=False)

    @property
    def width_m(self) -> float | None:
        """Corridor width (total, half on each side) of a cable or pipeline."""
        value = self.properties.get("width_m")
        return float(value) if isinstance(value, (int, float)) else None

    @property
    def radius_m(self) -> float | None:
        """Radius of a port or anchorage."""
        value = self.properties.get("radius_m")
        return float(value) if isinstance(value, (int, float)) else None
