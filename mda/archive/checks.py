"""Checks and values of CSV rows, column by column (polars expressions over a whole chunk).

The rules are in ``mda.archive.rows``; here they are written as expressions over columns named
by role, read once by ``values.prepared``, plus ``_t`` (the row's time in epoch seconds, null
where unreadable).
``reason`` names the first check a row fails; ``values`` gives the record fields and one
``_aside_<name>`` flag per kind of value left out of a kept row.
"""

from __future__ import annotations

from typing import Any, Final

import polars as pl

from mda.archive.codes import (
    CLASS_A,
    EPFD,
    EPFD_NOT_AVAILABLE,
    NAV_STATUS,
    NAV_STATUS_NOT_AVAILABLE,
    SHIP_TYPE,
    SHIP_TYPE_NOT_AVAILABLE,
    STATION_CLASS,
)
from mda.archive.values import absent, coded, keys, number, unknown_words, unreadable

MAX_MMSI: Final = 999_999_999
SOG_NOT_AVAILABLE: Final = 102.3
# The fastest turn a rate-of-turn code can express is about 709 degrees a minute.
MAX_ROT_DEG_PER_MIN: Final = 720.0
# The static message a position's vessel would send (mda's convention, see ``codes``).
STATIC_TYPE_OF: Final = {1: 5, 2: 5, 3: 5, 27: 5, 18: 24, 19: 19, 21: 21, 5: 5, 24: 24}
STATIC_TYPES: Final = frozenset({5, 24})
TRUE_WORDS: Final = ("1", "true", "t", "yes", "y")
FALSE_WORDS: Final = ("0", "false", "f", "no", "n")


def _has(roles: frozenset[str], role: str) -> bool:
    return role in roles


def _bad_range(value: pl.Expr, low: float, high: float) -> pl.Expr:
    return (value.is_not_null() & ((value < low) | (value > high))).fill_null(False)


def _fraction(value: pl.Expr) -> pl.Expr:
    return (value.is_not_null() & (value != value.floor())).fill_null(False)


def _code(value: pl.Expr, low: int, high: int, not_available: int | None) -> pl.Expr:
    """A whole code within [low, high], null for ``not_available`` and for anything else."""
    ok = value.is_not_null() & ~_fraction(value) & (value >= low) & (value <= high)
    if not_available is not None:
        ok = ok & (value != not_available)
    return pl.when(ok).then(value).otherwise(None).cast(pl.Int64)


def reason(roles: frozenset[str]) -> pl.Expr:
    """The first reason a row is rejected, or null."""
    mmsi = number("mmsi")
    checks: list[tuple[str, pl.Expr]] = [
        ("mmsi", mmsi.is_null() | _fraction(mmsi) | _bad_range(mmsi, 1, MAX_MMSI)),
        ("time", pl.col("_t").is_null()),
    ]
    lat, lon = number("lat"), number("lon")
    checks.append((
        "position",
        unreadable("lat") | unreadable("lon")
        | (_bad_range(lat, -90, 90) & (lat != 91)).fill_null(False)
        | (_bad_range(lon, -180, 180) & (lon != 181)).fill_null(False),
    ))  # fmt: skip
    if _has(roles, "sog"):
        checks.append(("sog", unreadable("sog") | _bad_range(number("sog"), 0, 102.3)))
    if _has(roles, "cog"):
        checks.append(("cog", unreadable("cog") | _bad_range(number("cog"), 0, 360)))
    if _has(roles, "heading"):
        h = number("heading")
        checks.append((
            "heading",
            unreadable("heading") | _fraction(h) | _bad_range(h, 0, 511)
            | ((h >= 360) & (h != 511)).fill_null(False),
        ))  # fmt: skip
    if _has(roles, "nav_status"):
        s = number("nav_status")
        checks.append(("nav_status", _fraction(s) | _bad_range(s, 0, 15)))
    if _has(roles, "rot"):
        checks.append(("rot", unreadable("rot")))
    if _has(roles, "accuracy"):
        word = keys("accuracy")
        checks.append((
            "accuracy",
            ~absent("accuracy") & ~word.is_in(TRUE_WORDS) & ~word.is_in(FALSE_WORDS),
        ))  # fmt: skip
    if _has(roles, "msg_type"):
        m = number("msg_type")
        checks.append(("msg_type", m.is_null() | _fraction(m) | _bad_range(m, 1, 27)))
    reason: Any = pl
    for name, bad in checks:
        reason = reason.when(bad).then(pl.lit(name))
    return reason.otherwise(pl.lit(None, dtype=pl.String))  # type: ignore[no-any-return]


def values(roles: frozenset[str]) -> list[pl.Expr]:
    """The record fields of every row (null where not available), and one ``_aside_``
    flag per kind of value left out."""
    lat, lon = number("lat"), number("lon")
    no_fix = lat.is_null() | lon.is_null() | (lat == 91) | (lon == 181)
    out = [
        number("mmsi").cast(pl.Int64).alias("mmsi"),
        pl.col("_t").alias("time"),
        pl.when(no_fix).then(None).otherwise(lat).alias("lat"),
        pl.when(no_fix).then(None).otherwise(lon).alias("lon"),
    ]
    if _has(roles, "sog"):
        sog = number("sog")
        out.append(pl.when(sog == SOG_NOT_AVAILABLE).then(None).otherwise(sog).alias("sog"))
    if _has(roles, "cog"):
        cog = number("cog")
        out.append(pl.when(cog == 360).then(None).otherwise(cog).alias("cog"))
    if _has(roles, "heading"):
        out.append(_code(number("heading"), 0, 359, None).alias("heading"))
    if _has(roles, "nav_status"):
        out.append(_code(coded("nav_status", NAV_STATUS), 0, 15, 15).alias("nav_status"))
        out.append(unknown_words("nav_status", NAV_STATUS, NAV_STATUS_NOT_AVAILABLE)
                   .alias("_aside_nav_status"))  # fmt: skip
    if _has(roles, "rot"):
        rot = number("rot")
        fast = rot.abs() > MAX_ROT_DEG_PER_MIN
        out.append(pl.when(fast).then(None).otherwise(rot).alias("rot"))
        out.append(fast.fill_null(False).alias("_aside_rot"))
    if _has(roles, "accuracy"):
        word = keys("accuracy")
        out.append(pl.when(word.is_in(TRUE_WORDS)).then(True)
                   .when(word.is_in(FALSE_WORDS)).then(False).otherwise(None)
                   .alias("accuracy"))  # fmt: skip
    out += _types(roles)
    out += _identity(roles)
    return out


def _types(roles: frozenset[str]) -> list[pl.Expr]:
    """Each row's position message type, static message type, and whether the row is
    static data only (see ``codes.STATION_CLASS`` for the convention)."""
    if _has(roles, "msg_type"):
        m = number("msg_type").cast(pl.Int64)
        static_only = m.is_in(list(STATIC_TYPES))
        if _has(roles, "record"):
            static_only = static_only | (keys("record") == "static")
        return [
            m.alias("_position_type"),
            m.replace_strict(list(STATIC_TYPE_OF), list(STATIC_TYPE_OF.values()),
                             default=None, return_dtype=pl.Int64)
            .alias("_static_type"),
            static_only.fill_null(False).alias("_static_only"),
        ]  # fmt: skip
    if _has(roles, "station_class"):
        k = keys("station_class")
        names = list(STATION_CLASS)
        position_type = k.replace_strict(
            names, [v[0] for v in STATION_CLASS.values()], default=CLASS_A[0],
            return_dtype=pl.Int64,
        )  # fmt: skip
        static_type = k.replace_strict(
            names, [v[1] for v in STATION_CLASS.values()], default=CLASS_A[1],
            return_dtype=pl.Int64,
        )  # fmt: skip
        return [
            pl.when(k.is_null()).then(CLASS_A[0]).otherwise(position_type)
            .alias("_position_type"),
            pl.when(k.is_null()).then(CLASS_A[1]).otherwise(static_type)
            .alias("_static_type"),
            pl.lit(False).alias("_static_only"),
            (~absent("station_class") & ~k.is_in(names)).alias("_aside_station_class"),
        ]  # fmt: skip
    return [
        pl.lit(CLASS_A[0], dtype=pl.Int64).alias("_position_type"),
        pl.lit(CLASS_A[1], dtype=pl.Int64).alias("_static_type"),
        pl.lit(False).alias("_static_only"),
    ]


def _identity(roles: frozenset[str]) -> list[pl.Expr]:
    out: list[pl.Expr] = []
    for role in ("shipname", "callsign", "destination", "eta"):
        if _has(roles, role):
            out.append(pl.col(role))
    if _has(roles, "imo"):
        imo = number("imo")
        present = ~absent("imo") & (imo.is_null() | (imo != 0))
        value = _code(imo, 1_000_000, 9_999_999, None)
        out += [value.alias("imo"), (present & value.is_null()).alias("_aside_imo")]
    if _has(roles, "ship_type"):
        value = _code(coded("ship_type", SHIP_TYPE), 1, 255, None)
        code = number("ship_type")
        out += [
            value.alias("ship_type"),
            (unknown_words("ship_type", SHIP_TYPE, SHIP_TYPE_NOT_AVAILABLE)
             | (code.is_not_null() & (code != 0) & value.is_null()).fill_null(False))
            .alias("_aside_ship_type"),
        ]  # fmt: skip
    for role, high in (("to_bow", 511), ("to_stern", 511), ("to_port", 63),
                       ("to_starboard", 63)):  # fmt: skip
        if _has(roles, role):
            value = _code(number(role), 1, high, None)
            bad = unreadable(role) | ((number(role) != 0) & value.is_null()).fill_null(False)
            out += [value.alias(role), bad.alias(f"_aside_{role}")]
    if _has(roles, "draught"):
        d = number("draught")
        ok = (d > 0) & (d <= 25.5)
        out += [
            pl.when(ok).then(d).otherwise(None).alias("draught"),
            (unreadable("draught") | (d.is_not_null() & (d != 0) & ~ok).fill_null(False))
            .alias("_aside_draught"),
        ]  # fmt: skip
    if _has(roles, "epfd"):
        out += [
            _code(coded("epfd", EPFD), 1, 15, None).alias("epfd"),
            unknown_words("epfd", EPFD, EPFD_NOT_AVAILABLE).alias("_aside_epfd"),
        ]
    return out
