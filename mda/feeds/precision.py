"""How precisely a partner sees positions: rounding, and the error circle it adds.

Rounding to decimals rounds each coordinate to that many decimals of a degree. Rounding to
metres snaps positions to a grid of that many metres: latitude in steps of the distance,
longitude in steps that keep the same distance at the rounded latitude, so cells stay about
square at any latitude. Either way the published error circle (CoT ``ce``) grows by the half
diagonal of a cell. Batches and single points (alerts) go through the same arithmetic, so a
vessel's alert and its positions land on the same rounded point.
"""

from __future__ import annotations

import math
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from mda.geo import EARTH_RADIUS_M
from mda.settings.feed_spec import Precision

Floats = npt.NDArray[np.float64]

METRES_PER_DEGREE: Final = EARTH_RADIUS_M * math.pi / 180.0
# AIS position accuracy flag: 1 means better than 10 m (DGNSS); 0 means worse, unbounded in the
# standard. Low or unknown accuracy is published as 100 m, on the safe side for a partner.
HIGH_ACCURACY_M: Final = 10.0
LOW_ACCURACY_M: Final = 100.0
CONTRACT_DECIMALS: Final = 6  # the alert contract's precision


def round_positions(lat: Floats, lon: Floats, precision: Precision) -> tuple[Floats, Floats]:
    """Positions as precise as the partner may see them."""
    if precision.decimals is not None:
        return np.round(lat, precision.decimals), np.round(lon, precision.decimals)
    if precision.metres is not None:
        lat_step = precision.metres / METRES_PER_DEGREE
        r_lat = np.clip(np.round(lat / lat_step) * lat_step, -90.0, 90.0)
        # Near the poles a cell spans more and more longitude; capped at the whole circle.
        lon_step = np.minimum(360.0, lat_step / np.maximum(np.cos(np.radians(r_lat)), 1e-9))
        r_lon = np.round(lon / lon_step) * lon_step
        r_lon = np.where(np.abs(r_lon) > 180.0, (r_lon + 180.0) % 360.0 - 180.0, r_lon)
        return np.round(r_lat, CONTRACT_DECIMALS), np.round(r_lon, CONTRACT_DECIMALS)
    return np.round(lat, CONTRACT_DECIMALS), np.round(lon, CONTRACT_DECIMALS)


def round_position(lat: float, lon: float, precision: Precision) -> tuple[float, float]:
    """One position as precise as the partner may see it."""
    r_lat, r_lon = round_positions(np.array([lat]), np.array([lon]), precision)
    return float(r_lat[0]), float(r_lon[0])


def rounding_errors_m(lat: Floats, precision: Precision) -> Floats:
    """Largest distance rounding moves a position at each latitude (half a cell's diagonal)."""
    if precision.decimals is not None:
        step = 10.0**-precision.decimals * METRES_PER_DEGREE
        out: Floats = 0.5 * np.hypot(step, step * np.cos(np.radians(lat)))
        return out
    half_diagonal = 0.0 if precision.metres is None else precision.metres / math.sqrt(2.0)
    return np.full(len(lat), half_diagonal)


def rounding_error_m(lat: float, precision: Precision) -> float:
    """The same for one latitude."""
    return float(rounding_errors_m(np.array([lat]), precision)[0])


def error_circles_m(lat: Floats, accurate: npt.NDArray[Any], precision: Precision) -> Floats:
    """CoT ``ce``: each fix's own accuracy (``accurate`` True for DGNSS) plus what rounding
    adds, in metres."""
    own = np.where(accurate, HIGH_ACCURACY_M, LOW_ACCURACY_M)
    out: Floats = np.round(own + rounding_errors_m(lat, precision), 1)
    return out


def error_circle_m(lat: float, accuracy: bool | None, precision: Precision) -> float:
    """The same for one fix (None: accuracy not reported)."""
    return float(error_circles_m(np.array([lat]), np.array([bool(accuracy)]), precision)[0])
