"""Rows of a decoded CSV into records, under the DESIGN contract; bad rows counted, never stored.

A chunk of rows (every cell as text, columns named by role, see ``layout``) is checked whole
with polars, then kept rows become records:

- ITU "not available" values become None: heading 511, course 360, speed 102.3, latitude 91,
  longitude 181, empty cells and words such as ``Unknown``.
- A row is rejected, and counted under the first reason that applies, when its MMSI is not one
  (1 to 999 999 999), its time is missing, unreadable or outside the times AIS can have, its
  position is unreadable or out of range, or a number of its report (speed, course, heading,
  status, rate of turn, accuracy, message type) is unreadable or outside its ITU range.
- Identity values (IMO, ship type, dimensions, draught, position fixing device) and a rate of
  turn beyond any a transponder can give are left out (None) when bad, and counted: a broken
  IMO must not throw away a good position. Words mda has no code for are counted the same way.

Every kept row is a position (unless the row says it is static data) with the time clock
``archive``, judged ``unchecked`` (an archive keeps no AIS UTC second to check it against). Its
static data becomes a ``VesselStatic`` only when it differs from the last one given for that
MMSI, so a file that repeats the name on every row does not flood the store with identities.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import partial
from itertools import repeat
from typing import Any, Final

import polars as pl

from mda.archive import checks
from mda.archive.layout import Layout
from mda.archive.values import epoch_seconds, eta_text, prepared, reread, unread
from mda.ingest.clocks import ARCHIVE, UNCHECKED
from mda.model import (
    AID_TO_NAVIGATION,
    BASE_STATION,
    SAR_AIRCRAFT,
    VESSEL,
    Position,
    Record,
    StationKind,
    VesselStatic,
)

KIND_OF_TYPE: Final[dict[int, StationKind]] = {
    4: BASE_STATION, 11: BASE_STATION, 9: SAR_AIRCRAFT, 21: AID_TO_NAVIGATION,
}  # fmt: skip
# The static fields a CSV can give: shipname to epfd, in the record's order.
STATIC_ROLES: Final = VesselStatic._fields[3:15]
# The record fields a row gives, in the record's order (then source and kind).
_POSITION_FIELDS: Final = (
    "time", "mmsi", "_position_type", "lat", "lon", "sog", "cog", "heading", "nav_status",
    "rot", "accuracy",
)  # fmt: skip


@dataclass(slots=True)
class ArchiveCounts:
    """What reading CSV rows gave: rows read, records made, rows rejected and values left out,
    each by reason."""

    rows: int = 0
    blank: int = 0
    positions: int = 0
    statics: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    set_aside: Counter[str] = field(default_factory=Counter)

    @property
    def kept(self) -> int:
        """Rows that passed every check."""
        return self.rows - sum(self.rejected.values())

    def summary(self) -> list[str]:
        """Lines a user reads after an import."""
        rejected = ", ".join(f"{k} {n}" for k, n in self.rejected.most_common()) or "none"
        lines = [
            f"CSV rows {self.rows}, kept {self.kept}, rejected {sum(self.rejected.values())} "
            f"({rejected}); positions {self.positions}, statics {self.statics}"
        ]
        if self.set_aside:
            left = ", ".join(f"{k} {n}" for k, n in self.set_aside.most_common())
            lines.append(f"values left out of kept rows (bad or unknown): {left}")
        if self.blank:
            lines.append(f"blank lines {self.blank}")
        return lines


class ArchiveRows:
    """Turns chunks of one CSV's rows into records; the last static data given for each MMSI
    is remembered (and may be shared between the files of one import)."""

    def __init__(
        self, layout: Layout, source: str, counts: ArchiveCounts | None = None,
        last_statics: dict[int, tuple[Any, ...]] | None = None,
    ) -> None:  # fmt: skip
        self.layout = layout
        self.source = source
        self.counts = counts if counts is not None else ArchiveCounts()
        self.last_statics = last_statics if last_statics is not None else {}
        self.roles = frozenset(layout.columns)
        # Records are made as tuples (as the batch decoder does): the fields after the ones a
        # row gives are the same for every record of this file.
        none = (None,) * 8
        self._tail = tuple(
            Position(0.0, 0, 0, *none, source, clock=ARCHIVE, time_quality=UNCHECKED)
        )[13:]
        self._static_tail = tuple(
            VesselStatic(0.0, 0, 0, source=source, clock=ARCHIVE, time_quality=UNCHECKED)
        )[3 + len(STATIC_ROLES) :]

    def decode(self, table: pl.DataFrame) -> list[Record]:
        """Records of a chunk of rows (columns named by role, every cell text), in row order:
        each row's position, then its static data where that changed."""
        blank = pl.all_horizontal(pl.all().is_null())
        rows = table.filter(~blank)
        self.counts.blank += table.height - rows.height
        self.counts.rows += rows.height
        if not rows.height:
            return []
        rows = rows.with_columns(epoch_seconds(rows["time"], self.layout.time_format).alias("_t"))
        rows = rows.with_columns(prepared(self.roles))
        slow = unread(rows, self.roles)
        if slow:
            rows = rows.with_columns(reread(slow))
        if "eta" in self.roles:
            rows = rows.with_columns(eta_text(rows["eta"], self.layout.time_format))
        checked = rows.select(
            checks.reason(self.roles).alias("_reason"), *checks.values(self.roles)
        )
        reasons = checked["_reason"].drop_nulls()
        if len(reasons):
            self.counts.rejected.update(dict(reasons.value_counts().iter_rows()))
        kept = checked.filter(pl.col("_reason").is_null())
        flags = [c for c in kept.columns if c.startswith("_aside_")]
        if flags:
            sums = kept.select(pl.col(flags).sum()).row(0)
            for name, n in zip(flags, sums, strict=True):
                if n:
                    self.counts.set_aside[name.removeprefix("_aside_")] += n
        return self._records(kept)

    # -- records ------------------------------------------------------------------------------

    def _records(self, kept: pl.DataFrame) -> list[Record]:
        """The kept rows' positions, each row's changed static data after its position, in
        row order: event-time order decides by arrival which records came late, so a chunk's
        static data must not come after positions minutes newer than itself."""
        if not kept.height:
            return []
        # Positions up to and including each row: where that row's static data goes.
        kept = kept.with_columns((~pl.col("_static_only")).cum_sum().alias("_at"))
        rows = kept.filter(~pl.col("_static_only"))
        kinds = rows["_position_type"].replace_strict(
            list(KIND_OF_TYPE), list(KIND_OF_TYPE.values()), default=VESSEL,
            return_dtype=pl.String,
        )  # fmt: skip
        fields = [
            rows[c].to_list() if c in rows.columns else repeat(None) for c in _POSITION_FIELDS
        ]
        # One C-level pass: zip builds each row's tuple, tuple.__new__ makes it a Position.
        constant = [repeat(self.source), *map(repeat, self._tail)]
        columns = [*fields[:11], constant[0], kinds.to_list(), *constant[1:]]
        positions: list[Record] = list(
            map(partial(tuple.__new__, Position), zip(*columns, strict=False))
        )
        statics = self._statics(kept)
        self.counts.positions += len(positions)
        self.counts.statics += len(statics)
        if not statics:
            return positions
        records: list[Record] = []
        start = 0
        for at, static in statics:
            records += positions[start:at]
            records.append(static)
            start = at
        records += positions[start:]
        return records

    def _statics(self, kept: pl.DataFrame) -> list[tuple[int, Record]]:
        """Static data of the rows where it differs from the last given for the MMSI, each
        with the number of positions that come before it."""
        present = [role for role in STATIC_ROLES if role in kept.columns]
        if not present:
            return []
        given = kept.filter(
            pl.col("_static_type").is_not_null() & pl.any_horizontal(pl.col(present).is_not_null())
        )
        # Rows that repeat the vessel's previous row are left out in bulk; the first row of
        # each vessel in the chunk is compared with what was given before, below.
        same = pl.struct(present)
        changed = given.filter(same.ne_missing(same.shift(1).over("mmsi")))
        values = [changed[r].to_list() if r in present else repeat(None) for r in STATIC_ROLES]
        last, tail = self.last_statics, self._static_tail
        new = tuple.__new__
        out: list[tuple[int, Record]] = []
        for at, m, t, st, key in zip(
            changed["_at"].to_list(), changed["mmsi"].to_list(), changed["time"].to_list(),
            changed["_static_type"].to_list(), zip(*values, strict=False), strict=False,
        ):  # fmt: skip
            if last.get(m) == key:
                continue
            last[m] = key
            out.append((at, new(VesselStatic, (t, m, st, *key, *tail))))
        return out


def rows_table(data: bytes, layout: Layout) -> pl.DataFrame:
    """A chunk of whole CSV records (no header) as a table of text, columns named by role.
    Short rows get nulls, long ones are cut to the header's width."""
    schema = {f"c{i}": pl.String for i in range(len(layout.header))}
    wanted = sorted(set(layout.columns.values()))
    if not data.strip():
        return pl.DataFrame({role: [] for role in layout.columns}, schema=dict.fromkeys(
            layout.columns, pl.String))  # fmt: skip
    table = pl.read_csv(
        data, has_header=False, schema=schema, columns=wanted, truncate_ragged_lines=True,
        encoding="utf8-lossy", raise_if_empty=False,
    )  # fmt: skip
    return table.select(pl.col(f"c{i}").alias(role) for role, i in layout.columns.items())
