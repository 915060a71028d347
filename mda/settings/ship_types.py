"""Ship types as rule sets and partner feeds name them: ``ship_types = [30, "70-89", "unknown"]``.

Numbers are AIS ship type codes (0-255), ``"70-89"`` an inclusive range of them, and
``"unknown"`` the vessels that never sent a type. No ``ship_types`` key: every vessel, of any
or no type. A list: only the types it names, and vessels of unknown type only when it says
``"unknown"``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final

from mda.errors import ConfigError
from mda.settings.checks import is_whole

MAX_SHIP_TYPE: Final = 255
_RANGE: Final = re.compile(r"\s*(\d{1,3})\s*-\s*(\d{1,3})\s*")
_CODE: Final = re.compile(r"\s*(\d{1,3})\s*")


@dataclass(frozen=True, slots=True)
class ShipTypes:
    """Which AIS ship types are admitted: inclusive code ranges, and whether vessels of unknown
    type."""

    ranges: tuple[tuple[int, int], ...] = ()
    unknown: bool = True
    everything: bool = True  # no ship_types key: every vessel, of any or no type

    def admits(self, ship_type: int | None) -> bool:
        """Whether a vessel of this type (None: never sent one) is admitted."""
        if self.everything:
            return True
        if ship_type is None:
            return self.unknown
        return any(lo <= ship_type <= hi for lo, hi in self.ranges)


def parse_ship_types(value: Any, label: str) -> ShipTypes:
    """Ship types from a ``ship_types`` setting (None when it is left out); ``label`` names
    the file, table and key in errors. A range that runs backwards (``"89-70"``) or past 255
    is refused: it would silently admit nothing, or types that do not exist."""
    if value is None:
        return ShipTypes()
    if not isinstance(value, list):
        raise ConfigError(f"{label}: expected a list, got {value!r}")
    ranges: list[tuple[int, int]] = []
    unknown = False
    for item in value:
        if is_whole(item) and 0 <= item <= MAX_SHIP_TYPE:
            ranges.append((item, item))
        elif item == "unknown":
            unknown = True
        elif isinstance(item, str) and "-" in item:
            ranges.append(_range(item, label))
        else:
            raise ConfigError(f"{label}: {item!r} is not a type (0-{MAX_SHIP_TYPE}), a range "
                              "like '70-89' or 'unknown'")  # fmt: skip
    return ShipTypes(tuple(ranges), unknown, everything=False)


def type_range(text: str) -> tuple[int, int] | None:
    """The inclusive range of ship types that ``text`` names, a code (``"70"``) or a range
    (``"70-89"``), as a query parameter writes them; None when it names none (not a code or a
    range, a range that runs backwards, or a type past 255)."""
    bounds = _bounds(text)
    return bounds if bounds is not None and bounds[0] <= bounds[1] <= MAX_SHIP_TYPE else None


def _bounds(text: str) -> tuple[int, int] | None:
    """The two ends a code or a range is written with, not yet checked."""
    if (code := _CODE.fullmatch(text)) is not None:
        return int(code[1]), int(code[1])
    if (match := _RANGE.fullmatch(text)) is not None:
        return int(match[1]), int(match[2])
    return None


def _range(item: str, label: str) -> tuple[int, int]:
    bounds = _bounds(item)  # the item holds a '-': a range or nothing
    if bounds is None:
        raise ConfigError(f"{label}: {item!r} is not a range like '70-89'")
    lo, hi = bounds
    if lo > hi:
        raise ConfigError(f"{label}: {item!r} runs backwards")
    if hi > MAX_SHIP_TYPE:
        raise ConfigError(f"{label}: {item!r} goes past {MAX_SHIP_TYPE}, the last ship type")
    return lo, hi
