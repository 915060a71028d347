"""Values of a CSV column read whole (polars expressions), and times read once per distinct text.

Every column comes in as text. A number column gives its value, null where the archive says
"not available" (an empty cell, ``nan``, ``Unknown`` ...), and a flag where the text is there
but is no number: the caller decides whether that rejects the row or only the value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Final

import polars as pl

from mda.ingest.nmea import plausible

# What archives write for "no value" in a number column (compared lower case).
NUMBER_NULLS: Final = ("", "nan", "null", "none", "na", "n/a", "unknown", "undefined", "-")
TEXT_NULLS: Final = ("", "nan", "null", "none")
_EPOCH: Final = re.compile(r"[+-]?\d+(?:\.\d*)?")


# Roles read as numbers (or as words with a code: status, ship type, EPFD), and roles read as
# words only.
NUMBER_ROLES: Final = (
    "mmsi", "lat", "lon", "sog", "cog", "heading", "nav_status", "rot", "msg_type", "imo",
    "ship_type", "to_bow", "to_stern", "to_port", "to_starboard", "draught", "epfd",
)  # fmt: skip
KEYED_ROLES: Final = ("nav_status", "ship_type", "epfd", "station_class", "accuracy", "record")
WORD_ROLES: Final = ("shipname", "callsign", "destination", "eta")


def text(role: str) -> pl.Expr:
    """The column's text without surrounding blanks."""
    return pl.col(role).str.strip_chars()


def _spellings(words: tuple[str, ...]) -> list[str]:
    return sorted({s for w in words for s in (w, w.upper(), w.capitalize(), w.title())})


# The null words as archives spell them, for the quick reading (no case folding).
_NUMBER_NULL_SPELLINGS: Final = _spellings(NUMBER_NULLS)


def prepared(roles: frozenset[str]) -> list[pl.Expr]:
    """Each column read once, for the checks to refer to: ``_v_<role>`` its number (null where
    absent or unreadable), ``_x_<role>`` whether it says nothing, ``_k_<role>`` its words as
    the code tables compare them; word columns null where they say nothing. (Eager polars
    does not share repeated sub-expressions: spelt out in every check, the reading would be
    done dozens of times.)

    Numbers are read quickly, as written; a column where some cell is not a number is read
    again with ``reread`` (blanks around numbers, words of a code such as "At anchor")."""
    out: list[pl.Expr] = []
    for role in NUMBER_ROLES:
        if role in roles:
            raw = pl.col(role)
            if role == "imo":  # MarineCadastre writes IMO9307839
                raw = raw.str.replace(r"^(?:IMO|imo|Imo)", "")
            absent = raw.is_null() | raw.is_in(_NUMBER_NULL_SPELLINGS)
            out += _number_columns(role, raw, absent)
            if role in KEYED_ROLES:
                out.append(pl.lit(None, dtype=pl.String).alias(f"_k_{role}"))
    for role in KEYED_ROLES:
        if role in roles and role not in NUMBER_ROLES:
            t = text(role)
            out += [
                t.str.to_lowercase().str.replace_all(r"\s+", " ").alias(f"_k_{role}"),
                (t.is_null() | t.str.to_lowercase().is_in(NUMBER_NULLS)).alias(f"_x_{role}"),
            ]
    for role in WORD_ROLES:
        if role in roles:
            t = text(role)
            out.append(
                pl.when(t.is_null() | t.str.to_lowercase().is_in(TEXT_NULLS)).then(None)
                .otherwise(t).alias(role)
            )  # fmt: skip
    return out


def _number_columns(role: str, t: pl.Expr, absent: pl.Expr) -> list[pl.Expr]:
    value = t.cast(pl.Float64, strict=False)
    return [
        pl.when(absent | value.is_nan() | value.is_infinite()).then(None).otherwise(value)
        .alias(f"_v_{role}"),
        absent.alias(f"_x_{role}"),
    ]  # fmt: skip


def unread(table: pl.DataFrame, roles: frozenset[str]) -> list[str]:
    """The number roles of which some cell was not read as a number by ``prepared``."""
    present = [r for r in NUMBER_ROLES if r in roles]
    if not present:
        return []
    found = table.select(unreadable(r).any().alias(r) for r in present).row(0)
    return [r for r, any_unread in zip(present, found, strict=True) if any_unread]


def reread(roles: list[str]) -> list[pl.Expr]:
    """Number columns read again, slowly: blanks stripped, null words in any case, and words
    kept as keys for the code tables."""
    out: list[pl.Expr] = []
    for role in roles:
        t = text(role)
        if role == "imo":
            t = t.str.replace(r"(?i)^imo\s*", "")
        out += _number_columns(role, t, t.is_null() | t.str.to_lowercase().is_in(NUMBER_NULLS))
        if role in KEYED_ROLES:
            out.append(t.str.to_lowercase().str.replace_all(r"\s+", " ").alias(f"_k_{role}"))
    return out


def number(role: str) -> pl.Expr:
    """The column's number (see ``prepared``)."""
    return pl.col(f"_v_{role}")


def absent(role: str) -> pl.Expr:
    """True where the column says nothing (see ``prepared``)."""
    return pl.col(f"_x_{role}")


def keys(role: str) -> pl.Expr:
    """The column's words, lower case with single spaces (see ``prepared``)."""
    return pl.col(f"_k_{role}")


def unreadable(role: str) -> pl.Expr:
    """True where the column has a text that is not a finite number."""
    return ~absent(role) & number(role).is_null()


def coded(role: str, table: Mapping[str, int]) -> pl.Expr:
    """A code column written as numbers or as words (aisdk's "At anchor"): the number, else the
    word's code, else null."""
    word = keys(role).replace_strict(
        list(table), list(table.values()), default=None, return_dtype=pl.Float64
    )
    return pl.when(number(role).is_not_null()).then(number(role)).otherwise(word)


def unknown_words(role: str, table: Mapping[str, int], not_available: frozenset[str]) -> pl.Expr:
    """True where a code column holds a word mda has no code for."""
    k = keys(role)
    return unreadable(role) & ~k.is_in(list(table)) & ~k.is_in(list(not_available))


def parse_time(raw: str, time_format: str | None) -> float | None:
    """Epoch seconds of one time text: ``time_format`` (strftime) when given, else epoch
    seconds or ISO 8601 ('T' or a space; no zone means UTC). None when unreadable or outside
    the times AIS can have."""
    t = raw.strip()
    if not t:
        return None
    try:
        if time_format is not None:
            stamp = datetime.strptime(t, time_format)
        elif _EPOCH.fullmatch(t):
            seconds = float(t)
            return seconds if plausible(seconds) else None
        else:
            stamp = datetime.fromisoformat(t)
    except (ValueError, OverflowError):
        return None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    seconds = stamp.timestamp()
    return seconds if plausible(seconds) else None


def epoch_seconds(texts: pl.Series, time_format: str | None) -> pl.Series:
    """Epoch seconds of a column of times, null where unreadable. Each distinct text is read
    once: an archive has far fewer distinct seconds than rows."""
    distinct = texts.drop_nulls().unique()
    values = [parse_time(t, time_format) for t in distinct.to_list()]
    return texts.replace_strict(distinct, values, default=None, return_dtype=pl.Float64)


def eta_text(texts: pl.Series, time_format: str | None) -> pl.Series:
    """Estimated times of arrival as the contract writes them ("MM-DDTHH:MM", no year), from
    that form itself or from a full time; null where unreadable."""
    distinct = texts.drop_nulls().unique()
    values = [_eta(t, time_format) for t in distinct.to_list()]
    return texts.replace_strict(distinct, values, default=None, return_dtype=pl.String)


_ETA: Final = re.compile(r"\d\d-\d\dT\d\d:\d\d")


def _eta(raw: str, time_format: str | None) -> str | None:
    t = raw.strip()
    if _ETA.fullmatch(t):
        return t
    try:
        stamp = datetime.strptime(t, time_format) if time_format else datetime.fromisoformat(t)
    except ValueError:
        return None
    return f"{stamp.month:02d}-{stamp.day:02d}T{stamp.hour:02d}:{stamp.minute:02d}"
