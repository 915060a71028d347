"""Which column of a decoded CSV holds what: known layouts, common names, the user's say.

Known layouts are recognised by their headers: US MarineCadastre (``MMSI, BaseDateTime, LAT,
LON ...``), the Danish Maritime Authority's aisdk (``# Timestamp, Type of mobile, MMSI ...``,
day-first times) and mda's own ``mda decode --format csv``. Any other CSV is read by common
column names, compared without case, spaces or punctuation (``Latitude``, ``lat``, ``LAT``;
``Vessel Name``, ``shipname``). ``--columns time=When,mmsi=Ship`` names or completes the columns
(``role=`` with nothing leaves a column unread); ``--time-format`` gives the strftime layout of
times that are neither ISO 8601 nor epoch seconds.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from typing import Final

from mda.errors import ConfigError

# The roles a column can play, named as the record fields they fill (DESIGN contract), plus
# ``station_class`` (class A / B, base station ...), ``msg_type`` and ``record`` (mda's own
# CSV says whether a row is a position or a static).
ROLES: Final = (
    "mmsi", "time", "lat", "lon", "sog", "cog", "heading", "nav_status", "rot", "accuracy",
    "shipname", "callsign", "imo", "ship_type", "to_bow", "to_stern", "to_port",
    "to_starboard", "draught", "destination", "eta", "epfd", "station_class", "msg_type",
    "record",
)  # fmt: skip
REQUIRED: Final = ("mmsi", "time", "lat", "lon")
# Other names users may give a role in --columns.
ROLE_ALIASES: Final = {"name": "shipname", "status": "nav_status", "class": "station_class",
                       "type": "ship_type", "latitude": "lat", "longitude": "lon",
                       "draft": "draught", "timestamp": "time"}  # fmt: skip

# Common names of each role, compared normalised (lower case, letters and digits only); the
# first present wins.
COMMON_NAMES: Final[dict[str, tuple[str, ...]]] = {
    "mmsi": ("mmsi", "userid", "mmsinumber"),
    "time": ("time", "timestamp", "basedatetime", "datetime", "datetimeutc", "timeutc",
             "timestamputc", "utc", "epoch", "unixtime", "receivedtime", "msgtime"),
    "lat": ("lat", "latitude"),
    "lon": ("lon", "long", "lng", "longitude"),
    "sog": ("sog", "speedoverground", "speed", "speedknots"),
    "cog": ("cog", "courseoverground", "course"),
    "heading": ("heading", "trueheading", "hdg"),
    "nav_status": ("navstatus", "navigationalstatus", "navigationstatus", "status"),
    "rot": ("rot", "rateofturn"),
    "accuracy": ("accuracy", "positionaccuracy"),
    "shipname": ("shipname", "vesselname", "name"),
    "callsign": ("callsign",),
    "imo": ("imo", "imonumber"),
    "ship_type": ("shiptype", "vesseltype", "shipandcargotype"),
    "to_bow": ("tobow",),
    "to_stern": ("tostern",),
    "to_port": ("toport",),
    "to_starboard": ("tostarboard",),
    "draught": ("draught", "draft"),
    "destination": ("destination",),
    "eta": ("eta",),
    "epfd": ("epfd", "typeofpositionfixingdevice"),
    "station_class": ("transceiverclass", "typeofmobile", "aisclass", "class"),
    "msg_type": ("msgtype", "messagetype"),
    "record": ("record",),
}  # fmt: skip

AISDK_TIME_FORMAT: Final = "%d/%m/%Y %H:%M:%S"


@dataclass(frozen=True, slots=True)
class KnownLayout:
    """A published CSV layout: the header names that identify it, and what it says beyond
    the common names."""

    name: str
    signature: frozenset[str]  # normalised names all present in its header
    extra_names: tuple[tuple[str, str], ...] = ()  # (normalised name, role)
    time_format: str | None = None  # its times, when not ISO 8601


KNOWN_LAYOUTS: Final = (
    KnownLayout("mda decode CSV", frozenset({"time", "mmsi", "msgtype", "lat", "lon", "record"})),
    KnownLayout("MarineCadastre", frozenset({"mmsi", "basedatetime", "lat", "lon"})),
    # aisdk's A, B, C, D are the distances from the GPS antenna to bow, stern, port, starboard.
    KnownLayout(
        "aisdk", frozenset({"timestamp", "typeofmobile", "mmsi", "latitude", "longitude"}),
        (("a", "to_bow"), ("b", "to_stern"), ("c", "to_port"), ("d", "to_starboard")),
        AISDK_TIME_FORMAT,
    ),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Layout:
    """How to read one CSV: its header, the column index of each role found, its times."""

    name: str
    header: tuple[str, ...]
    columns: dict[str, int]
    time_format: str | None = None

    def describe(self) -> str:
        """One line: the layout and which column gives each role."""
        pairs = ", ".join(f"{role}={self.header[i]}" for role, i in self.columns.items())
        fmt = f"; times {self.time_format}" if self.time_format else ""
        return f"{self.name} ({pairs}{fmt})"


def normalised(name: str) -> str:
    """A column name compared without case, spaces or punctuation."""
    return re.sub(r"[^0-9a-z]", "", name.lower())


def split_header(line: str) -> tuple[str, ...]:
    """The column names of a CSV header line (quotes as CSV has them, a BOM dropped)."""
    row = next(csv.reader([line.lstrip("\ufeff").rstrip("\r\n")]), [])
    return tuple(name.strip() for name in row)


def parse_columns_option(text: str) -> dict[str, str]:
    """``mmsi=Ship,time=When,name=`` as role -> column name ('' leaves a role unread)."""
    out: dict[str, str] = {}
    for part in text.split(","):
        if not part.strip():
            continue
        role, sep, column = part.partition("=")
        role = role.strip().lower()
        role = ROLE_ALIASES.get(role, role)
        if not sep or role not in ROLES:
            raise ConfigError(
                f"--columns: expected ROLE=COLUMN pairs, not {part.strip()!r} (roles: "
                f"{', '.join(ROLES)})"
            )
        out[role] = column.strip()
    return out


def read_layout(
    header: tuple[str, ...], where: str, *, columns: dict[str, str] | None = None,
    time_format: str | None = None,
) -> Layout:  # fmt: skip
    """The layout of a CSV from its header, the user's ``--columns`` and ``--time-format``;
    a required column that cannot be found is one clear error naming the columns there are."""
    names = [normalised(h) for h in header]
    present = set(names)
    known = next((k for k in KNOWN_LAYOUTS if k.signature <= present), None)
    found: dict[str, int] = {}
    for role, candidates in COMMON_NAMES.items():
        for candidate in candidates:
            if candidate in present:
                found[role] = names.index(candidate)
                break
    if known is not None:
        for name, role in known.extra_names:
            if name in present:
                found[role] = names.index(name)
    for role, column in (columns or {}).items():
        if not column:
            found.pop(role, None)
            continue
        found[role] = _column_index(header, column, role, where)
    missing = [role for role in REQUIRED if role not in found]
    if missing:
        role = missing[0]
        listed = ", ".join(repr(h) for h in header) or "none"
        hint = (
            " (and --time-format '%d/%m/%Y %H:%M:%S' if its times are neither ISO 8601 nor "
            "epoch seconds)" if role == "time" else ""
        )  # fmt: skip
        raise ConfigError(
            f"{where}: no {role} column among the columns found ({listed}); name it with "
            f"--columns {role}=COLUMN{hint}"
        )
    ordered: dict[str, int] = {role: found[role] for role in ROLES if role in found}
    layout_name = known.name if known is not None and not columns else (
        f"{known.name} with --columns" if known is not None else "CSV by column names"
    )  # fmt: skip
    fmt = time_format if time_format is not None else (known.time_format if known else None)
    return Layout(layout_name, header, ordered, fmt)


def _column_index(header: tuple[str, ...], column: str, role: str, where: str) -> int:
    for match in (
        lambda h: h == column,
        lambda h: h.casefold() == column.casefold(),
        lambda h: normalised(h) == normalised(column),
    ):
        hits = [i for i, h in enumerate(header) if match(h)]
        if hits:
            return hits[0]
    raise ConfigError(
        f"{where}: --columns {role}={column}: no such column (columns: "
        f"{', '.join(repr(h) for h in header)})"
    )
